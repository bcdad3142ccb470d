"""Versioned model artefacts (normaliser, ranker, departure model) with the metadata that governs them."""
