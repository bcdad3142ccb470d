"""Model inputs for each placement: the pair's fit, the worker's history, and follow-ups as of a given day.

Time discipline: history counts only placements that ended before this one started; follow-up features count
only follow-ups dated strictly before the as-of day (the start of a person-period row when training, tomorrow
when scoring today); a `left` follow-up is the outcome itself and never a feature.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import numpy as np
import pandas as pd

from matching import festivals
from matching.features import NUMERIC_FEATURES, pair_features

# Period boundaries in days since the start: short early periods, where most departures happen.
CUTS_DAYS = (0, 14, 30, 60, 90, 120, 180, 270, 365, 540, 730)
HORIZONS = (30, 90, 180)
EARLY_DAYS = 90  # an exit within this many days is an "early exit" in a worker's history
CHECKIN_DAYS = (7, 28, 84)  # when the programme expects a call: 1, 4 and 12 weeks
CHECKIN_GRACE = 10
# A planned end, not a departure: treated as censoring, so the model's event is "the worker left".
NOT_A_DEPARTURE = ("contract_ended",)

# Workers go home around 春节, many for good.
SPRING_FESTIVALS = pd.to_datetime(list(festivals.SPRING_FESTIVALS))
FESTIVAL_BEFORE, FESTIVAL_AFTER = 28, 25  # the window in which festival departures happen

NOTE_WORDS = {
    "note_wage": ("工资", "计件", "加班少", "单价", "wage", "pay"),
    "note_arrears": ("拖欠", "欠薪", "争议", "维权", "arrears", "dispute"),
    "note_conditions": ("夜班", "宿舍", "噪音", "强度", "安全", "night shift", "dormitory"),
    "note_home": ("想家", "回家", "家里", "孩子", "老人", "农忙", "homesick", "family"),
}
FOLLOW_UP_FEATURES = (
    "fu_contacts",
    "fu_concern",
    "fu_unreachable",
    "fu_last_concern",
    "fu_last_unreachable",
    "missed_checkins",
    "days_since_contact",
    *NOTE_WORDS,
)
# Training before the start: a completed class for the job's occupation, an order class for its employer.
TRAINING_FEATURES = ("trained_occupation", "trained_employer")
STATIC_FEATURES = (
    *NUMERIC_FEATURES,
    "shift",
    "referred",
    "registered_low_income",
    "start_month",
    *TRAINING_FEATURES,
)
TIME_FEATURES = ("festival_overlap",)


def history(placements: pd.DataFrame, all_placements: pd.DataFrame) -> pd.DataFrame:
    """prior_placements / prior_early_exits / prior_quit_wage: the worker's placements ended before this start."""
    left = placements[["placement_id", "worker_id", "start_date"]]
    past = all_placements.dropna(subset=["end_date"])
    merged = left.merge(past, on="worker_id", suffixes=("", "_prev"))
    merged = merged[merged["end_date"] <= merged["start_date"]]
    days = (merged["end_date"] - merged["start_date_prev"]).dt.days
    merged = merged.assign(
        early=((days < EARLY_DAYS) & ~merged["end_reason"].isin(NOT_A_DEPARTURE)).astype(float),
        quit_wage=(merged["end_reason"] == "quit_wage").astype(float),
        one=1.0,
    )
    agg = merged.groupby("placement_id")[["one", "early", "quit_wage"]].sum()
    out = pd.DataFrame(index=placements["placement_id"])
    out["prior_placements"] = agg["one"].reindex(out.index).fillna(0.0)
    out["prior_early_exits"] = agg["early"].reindex(out.index).fillna(0.0)
    out["prior_quit_wage"] = agg["quit_wage"].reindex(out.index).fillna(0.0)
    return out


def static_features(
    placements: pd.DataFrame,
    all_placements: pd.DataFrame,
    points: dict[str, tuple[float | None, float | None]],
    paired_on: Callable[[pd.Series, pd.Series, pd.Series], np.ndarray],
) -> pd.DataFrame:
    """Features fixed at the start: the shared pair features, history, referral, month; indexed by placement id.

    `paired_on(worker_county, vacancy_county, day)` says whether the two were paired on the placement's start.
    """
    frame = placements.set_index("placement_id", drop=False)
    hist = history(placements, all_placements)
    inputs = frame.assign(
        worker_lon=frame["worker_county"].map(lambda c: points.get(c, (None, None))[0]).astype(float),
        worker_lat=frame["worker_county"].map(lambda c: points.get(c, (None, None))[1]).astype(float),
        vacancy_lon=frame["vacancy_county"].map(lambda c: points.get(c, (None, None))[0]).astype(float),
        vacancy_lat=frame["vacancy_county"].map(lambda c: points.get(c, (None, None))[1]).astype(float),
        paired=paired_on(frame["worker_county"], frame["vacancy_county"], frame["start_date"]),
        prior_placements=hist["prior_placements"],
        prior_early_exits=hist["prior_early_exits"],
    )
    out = pair_features(inputs)
    out["prior_quit_wage"] = hist["prior_quit_wage"]
    out["referred"] = frame["referred"].astype(float)
    out["registered_low_income"] = frame["registered_low_income"].astype(float)
    out["start_month"] = frame["start_date"].dt.month.astype(str)  # seasonal hiring waves
    for name in TRAINING_FEATURES:
        out[name] = frame[name].astype(float)
    return out


def follow_up_features(keys: pd.DataFrame, follow_ups: pd.DataFrame) -> pd.DataFrame:
    """For rows (placement_id, start_date, asof): counts of follow-ups dated before `asof`; row order kept."""
    keys = keys.reset_index(drop=True)
    out = pd.DataFrame(index=keys.index, columns=list(FOLLOW_UP_FEATURES), dtype=float).fillna(0.0)
    tenure = (keys["asof"] - keys["start_date"]).dt.days.to_numpy(float)
    due = sum((tenure >= d + CHECKIN_GRACE).astype(float) for d in CHECKIN_DAYS)
    fu = follow_ups[follow_ups["outcome"] != "left"]
    if len(fu) == 0 or len(keys) == 0:
        out["missed_checkins"] = due
        out["days_since_contact"] = tenure
        return out
    notes = fu["notes"].fillna("").astype(str).str.lower()
    fu = fu.assign(
        fu_contacts=(fu["outcome"] != "unreachable").astype(float),
        fu_concern=(fu["outcome"] == "concern").astype(float),
        fu_unreachable=(fu["outcome"] == "unreachable").astype(float),
        **{
            name: notes.map(lambda n, ws=words: any(w in n for w in ws)).astype(float)
            for name, words in NOTE_WORDS.items()
        },
    )
    cum_cols = ["fu_contacts", "fu_concern", "fu_unreachable", *NOTE_WORDS]
    fu = fu.sort_values(["date"], kind="stable")
    cums = fu.groupby("placement_id")[cum_cols].cumsum()
    right = pd.concat([fu[["placement_id", "date"]], cums], axis=1)
    right["fu_last_concern"] = fu["fu_concern"]
    right["fu_last_unreachable"] = fu["fu_unreachable"]
    right["last_date"] = fu["date"]
    left = keys[["placement_id", "asof"]].assign(_row=np.arange(len(keys))).sort_values("asof", kind="stable")
    joined = (
        pd.merge_asof(
            left,
            right.sort_values("date"),
            left_on="asof",
            right_on="date",
            by="placement_id",
            allow_exact_matches=False,
        )
        .set_index("_row")
        .sort_index()
    )
    for col in [*cum_cols, "fu_last_concern", "fu_last_unreachable"]:
        out[col] = joined[col].fillna(0.0).to_numpy(float)
    out["note_wage"] = np.minimum(out["note_wage"], 3)
    since = (keys["asof"] - joined["last_date"]).dt.days.to_numpy(float)
    out["days_since_contact"] = np.where(np.isnan(since), tenure, since)
    out["missed_checkins"] = np.maximum(due - out["fu_contacts"].to_numpy(float), 0.0)
    return out


def festival_overlap(period_start: pd.Series, period_end: pd.Series) -> np.ndarray:
    """Share of the period that lies in a Spring Festival departure window (a calendar fact known in advance)."""
    starts = period_start.to_numpy("datetime64[D]")
    ends = period_end.to_numpy("datetime64[D]")
    total = np.zeros(len(starts))
    for f in SPRING_FESTIVALS.to_numpy("datetime64[D]"):
        lo = np.maximum(starts, f - np.timedelta64(FESTIVAL_BEFORE, "D"))
        hi = np.minimum(ends, f + np.timedelta64(FESTIVAL_AFTER, "D"))
        total += np.maximum((hi - lo).astype(float), 0.0)
    width = np.maximum((ends - starts).astype(float), 1.0)
    return np.clip(total / width, 0.0, 1.0)


def outcome(placements: pd.DataFrame, as_of: date) -> tuple[np.ndarray, np.ndarray]:
    """(days observed, left) as known on `as_of`: an end after it, or a planned end, is censoring."""
    as_of_ts = pd.Timestamp(as_of)
    ended = placements["end_date"].notna() & (placements["end_date"] <= as_of_ts)
    stop = placements["end_date"].where(ended, as_of_ts)
    duration = (stop - placements["start_date"]).dt.days.clip(lower=0).to_numpy(float)
    left = (ended & ~placements["end_reason"].isin(NOT_A_DEPARTURE)).to_numpy(bool)
    return duration, left
