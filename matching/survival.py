"""Kaplan–Meier with lifelines, the one estimator of it: report retention and curves, and the departure metrics' curve.

Placements still running are censored, never counted as stayed or left.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from lifelines import KaplanMeierFitter

CURVE_DAYS = np.arange(0, 181, 5)


SURV_DTYPE = np.dtype([("event", bool), ("duration", float)])


def surv_target(event: Any, duration: Any) -> np.ndarray:
    """The structured survival target the estimators' fit(X, y) take, as `sksurv.util.Surv.from_arrays` builds it."""
    event, duration = np.asarray(event).astype(bool), np.asarray(duration, dtype=float)
    if event.shape != duration.shape or event.ndim != 1:
        raise ValueError("event and duration must be 1-d arrays of the same length")
    y = np.empty(len(event), dtype=SURV_DTYPE)
    y["event"], y["duration"] = event, duration
    return y


def unpack(y: Any) -> tuple[np.ndarray, np.ndarray]:
    """(duration, event) from a structured target; anything else is refused rather than guessed."""
    y = np.asarray(y)
    if y.dtype.names is None or not {"event", "duration"} <= set(y.dtype.names):
        raise ValueError(
            "y must be a structured array with fields 'event' and 'duration' (see matching.survival.surv_target)"
        )
    duration = np.asarray(y["duration"], dtype=float)
    if np.any(duration < 0) or np.any(~np.isfinite(duration)):
        raise ValueError("durations must be finite and >= 0")
    return duration, np.asarray(y["event"]).astype(bool)


class KaplanMeier:
    """The product-limit curve at its event times; `survival(t)` is right-continuous, `survival_before(t)` its left
    limit (what inverse-probability-of-censoring weights need)."""

    def fit(self, duration: np.ndarray, event: np.ndarray) -> KaplanMeier:
        d = np.asarray(duration, dtype=float)
        e = np.asarray(event, dtype=bool)
        times = np.unique(d[e])
        if len(times):
            table = KaplanMeierFitter().fit(d, event_observed=e).survival_function_
            self.survival_ = table.iloc[:, 0].reindex(times).to_numpy(float)
        else:
            self.survival_ = np.array([], dtype=float)
        self.times_ = times
        return self

    def survival(self, t: np.ndarray | float) -> np.ndarray:
        idx = np.searchsorted(self.times_, np.asarray(t, dtype=float), side="right")
        return np.concatenate([[1.0], self.survival_])[idx]

    def survival_before(self, t: np.ndarray | float) -> np.ndarray:
        idx = np.searchsorted(self.times_, np.asarray(t, dtype=float), side="left")
        return np.concatenate([[1.0], self.survival_])[idx]


def _num(value: float) -> float | None:
    return None if value is None or math.isnan(value) else round(float(value), 4)


def _fit(durations: np.ndarray, events: np.ndarray) -> KaplanMeierFitter | None:
    if len(durations) == 0:
        return None
    return KaplanMeierFitter(alpha=0.05).fit(durations, event_observed=events)


def _known_until(durations: np.ndarray, kmf: KaplanMeierFitter) -> float:
    """The last day the estimate is defined: the longest observed time, or forever once everyone has left."""
    if float(kmf.survival_function_.iloc[-1, 0]) == 0.0:
        return math.inf
    return float(durations.max())


def retention(
    durations: np.ndarray, events: np.ndarray, horizons: tuple[int, ...], oldest: float
) -> dict[str, dict[str, Any]]:
    """Share still employed on day h (lasted at least h days), with a 95 % CI and the number at risk.

    `oldest` is how many days the earliest start lies before the report's date. A horizon the group is too
    young for (oldest < h), or beyond the last time the estimate is defined, is None, not zero.
    """
    kmf = _fit(durations, events)
    out: dict[str, dict[str, Any]] = {}
    for h in horizons:
        at_risk = int((durations >= h).sum())
        if kmf is None or oldest < h or _known_until(durations, kmf) < h:
            out[str(h)] = {"estimate": None, "ci_low": None, "ci_high": None, "at_risk": at_risk}
            continue
        t = h - 0.5  # whole days: "still employed on day h" is surviving past h - 1
        estimate = float(kmf.survival_function_at_times(t).iloc[0])
        ci = kmf.confidence_interval_survival_function_
        row = ci[ci.index <= t].iloc[-1]
        low, high = float(row.iloc[0]), float(row.iloc[1])
        if estimate == 1.0:  # Greenwood has no spread before the first departure
            low, high = (1.0 if math.isnan(low) else low), 1.0
        out[str(h)] = {"estimate": _num(estimate), "ci_low": _num(low), "ci_high": _num(high), "at_risk": at_risk}
    return out


def curve(durations: np.ndarray, events: np.ndarray) -> list[list[float]]:
    """[day, share still employed] every 5 days up to 180, stopping where the estimate is no longer defined."""
    kmf = _fit(durations, events)
    if kmf is None:
        return []
    days = CURVE_DAYS[_known_until(durations, kmf) >= CURVE_DAYS]
    values = kmf.survival_function_at_times(np.maximum(days - 0.5, 0)).to_numpy()
    values[days == 0] = 1.0
    return [[int(d), round(float(v), 4)] for d, v in zip(days, values, strict=True)]
