"""Departure risk: train on the placement history, score active placements, explain, recommend, and evaluate."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy.orm import Session

from app.artefacts import service as artefacts
from app.authz import sees_only_job_reasons
from app.clock import today
from app.db import utcnow
from app.departure import repository
from app.errors import NotEnoughHistory
from app.labels import VOCABULARIES
from app.pairings.service import PairedOn
from app.reference import repository as reference_repo
from matching import departure_features as F
from matching.departure import (
    CoxBaseline,
    DiscreteTimeHazard,
    KaplanMeierBaseline,
    cross_validate,
    cumulative_dynamic_auc,
    integrated_brier,
    precision_at_top,
    uno_c_index,
)
from matching.survival import surv_target

KIND = "departure"
FRESH_DAYS = 7  # `departure score` reuses the active model if it is younger than this
MIN_DEPARTURES = 20  # below this a hazard per period cannot be estimated at all
# A placement is flagged (weekly report, at-risk counts) when its chance of leaving by the nearest horizon it has
# not yet passed is at least this: above the ~0.27 share of seeded placements that end within 90 days.
FLAG_MIN_RISK = 0.3
HIGH, MEDIUM = 0.30, 0.15  # risk levels that decide the action (probability of leaving within the horizon)

# Reason codes and their words, in the product's table of labels; the order is the model's explain order.
REASONS: dict[str, tuple[str, str]] = {code: (item.zh, item.en) for code, item in VOCABULARIES["risk_reason"].items()}
# What an employer may read about its own placement's risk: facts of the job itself. Everything else comes from the
# worker's jobs elsewhere, household or what the worker told an officer at follow-ups (a complaint about unpaid
# wages must not reach the employer it is about), so it stays with the offices. The weekly report's at-risk list
# for an employer scope filters with `reasons_for` too.
EMPLOYER_VISIBLE: frozenset[str] = frozenset(
    {"wage_gap", "far_no_housing", "log_distance_km", "occupation_desired", "channel_agrees", "festival_overlap"}
)
POOR_FIT = {"far_no_housing", "occupation_desired", "channel_agrees", "log_distance_km"}
OUT_OF_TOUCH = {"fu_unreachable", "fu_last_unreachable", "missed_checkins", "days_since_contact"}


@dataclass
class Inputs:
    """Everything read from the database for a set of placements."""

    placements: pd.DataFrame
    static: pd.DataFrame  # indexed by placement id
    follow_ups: pd.DataFrame


def load_inputs(session: Session, placement_ids: list[int] | None = None) -> Inputs:
    placements = repository.placements_frame(session, placement_ids)
    workers = None if placement_ids is None else sorted(set(placements["worker_id"]))
    history = repository.history_frame(session, workers)
    static = F.static_features(
        placements, history, reference_repo.division_points(session), PairedOn.load(session).paired
    )
    follow_ups = repository.follow_ups_frame(session, placement_ids)
    return Inputs(placements.set_index("placement_id", drop=False), static, follow_ups)


def _static_model_frame(static: pd.DataFrame) -> pd.DataFrame:
    return static[list(F.STATIC_FEATURES)]


def period_rows(
    model: DiscreteTimeHazard, inputs: Inputs, ids: np.ndarray, periods: np.ndarray, asof: pd.Series | None = None
) -> pd.DataFrame:
    """Person-period model inputs: static features, follow-ups as of `asof` (default: the period start), calendar."""
    start, end = model.period_bounds(periods)
    start_dates = inputs.placements.loc[ids, "start_date"].reset_index(drop=True)
    p_start = start_dates + pd.to_timedelta(start, unit="D")
    p_end = start_dates + pd.to_timedelta(end, unit="D")
    keys = pd.DataFrame(
        {"placement_id": ids, "start_date": start_dates, "asof": p_start if asof is None else asof.to_numpy()}
    )
    fu = F.follow_up_features(keys, inputs.follow_ups)
    X = _static_model_frame(inputs.static).loc[ids].reset_index(drop=True)
    X = pd.concat([X, fu], axis=1)
    X["festival_overlap"] = F.festival_overlap(p_start, p_end)
    return X


def fit_model(inputs: Inputs, as_of: date, random_state: int = 0) -> DiscreteTimeHazard:
    """Train on every placement started before `as_of`, censored at `as_of` (what was known that day)."""
    placements = inputs.placements[inputs.placements["start_date"] < pd.Timestamp(as_of)]
    duration, left = F.outcome(placements, as_of)
    model = DiscreteTimeHazard(cuts=F.CUTS_DAYS, random_state=random_state)
    model.cuts_ = np.asarray(F.CUTS_DAYS, float)
    rows, periods, target, weight = model.expand(duration, left)
    ids = placements["placement_id"].to_numpy()[rows]
    X = period_rows(model, inputs, ids, periods)
    return model.fit_periods(X, periods, target, weight)


def conditional_risk(
    model: DiscreteTimeHazard, inputs: Inputs, ids: np.ndarray, tenure: np.ndarray, times: tuple[float, ...]
) -> tuple[np.ndarray, pd.DataFrame]:
    """P(leave by each time | still there at `tenure`), follow-ups as known at the landmark; NaN once passed.

    Also returns the model inputs of each placement's current period (for the reasons).
    """
    tenure = np.asarray(tenure, float)
    k0 = model.period_of(tenure)
    k1 = model.period_of(np.full(len(ids), max(times)))
    counts = np.maximum(k1 - k0 + 1, 1)
    rep = np.repeat(np.arange(len(ids)), counts)
    periods = np.repeat(k0, counts) + (np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts))
    start_dates = inputs.placements.loc[ids, "start_date"].reset_index(drop=True)
    landmark = (start_dates + pd.to_timedelta(tenure, unit="D")).iloc[rep].reset_index(drop=True)
    X = period_rows(model, inputs, ids[rep], periods, asof=landmark)
    log_s = np.log1p(-model.hazard_periods(X, periods))
    p_start, p_end = model.period_bounds(periods)
    out = np.full((len(ids), len(times)), np.nan)
    for j, horizon in enumerate(times):
        overlap = np.minimum(p_end, horizon) - np.maximum(p_start, tenure[rep])
        frac = np.clip(overlap / (p_end - p_start), 0.0, 1.0)
        total = np.bincount(rep, weights=frac * log_s, minlength=len(ids))
        risk = 1.0 - np.exp(total)
        out[:, j] = np.where(tenure < horizon, risk, np.nan)
    first = np.cumsum(counts) - counts
    return out, X.iloc[first].reset_index(drop=True)


def explain(model: DiscreteTimeHazard, X_now: pd.DataFrame, top: int = 3) -> list[list[str]]:
    """Reason codes: the features whose logistic contribution raises the risk most (positive ones only)."""
    if model.lr_ is None or len(X_now) == 0:
        return [[] for _ in range(len(X_now))]
    from matching.departure import clean_frame

    frame = model._period_frame(clean_frame(X_now, model.columns_), model.period_of(X_now["_landmark"].to_numpy()))
    Z = np.asarray(model.encoder_.transform(frame), float)
    names = list(model.encoder_.get_feature_names_out())
    coef = model.lr_.coef_[0]
    codes = [c for c in REASONS if c in names]
    cols = [names.index(c) for c in codes]
    contrib = Z[:, cols] * coef[cols]
    if "days_since_contact" in codes:
        # "No contact for a long time" only once a call was due and missed: a check-in (CHECKIN_DAYS, within
        # CHECKIN_GRACE) or the call a concern makes due; a placement a few days old has had none due yet.
        missed = (X_now["missed_checkins"].to_numpy(float) > 0) | (
            (X_now["fu_last_concern"].to_numpy(float) > 0)
            & (X_now["days_since_contact"].to_numpy(float) > F.CHECKIN_GRACE)
        )
        contrib[~missed, codes.index("days_since_contact")] = 0.0
    order = np.argsort(-contrib, axis=1)[:, :top]
    return [[codes[j] for j in row if contrib[i, j] > 0.05] for i, row in enumerate(order)]


FACTS = ("note_arrears", "note_wage", "note_conditions", "note_home", "fu_last_unreachable", "missed_checkins")


def recorded_facts(X_now: pd.DataFrame) -> list[list[str]]:
    """What officers recorded (notes, missed calls) is always a reason, whatever weight the model gives it."""
    present = X_now[list(FACTS)].to_numpy(float) > 0
    return [[FACTS[j] for j in np.flatnonzero(row)] for row in present]


def action_for(risk: float | None, reasons: list[str]) -> str:
    """Clear rules: arrears → dispute case; pay or conditions → talk to the employer; a poor fit at high risk →
    transfer; out of touch or high risk → visit; otherwise a call this week."""
    r = risk or 0.0
    codes = set(reasons)
    if "note_arrears" in codes:
        return "dispute_case"
    if r >= MEDIUM and codes & {"note_wage", "wage_gap", "note_conditions", "prior_quit_wage"}:
        return "employer_talk"
    if r >= HIGH and codes & POOR_FIT:
        return "transfer"
    if r >= MEDIUM and codes & OUT_OF_TOUCH or r >= HIGH:
        return "visit"
    return "call"


def reasons_for(kind: str, reasons: list[Any]) -> list[Any]:
    """The reasons (codes or {code, zh, en} items) an org of this kind may read: employers only the job's own."""
    if not sees_only_job_reasons(kind):
        return list(reasons)
    return [r for r in reasons if (r if isinstance(r, str) else r["code"]) in EMPLOYER_VISIBLE]


def headline_risk(risk_30: float | None, risk_90: float | None, risk_180: float | None) -> float | None:
    """The risk that decides the action: 90 days, else 180, else 30 (the nearest horizon not yet passed)."""
    return next((v for v in (risk_90, risk_180, risk_30) if v is not None), None)


def action_for_kind(kind: str, risk: float | None, reasons: list[Any], stored: str) -> str:
    """An employer's action is re-derived from the reasons it may see, so it cannot hint at the hidden ones."""
    if not sees_only_job_reasons(kind):
        return stored
    return action_for(risk, [r if isinstance(r, str) else r["code"] for r in reasons_for(kind, reasons)])


def reason_items(codes: list[str]) -> list[dict[str, str]]:
    return [{"code": c, "zh": REASONS[c][0], "en": REASONS[c][1]} for c in codes]


def score_rows(model: DiscreteTimeHazard, version: str, inputs: Inputs, on: date) -> list[dict[str, Any]]:
    """placement_risks rows for the active placements in `inputs`, as of `on`."""
    active = inputs.placements[inputs.placements["end_date"].isna()]
    if active.empty:
        return []
    ids = active["placement_id"].to_numpy()
    # Follow-ups recorded today count: the landmark is the end of today.
    tenure = ((pd.Timestamp(on) - active["start_date"]).dt.days + 1).clip(lower=0).to_numpy(float)
    risks, X_now = conditional_risk(model, inputs, ids, tenure, F.HORIZONS)
    X_now["_landmark"] = tenure
    reasons = [
        list(dict.fromkeys([*facts, *model_codes]))[:4]
        for facts, model_codes in zip(recorded_facts(X_now), explain(model, X_now), strict=True)
    ]
    now = utcnow()
    rows = []
    for i, pid in enumerate(ids):
        r = [None if np.isnan(v) else round(float(v), 4) for v in risks[i]]
        headline = headline_risk(*r)
        rows.append(
            {
                "placement_id": int(pid),
                "risk_30": r[0],
                "risk_90": r[1],
                "risk_180": r[2],
                "reasons": reason_items(reasons[i]),
                "action": action_for(headline, reasons[i]),
                "model_version": version,
                "scored_at": now,
                "created_at": now,
                "updated_at": now,
            }
        )
    return rows


# ------------------------------------------------------------------------------------------- models
def model_holder() -> artefacts.ActiveModel:
    """What a process keeps of the departure model: the API holds one on app.state, each command its own."""
    return artefacts.ActiveModel(KIND)


def train_and_store(
    session: Session, holder: artefacts.ActiveModel, on: date | None = None
) -> tuple[DiscreteTimeHazard, str]:
    """Fit on all history up to `on` and make it the active departure artefact."""
    on = on or today()
    inputs = load_inputs(session)
    duration, left = F.outcome(inputs.placements, on)
    if int(left.sum()) < MIN_DEPARTURES:
        raise NotEnoughHistory(
            f"only {int(left.sum())} departures in {len(duration)} placements; the model needs {MIN_DEPARTURES}"
        )
    model = fit_model(inputs, on)
    details = {
        "trained_on": on.isoformat(),
        "placements": len(duration),
        "departures": int(left.sum()),
        "cuts_days": list(F.CUTS_DAYS),
        "features": list(model.columns_["numeric"]) + list(model.columns_["categorical"]),
        "boost_share": model.boost_share_,
    }
    artefact = artefacts.store(session, KIND, model, details, activate=True)
    holder.hold(artefacts.Loaded(model, artefact.version, details))
    return model, artefact.version


def active_model(
    session: Session, holder: artefacts.ActiveModel
) -> tuple[DiscreteTimeHazard, str, dict[str, Any]] | None:
    """The active artefact, deserialised once per holder per version."""
    loaded = holder.get(session)
    if loaded is None:
        return None
    return loaded.estimator, loaded.version, dict(loaded.details)


def score_active_placements(
    session: Session, holder: artefacts.ActiveModel, *, on: date | None = None, retrain: bool = False
) -> dict[str, Any]:
    """The batch the weekly report runs first: reuse a model younger than FRESH_DAYS, else train; score all."""
    on = on or today()
    current = None if retrain else active_model(session, holder)
    trained = False
    if current is None or date.fromisoformat(current[2]["trained_on"]) < on - timedelta(days=FRESH_DAYS):
        model, version = train_and_store(session, holder, on)
        trained = True
    else:
        model, version, _ = current
    ids = repository.active_placement_ids(session)
    inputs = load_inputs(session, ids) if ids else None
    rows = score_rows(model, version, inputs, on) if inputs is not None else []
    repository.upsert_risks(session, rows)
    removed = repository.delete_risks_of_ended(session)
    return {"scored": len(rows), "model_version": version, "trained": trained, "removed_ended": removed}


def rescore_placement(session: Session, holder: artefacts.ActiveModel, placement_id: int) -> bool:
    """After a follow-up: rescore one active placement from the stored model; never fits one."""
    current = active_model(session, holder)
    if current is None or not repository.is_active(session, placement_id):
        return False
    model, version, _ = current
    rows = score_rows(model, version, load_inputs(session, [placement_id]), today())
    repository.upsert_risks(session, rows)
    return bool(rows)


# --------------------------------------------------------------------------------------- evaluation
def _split_date(placements: pd.DataFrame, share: float = 0.7) -> date:
    return pd.Timestamp(placements["start_date"].quantile(share)).date()


def evaluate_from_db(session: Session, *, on: date | None = None, folds: int = 5) -> dict[str, Any]:
    """Time split: train on placements started before the split (censored there), test on later starts."""
    on = on or today()
    inputs = load_inputs(session)
    placements = inputs.placements
    if len(placements) < 50:
        raise NotEnoughHistory(f"too few placements to evaluate ({len(placements)}); seed or record more history")
    split = _split_date(placements)
    train = placements[placements["start_date"] < pd.Timestamp(split)]
    test = placements[placements["start_date"] >= pd.Timestamp(split)]
    d_train, e_train = F.outcome(train, split)
    d_test, e_test = F.outcome(test, on)
    model = fit_model(inputs, split)
    times = tuple(float(t) for t in np.linspace(7, 180, 25))
    test_ids = test["placement_id"].to_numpy()
    risk_model, _ = conditional_risk(model, inputs, test_ids, np.zeros(len(test_ids)), (*times, *F.HORIZONS))
    static_train = _static_model_frame(inputs.static.loc[train["placement_id"]])
    static_test = _static_model_frame(inputs.static.loc[test_ids])
    cox = CoxBaseline().fit(static_train, surv_target(e_train, d_train))
    km = KaplanMeierBaseline().fit(static_train, surv_target(e_train, d_train))
    all_times = np.array([*times, *F.HORIZONS])
    curves = {
        "model": 1.0 - risk_model,
        "cox": cox.predict_survival(static_test, all_times),
        "kaplan_meier": km.predict_survival(static_test, all_times),
    }
    out: dict[str, Any] = {
        "split": {
            "train": f"placements started before {split}, outcomes censored at {split}",
            "test": f"placements started on or after {split}, outcomes as of {on}",
            "train_n": len(train),
            "train_departures": int(e_train.sum()),
            "test_n": len(test),
            "test_departures": int(e_test.sum()),
        }
    }
    known90 = (d_test >= 90) | (e_test & (d_test <= 90))
    left90 = e_test & (d_test <= 90)
    for name, surv in curves.items():
        n = len(times)
        figures: dict[str, Any] = {
            "c_index": uno_c_index(d_train, e_train, d_test, e_test, 1 - surv[:, n + 2], tau=180),
            "integrated_brier": integrated_brier(d_train, e_train, d_test, e_test, surv[:, :n], np.array(times)),
        }
        for j, h in enumerate(F.HORIZONS):
            figures[f"auc_{h}"] = cumulative_dynamic_auc(d_train, e_train, d_test, e_test, 1 - surv[:, n + j], h)
        risk90 = 1 - surv[:, n + 1]
        figures["precision_top10_90"] = precision_at_top(risk90[known90], left90[known90], 0.1)
        out[name] = {k: round(float(v), 4) for k, v in figures.items()}
    out["base_rate_90"] = round(float(left90[known90].mean()), 4)
    out["base_rate_note"] = "share who left within 90 days among test placements whose 90-day outcome is known"
    d_all, e_all = F.outcome(placements, on)
    cv = cross_validate(_static_model_frame(inputs.static).reset_index(drop=True), d_all, e_all, 90, folds)
    out["cv_static_features"] = {k: cv[k] for k in ("n", "events", "c_index", "auc_at_horizon", "integrated_brier")}
    out["cv_static_features"]["baseline"] = cv["baseline"]
    out["training"] = training_effect(model, inputs, test_ids, known90, left90)
    out["flag_reviews"] = repository.review_counts(session)
    return out


def training_effect(
    model: DiscreteTimeHazard, inputs: Inputs, ids: np.ndarray, known90: np.ndarray, left90: np.ndarray
) -> dict[str, Any]:
    """What the model makes of training, on the test placements: their mean 90-day risk with the class for the
    job's occupation set off and on for all (nothing else changed), beside the shares that left within 90 days."""
    out: dict[str, Any] = {}
    for name in F.TRAINING_FEATURES:
        had = inputs.static.loc[ids, name].to_numpy(float) > 0
        figures: dict[str, Any] = {"test_placements_trained": int(had.sum())}
        for value, key in ((0.0, "mean_risk_90_untrained"), (1.0, "mean_risk_90_trained")):
            static = inputs.static.copy()
            static.loc[ids, name] = value
            risk, _ = conditional_risk(model, replace(inputs, static=static), ids, np.zeros(len(ids)), (90.0,))
            figures[key] = round(float(np.nanmean(risk[:, 0])), 4) if len(ids) else None
        for mask, key in ((had, "left_90_share_trained"), (~had, "left_90_share_untrained")):
            known = known90 & mask
            figures[key] = round(float(left90[known].mean()), 4) if known.any() else None
        out[name] = figures
    return out
