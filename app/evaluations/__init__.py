"""Quarterly evaluation of pairings by results (季评估): indicators, score, grade, and a review workflow."""
