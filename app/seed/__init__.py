"""Demo data: a behavioural model of placements, written down in seed_data/README.md."""
