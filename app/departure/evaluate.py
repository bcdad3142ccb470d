"""`laborbridge departure evaluate --input FILE.csv`: the product's own pipeline, unchanged, on any table."""

from __future__ import annotations

import sys
from typing import Any

import numpy as np
import pandas as pd

from matching.departure import cross_validate

TRUE_WORDS = {"1", "true", "t", "yes", "y", "event", "dead", "died", "left"}
FALSE_WORDS = {"0", "false", "f", "no", "n", "censored", "alive"}


class TableError(ValueError):
    """The table cannot be evaluated as given; the message names the column and the problem."""


def parse_event(values: pd.Series, name: str) -> np.ndarray:
    """0/1, True/False, yes/no; a numeric column with two other codes (lung: 1/2) takes the larger as the event."""
    if pd.api.types.is_bool_dtype(values):
        return values.to_numpy(dtype=bool)
    if pd.api.types.is_numeric_dtype(values):
        codes = sorted(pd.unique(values))
        if set(codes) <= {0, 1}:
            return values.to_numpy(dtype=float) == 1
        if len(codes) == 2:
            print(f"note: event column {name!r} has codes {codes}; {codes[1]} is taken as the event", file=sys.stderr)
            return values.to_numpy(dtype=float) == codes[1]
        raise TableError(f"event column {name!r} must hold two values (0/1, True/False); found {codes[:6]}")
    words = values.astype(str).str.strip().str.lower()
    unknown = sorted(set(words) - TRUE_WORDS - FALSE_WORDS)
    if unknown:
        raise TableError(f"event column {name!r} has values that are neither event nor censored: {unknown[:6]}")
    return words.isin(TRUE_WORDS).to_numpy()


def load_table(
    path: str, duration_col: str, event_col: str, drop: list[str]
) -> tuple[pd.DataFrame, np.ndarray, np.ndarray, int]:
    """Read the CSV and split it into features, durations and events; rows missing either are left out."""
    try:
        frame = pd.read_csv(path)
    except (OSError, pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as exc:
        raise TableError(f"cannot read {path}: {exc}") from None
    missing = [c for c in (duration_col, event_col, *drop) if c not in frame.columns]
    if missing:
        raise TableError(f"{path}: no column(s) {missing}; columns are {list(frame.columns)[:30]}")
    known = frame[duration_col].notna() & frame[event_col].notna()
    skipped = int((~known).sum())
    frame = frame[known].reset_index(drop=True)
    duration = pd.to_numeric(frame[duration_col], errors="coerce")
    if duration.isna().any():
        bad = frame.loc[duration.isna(), duration_col].iloc[0]
        raise TableError(f"duration column {duration_col!r} must be numeric; found {bad!r}")
    if (duration < 0).any():
        raise TableError(f"duration column {duration_col!r} has negative values")
    event = parse_event(frame[event_col], event_col)
    if len(frame) < 10 or event.sum() < 2:
        raise TableError(f"too little data: {len(frame)} rows with {int(event.sum())} events (need 10 and 2)")
    X = frame.drop(columns=[duration_col, event_col, *drop])
    return X, duration.to_numpy(dtype=float), event, skipped


def evaluate_csv(
    path: str, duration_col: str, event_col: str, horizon: float | None, folds: int, drop: list[str]
) -> dict[str, Any]:
    X, duration, event, skipped = load_table(path, duration_col, event_col, drop)
    if folds < 2 or folds > len(X) // 2:
        raise TableError(f"--folds must be between 2 and {len(X) // 2} for {len(X)} rows")
    result = cross_validate(X, duration, event, horizon=horizon, folds=folds)
    if skipped:
        result["rows_skipped_missing_duration_or_event"] = skipped
    return result
