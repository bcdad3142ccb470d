"""The matcher: a pure library (DataFrames and arrays in and out) that never imports app/.

`matching.ranking` is the retention ranker (its public names are re-exported here), `matching.features` the
pair features it shares with `matching.departure`, `matching.occupations` the title normaliser and
`matching.allocation` the capacity-aware assignment.
"""

from matching.ranking import (
    HORIZON_DAYS,
    LEGAL_AGE,
    RANKER_FORMAT,
    TIERS,
    PreparedBoard,
    PreparedPool,
    RetentionRanker,
    RuleBaseline,
    admitted_channels,
    censored_ends,
    cross_pairs,
    explain_one,
    outcome_known,
    pair_frame,
    rank_one,
    reason_texts,
    top_k_batch,
    top_k_prepared,
    training_rows,
)

__all__ = [
    "HORIZON_DAYS",
    "LEGAL_AGE",
    "RANKER_FORMAT",
    "TIERS",
    "PreparedBoard",
    "PreparedPool",
    "RetentionRanker",
    "RuleBaseline",
    "admitted_channels",
    "censored_ends",
    "cross_pairs",
    "explain_one",
    "outcome_known",
    "pair_frame",
    "rank_one",
    "reason_texts",
    "top_k_batch",
    "top_k_prepared",
    "training_rows",
]
