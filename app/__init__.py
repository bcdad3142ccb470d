"""Laborbridge: east-west labour cooperation, matched for retention."""
