"""The ranker's label: did a placement last 90 days, and is that known yet at a cutoff.

A placement is a training example only if its 90-day outcome is known at the training cutoff: it ended before
90 days because the worker left (a failure), or it ran 90 days by the cutoff (a success). A placement still
running with under 90 days behind it is censored and left out, never a success.

An end that is not the worker leaving is censored at that end, not a failure: a contract that ran out
(`contract_ended`) and a vacancy that closed under the worker (the workshop stopped, the order was finished).
The departure model and the weekly reports treat `contract_ended` the same way. A closure is recognised from
the records: the vacancy is closed, nothing on it is still running, and the placement ended on the day its last
placement ended, recorded as `contract_ended` or `other` (how a closure gets written down).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

HORIZON_DAYS = 90
NOT_LEAVING = ("contract_ended",)  # end reasons that are never the worker leaving
CLOSURE_REASONS = ("contract_ended", "other")  # how an end caused by the vacancy closing is recorded


def outcome_known(
    start: pd.Series,
    end: pd.Series,
    cutoff: pd.Timestamp | Any,
    horizon: int = HORIZON_DAYS,
    censored_end: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """(known, lasted) per placement as seen at `cutoff`: `known` is False for censored rows.

    `censored_end` marks ends that are not a departure (see `censored_ends`): before the horizon they leave
    the outcome unknown instead of counting as a failure.
    """
    start = pd.to_datetime(pd.Series(start)).reset_index(drop=True)
    end = pd.to_datetime(pd.Series(end)).reset_index(drop=True)
    cutoff = pd.Timestamp(cutoff)
    end = end.where(end <= cutoff)  # an end after the cutoff was not known at the cutoff
    days = (end - start).dt.days
    early = (days.notna() & (days < horizon)).to_numpy()
    planned = np.zeros(len(start), dtype=bool) if censored_end is None else np.asarray(censored_end, dtype=bool)
    failed = early & ~planned
    lasted = ((cutoff - start).dt.days >= horizon).to_numpy() & ~early
    return failed | lasted, lasted


def censored_ends(placements: pd.DataFrame, closed_vacancies: Any) -> np.ndarray:
    """Ends that are not the worker leaving: `NOT_LEAVING` reasons, and ends caused by the vacancy closing.

    `placements` has vacancy_id, end_date and end_reason (every placement, running ones included: a vacancy
    with a running placement has not closed under anyone); `closed_vacancies` holds the ids of closed vacancies.
    """
    reason = placements["end_reason"].astype(object).to_numpy()
    end = pd.to_datetime(placements["end_date"])
    vacancy = placements["vacancy_id"]
    last_end = end.groupby(vacancy).transform("max")
    running = end.isna().groupby(vacancy).transform("any").to_numpy(dtype=bool)
    closure = (
        vacancy.isin(list(closed_vacancies)).to_numpy()
        & ~running
        & (end == last_end).to_numpy()
        & np.isin(reason, CLOSURE_REASONS)
    )
    return np.isin(reason, NOT_LEAVING) | closure


def training_rows(start: pd.Series, end: pd.Series, cutoff: Any, horizon: int = HORIZON_DAYS) -> np.ndarray:
    """Placements started at least `horizon` days before the cutoff: the only ones whose outcome can be known."""
    start = pd.to_datetime(start)
    return ((pd.Timestamp(cutoff) - start).dt.days >= horizon).to_numpy()
