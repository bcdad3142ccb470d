"""`laborbridge train` and `laborbridge evaluate matcher`: fit, judge on a later time window, store with governance.

Time split: the held-out window is the last `holdout_days` before today. The ranker is fitted only on
placements whose 90-day outcome was known at the window's start (they started >= 90 days before it), so
nothing it learns comes from the window. Held-out figures use placements started inside the window whose
90-day outcome is known today (still-running ones younger than 90 days are censored and left out). An end
before day 90 that is not the worker leaving (a contract that ran out, a vacancy that closed) is censored at
that end: see `matching.ranking.outcomes`.

Features use each worker's profile as it is now (skills, wishes, expected wage), not as it was at the
placement's start: the database keeps no profile history. Prior placements and early exits are counted as of
each placement's start.
"""

from __future__ import annotations

import math
from datetime import date, timedelta
from typing import Any

import numpy as np
import pandas as pd
from sklearn.metrics import log_loss, roc_auc_score
from sqlalchemy.orm import Session

from app.artefacts import repository as artefact_repo
from app.artefacts import service as artefacts
from app.clock import today as china_today
from app.errors import NotEnoughHistory
from app.matching import corrections, repository
from app.matching.cache import PAST_JOB_MIN_SCORE, usable_ranker
from app.pairings import service as pairing_service
from matching.evaluate import topk_metrics
from matching.features import RANKER_FEATURES, pair_features
from matching.occupations import OccupationNormaliser, confident_codes, default_normaliser, load_labelled
from matching.ranking import (
    HORIZON_DAYS,
    RANKER_FORMAT,
    RetentionRanker,
    censored_ends,
    outcome_known,
    pair_frame,
)

PSI_LIMIT = 0.25
LOGLOSS_TOLERANCE = 0.002


def fit_normaliser(session: Session | None = None) -> tuple[OccupationNormaliser, dict[str, Any]]:
    """The product's normaliser with what to store beside it: the shipped labelled titles plus every title a
    person confirmed (`PUT /vacancies/{id}/occupation`), and the active normaliser's accuracy on the titles
    confirmed after its own cutoff (the only ones it never saw)."""
    labelled = load_labelled()
    confirmed = corrections.confirmed_titles(session) if session is not None else pd.DataFrame()
    details: dict[str, Any] = {}
    if not confirmed.empty:
        active = artefacts.load_active(session, "occupations") if session is not None else None
        if active is not None:
            details["accuracy_on_new_corrections"] = correction_accuracy(
                active.estimator, confirmed, active.details.get("corrections_through")
            )
        # Shipped labels first, then people's: the normaliser weighs every labelled title alike.
        titles = pd.concat([labelled["title"], confirmed["title"]], ignore_index=True)
        codes = pd.concat([labelled["code"], confirmed["code"]], ignore_index=True)
        model = OccupationNormaliser(n_jobs=-1).fit(titles, codes)
    else:
        model = default_normaliser()  # the same fit, cached per process
    views = "character n-gram SVM, level-3 family, taxonomy names/aliases/definitions, nearest labelled title"
    return model, {
        "labelled_titles": len(labelled),
        "confirmed_titles": len(confirmed),
        "corrections_through": str(confirmed["confirmed_at"].max()) if not confirmed.empty else None,
        "codes": len(model.classes_),
        "features": views,
        **details,
    }


def correction_accuracy(model: OccupationNormaliser, confirmed: pd.DataFrame, cutoff: str | None) -> dict[str, Any]:
    """Top-1/top-5 of `model` on titles confirmed after `cutoff` (all of them if it was trained on none)."""
    after = confirmed
    if cutoff:
        after = confirmed[pd.to_datetime(confirmed["confirmed_at"], utc=True) > pd.Timestamp(cutoff)]
    out: dict[str, Any] = {"n": len(after), "confirmed_after": cutoff}
    if len(after):
        predicted, _ = model.predict_topk(list(after["title"]), k=5)
        out |= {k: round(v, 4) for k, v in topk_metrics(list(after["code"]), predicted).items()}
    return out


def _past_job_codes(model: OccupationNormaliser | None, jobs: pd.Series) -> list[list[str]]:
    if model is None:
        return [[] for _ in jobs]
    best = confident_codes(model, (t for js in jobs for t in (js or [])), PAST_JOB_MIN_SCORE)
    return [sorted({c for t in (js or []) if (c := best.get(t))}) for js in jobs]


def history(
    session: Session, normaliser: OccupationNormaliser | None
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(placements with prior counts, workers with past-job evidence, all vacancies)."""
    placements = repository.placement_history(session)
    workers = repository.workers(session)
    vacancies = repository.all_vacancies(session)
    workers["skills"] = [
        sorted(set(s or []) | set(p))
        for s, p in zip(workers["skills"], _past_job_codes(normaliser, workers["past_jobs"]), strict=True)
    ]
    p = placements.copy()
    p["start_date"] = pd.to_datetime(p["start_date"])
    p["end_date"] = pd.to_datetime(p["end_date"])
    # Prior placements (ended before this start) and prior early exits, per placement.
    ended = p[p["end_date"].notna()][["worker_id", "start_date", "end_date"]]
    joined = p[["placement_id", "worker_id", "start_date"]].merge(ended, on="worker_id", suffixes=("", "_prev"))
    joined = joined[joined["end_date"] <= joined["start_date"]]
    joined["early"] = (joined["end_date"] - joined["start_date_prev"]).dt.days < HORIZON_DAYS
    counts = joined.groupby("placement_id").agg(n=("early", "size"), e=("early", "sum"))
    p["prior_placements"] = p["placement_id"].map(counts["n"]).fillna(0)
    p["prior_early_exits"] = p["placement_id"].map(counts["e"]).fillna(0)
    return p, workers, vacancies


def pairs_for(
    placements: pd.DataFrame, workers: pd.DataFrame, vacancies: pd.DataFrame, pairs: frozenset[tuple[str, str]]
) -> pd.DataFrame:
    """pair_features input for each placement (its worker with its vacancy)."""
    w = workers.set_index("worker_id").loc[placements["worker_id"].to_numpy()].reset_index()
    w["prior_placements"] = placements["prior_placements"].to_numpy()
    w["prior_early_exits"] = placements["prior_early_exits"].to_numpy()
    v = vacancies.set_index("vacancy_id").loc[placements["vacancy_id"].to_numpy()].reset_index()
    return pair_frame(w, v, pairs)


def split(placements: pd.DataFrame, today: date, holdout_days: int, closed_vacancies: Any = ()) -> dict[str, Any]:
    """Training rows (outcome known at the window start) and held-out rows (started in the window, >= 90 days ago).

    Ends that are not the worker leaving (`censored_ends`: contract ended, vacancy closed) are censored. A
    closure is judged on today's records for both windows: the closing day is not stored, only the status.
    """
    cutoff = pd.Timestamp(today - timedelta(days=holdout_days))
    planned = censored_ends(placements, closed_vacancies)
    start, end = placements["start_date"], placements["end_date"]
    known_then, lasted_then = outcome_known(start, end, cutoff, censored_end=planned)
    train = known_then & (placements["start_date"] <= cutoff - pd.Timedelta(days=HORIZON_DAYS)).to_numpy()
    known_now, lasted_now = outcome_known(start, end, pd.Timestamp(today), censored_end=planned)
    # Only starts old enough for either outcome to be known: taking the recent early exits but not the recent
    # stayers (still running, censored) would make the window look worse than it is.
    old_enough = (placements["start_date"] <= pd.Timestamp(today) - pd.Timedelta(days=HORIZON_DAYS)).to_numpy()
    held = known_now & old_enough & (placements["start_date"] >= cutoff).to_numpy()
    return {
        "cutoff": cutoff.date(),
        "train": train,
        "y_train": lasted_then[train],
        "held": held,
        "y_held": lasted_now[held],
    }


def _metrics(y: np.ndarray, p: np.ndarray) -> dict[str, float]:
    if len(y) == 0 or len(np.unique(y)) < 2:
        return {"n": len(y), "auc": float("nan"), "log_loss": float("nan")}
    return {
        "n": int(len(y)),
        "auc": round(float(roc_auc_score(y, p)), 4),
        "log_loss": round(float(log_loss(y, np.clip(p, 1e-6, 1 - 1e-6))), 4),
        "base_rate": round(float(np.mean(y)), 4),
    }


def psi(expected: np.ndarray, actual: np.ndarray, bins: int = 10) -> float:
    """Population stability index of `actual` scores against `expected` (decile bins of `expected`)."""
    edges = np.unique(np.quantile(expected, np.linspace(0, 1, bins + 1)))
    if len(edges) < 3:
        return 0.0
    edges[0], edges[-1] = -np.inf, np.inf
    e = np.histogram(expected, edges)[0] / len(expected)
    a = np.histogram(actual, edges)[0] / len(actual)
    e, a = np.clip(e, 1e-4, None), np.clip(a, 1e-4, None)
    return float(np.sum((a - e) * np.log(a / e)))


def fit_ranker(
    session: Session, normaliser: OccupationNormaliser | None, today: date, holdout_days: int
) -> dict[str, Any]:
    placements, workers, vacancies = history(session, normaliser)
    if placements.empty:
        raise NotEnoughHistory("no placements in the database to learn from")
    pairs = frozenset(pairing_service.pair_codes_on(session, today))
    closed = vacancies.loc[vacancies["status"] != "open", "vacancy_id"]
    parts = split(placements, today, holdout_days, closed)
    frame = pairs_for(placements, workers, vacancies, pairs)
    # A placement learns from the pairings in force on its start day, not from today's.
    paired_on = pairing_service.PairedOn.load(session)
    frame["paired"] = paired_on.paired(frame["worker_county"], frame["vacancy_county"], placements["start_date"])
    X = pair_features(frame)
    X_train, X_held = X[parts["train"]], X[parts["held"]]
    if len(X_train) < 50 or len(np.unique(parts["y_train"])) < 2:
        raise NotEnoughHistory(f"only {len(X_train)} placements with a known 90-day outcome before {parts['cutoff']}")
    ranker = RetentionRanker(random_state=0).fit(X_train, parts["y_train"])
    held_scores = ranker.predict_proba(X_held)[:, 1] if len(X_held) else np.array([])
    return {
        "ranker": ranker,
        "parts": parts,
        "X_held": X_held,
        "held_scores": held_scores,
        "metrics": _metrics(parts["y_held"], held_scores),
        "placements": placements,
        "workers": workers,
        "vacancies": vacancies,
        "pairs": pairs,
    }


def train(session: Session, holdout_days: int = 365, today: date | None = None) -> dict[str, Any]:
    """Fit and store the normaliser and the ranker; the ranker is activated only if it passes the gate."""
    today = today or china_today()
    normaliser, norm_details = fit_normaliser(session)
    norm = artefacts.store(session, "occupations", normaliser, {"kind": "occupations", **norm_details}, activate=True)
    fitted = fit_ranker(session, normaliser, today, holdout_days)
    ranker, metrics, parts = fitted["ranker"], fitted["metrics"], fitted["parts"]
    details: dict[str, Any] = {
        "features": list(RANKER_FEATURES),  # never worker history or household: see matching.features
        "target": f"placement lasts >= {HORIZON_DAYS} days (censored placements excluded; an end by contract or "
        "vacancy closure before then is censored, not a failure)",
        "format": RANKER_FORMAT,
        "signed_weights": {k: round(v, 4) for k, v in ranker.signed_weights().items()},
        "training_window": {
            "to": str(parts["cutoff"]),
            "rule": f"started <= to - {HORIZON_DAYS} days",
            "n": int(parts["train"].sum()),
        },
        "holdout_window": {"from": str(parts["cutoff"]), "to": str(today)},
        "metrics": metrics,
    }
    active = artefacts.load_active(session, "ranker")
    reason = None
    if active is not None and not usable_ranker(active.estimator):
        details["compared_with"] = {"version": active.version, "skipped": "fitted on inputs no longer used"}
    elif active is not None and len(fitted["X_held"]):
        old_scores = active.estimator.predict_proba(fitted["X_held"])[:, 1]
        old = _metrics(parts["y_held"], old_scores)
        shift = psi(old_scores, fitted["held_scores"])
        details["compared_with"] = {"version": active.version, "metrics": old, "psi": round(shift, 4)}
        if not math.isnan(old["log_loss"]) and metrics["log_loss"] > old["log_loss"] + LOGLOSS_TOLERANCE:
            reason = f"held-out log-loss {metrics['log_loss']} worse than active {old['log_loss']}"
        elif shift > PSI_LIMIT:
            reason = f"score distribution shifted: PSI {shift:.3f} > {PSI_LIMIT}"
    stored = artefacts.store(session, "ranker", ranker, details, activate=reason is None, inactive_reason=reason)
    return {
        "occupations": {"version": norm.version, "active": True},
        "ranker": {"version": stored.version, "active": stored.active, "inactive_reason": reason, **details},
    }


def has_active_models(session: Session) -> bool:
    """Both models are active, and the ranker is of the current format (an old one is refitted by `--if-missing`)."""
    if artefact_repo.active(session, "occupations") is None:
        return False
    ranker = artefacts.load_active(session, "ranker")
    return ranker is not None and usable_ranker(ranker.estimator)
