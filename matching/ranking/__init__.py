"""The ranker: P(a placement lasts >= 90 days) from placement history, reasons per pair, and top-k ranking.

Pure library: DataFrames and arrays in and out, never `app/`. The service layer builds the frames. By role:
`outcomes` (the label and its censoring), `channels` (hard rules), `estimator` (the sign-bounded additive
model), `core` (the score, written once: features from arrays and how the parts add up), `reasons`,
`prepared` (the board and pool kept per process), `batch` (top-k for many workers), `request` (one worker).

Inputs. The ranker reads only `RANKER_FEATURES`: never a worker's history or household (earlier placements,
early exits, monitored household, dependants). Across workers, as in a vacancy's candidates or an allocation,
those would rank earlier leavers and poorer households below everyone else; they inform the departure model's
risk and support instead.
"""

from matching.ranking.batch import cross_pairs, pair_frame, top_k_batch, top_k_prepared
from matching.ranking.channels import LEGAL_AGE, admitted_channels
from matching.ranking.core import TIERS
from matching.ranking.estimator import RANKER_FORMAT, SHIFTS, TERMS, RetentionRanker, RuleBaseline
from matching.ranking.outcomes import HORIZON_DAYS, censored_ends, outcome_known, training_rows
from matching.ranking.prepared import PreparedBoard, PreparedPool
from matching.ranking.reasons import reason_texts
from matching.ranking.request import explain_one, rank_one

__all__ = [
    "HORIZON_DAYS",
    "LEGAL_AGE",
    "RANKER_FORMAT",
    "SHIFTS",
    "TERMS",
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
