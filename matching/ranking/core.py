"""The score, written once: which raw values each term reads, built from arrays, and how the parts add up.

Every path (batch top-k, one worker against the board, one vacancy against the pool, the reasons) derives the
ranker's features with these functions and sums the ranker's terms in the same groups and the same order, so
the paths agree bit for bit. The groups follow what each value depends on, which is what lets a path compute a
part once for many pairs: the vacancy alone, the worker's home and the vacancy's place, the worker's expected
wage and the vacancy's pay, the worker's occupations and the vacancy's, the worker alone.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from matching.features import far_no_housing, wage_gap
from matching.ranking.channels import channel_agrees
from matching.ranking.estimator import TERM_NAMES, RetentionRanker

VACANCY = ("wage_mid_k", "housing", "meals", "contract_months", "shift")
LOCATION = ("log_distance_km", "far_no_housing", "cross_province", "paired", "channel_agrees")
WAGE = ("wage_gap",)
OCCUPATION = ("occupation_desired", "occupation_wish_family", "occupation_skilled", "occupation_skill_family")
WORKER = ("education_rank",)
assert sorted(VACANCY + LOCATION + WAGE + OCCUPATION + WORKER) == sorted(TERM_NAMES)

# The tiers of the default /matches order, best first: `training` is the vacancy of an order class the worker
# completed (its employer promised to hire the graduates), then wished occupations, skill families, the rest.
TIERS = ("training", "wish", "skill", "other")


def vacancy_features(mid: Any, housing: Any, meals: Any, contract_months: Any, shift: Any) -> dict[str, Any]:
    """Terms that read the vacancy alone (shift as SHIFTS indices)."""
    return {
        "wage_mid_k": np.asarray(mid) / 1000.0,
        "housing": np.asarray(housing, dtype=float),
        "meals": np.asarray(meals, dtype=float),
        "contract_months": np.asarray(contract_months, dtype=float),
        "shift": shift,
    }


def location_features(distance: Any, channel: Any, preference: Any, paired: Any, housing: Any) -> dict[str, Any]:
    """Terms that read the worker's home and the vacancy's place (channel and preference as indices)."""
    return {
        "log_distance_km": np.log1p(distance),
        "far_no_housing": far_no_housing(distance, housing).astype(float),
        "cross_province": (np.asarray(channel) == 0).astype(float),
        "paired": np.asarray(paired, dtype=float),
        "channel_agrees": channel_agrees(preference, channel),
    }


def wage_features(mid: Any, expected: Any) -> dict[str, Any]:
    """The term that reads the worker's expected wage (0 or NaN: none named) and the vacancy's pay."""
    return {"wage_gap": wage_gap(np.asarray(mid, dtype=float), np.asarray(expected, dtype=float))}


def occupation_features(desired: Any, wish_family: Any, skilled: Any, skill_family: Any) -> dict[str, Any]:
    """Terms that read the worker's occupations (wishes; skills and past jobs) against the vacancy's."""
    return {
        "occupation_desired": desired,
        "occupation_wish_family": wish_family,
        "occupation_skilled": skilled,
        "occupation_skill_family": skill_family,
    }


def worker_features(education_rank: Any) -> dict[str, Any]:
    return {"education_rank": np.asarray(education_rank, dtype=float)}


def vacancy_part(ranker: RetentionRanker, **values: Any) -> np.ndarray:
    return ranker.logit(vacancy_features(**values), VACANCY)


def location_part(ranker: RetentionRanker, **values: Any) -> np.ndarray:
    return ranker.logit(location_features(**values), LOCATION)


def location_table(ranker: RetentionRanker, distance: Any, channel: Any, preference: Any, paired: Any) -> np.ndarray:
    """`location_part` for every (vacancy county, housing no/yes): (counties, 2). The location terms read only
    these, so a path gathers `table[county, housing]` instead of evaluating them per vacancy (same values)."""
    column = (slice(None), None)
    return location_part(
        ranker, distance=np.asarray(distance)[column], channel=np.asarray(channel)[column], preference=preference,
        paired=np.asarray(paired)[column], housing=np.array([[False, True]]),
    )  # fmt: skip


def wage_part(ranker: RetentionRanker, mid: Any, expected: Any) -> np.ndarray:
    return ranker.logit(wage_features(mid, expected), WAGE)


def occupation_part(ranker: RetentionRanker, features: Mapping[str, Any]) -> np.ndarray:
    """The occupation terms of `occupation_features(...)` output."""
    return ranker.logit(features, OCCUPATION)


def worker_part(ranker: RetentionRanker, education_rank: Any) -> np.ndarray:
    """The intercept and the worker-only terms: constant over one worker's vacancies."""
    return ranker.intercept_ + ranker.logit(worker_features(education_rank), WORKER)


def pair_logit(place: Any, wage: Any, occupation: Any, worker: Any) -> np.ndarray:
    """The score's logit from its parts (`place` = location + vacancy), added in the one order every path uses."""
    return np.asarray(place + wage + occupation + worker)


def tier_of(desired: Any, skill_family: Any, trained: Any = False) -> np.ndarray:
    """Index into TIERS: the worker's own order-class vacancy, else an occupation they asked for, else one in a
    skill or past job's family, else other."""
    occupation = np.where(np.asarray(desired, dtype=bool), 1, np.where(np.asarray(skill_family, dtype=bool), 2, 3))
    return np.where(np.asarray(trained, dtype=bool), 0, occupation)
