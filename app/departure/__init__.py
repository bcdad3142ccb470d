"""Early-departure risk: scores for active placements and the officers' answers to flags."""
