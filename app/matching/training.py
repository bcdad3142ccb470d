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
from app.matching import repository
from app.matching.service import PAST_JOB_MIN_SCORE, age_from_id, usable_ranker
from app.pii import PiiVault
from app.reference import repository as reference_repo
from matching.features import EDUCATION_RANK, RANKER_FEATURES, channel_of, pair_features
from matching.occupations import OccupationNormaliser, confident_codes, default_normaliser, load_labelled
from matching.ranking import (
    HORIZON_DAYS,
    RANKER_FORMAT,
    RetentionRanker,
    RuleBaseline,
    admitted_channels,
    censored_ends,
    outcome_known,
    pair_frame,
)

PSI_LIMIT = 0.25
LOGLOSS_TOLERANCE = 0.002


def fit_normaliser() -> tuple[OccupationNormaliser, dict[str, Any]]:
    """The product's normaliser (fitted once per process by `default_normaliser`) with what to store beside it."""
    labelled = load_labelled()
    model = default_normaliser()
    views = "character n-gram SVM, level-3 family, taxonomy names/aliases/definitions, nearest labelled title"
    return model, {"labelled_titles": len(labelled), "codes": len(model.classes_), "features": views}


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
        raise ValueError("no placements in the database to learn from")
    pairs = frozenset(reference_repo.pairing_codes(session))
    closed = vacancies.loc[vacancies["status"] != "open", "vacancy_id"]
    parts = split(placements, today, holdout_days, closed)
    X = pair_features(pairs_for(placements, workers, vacancies, pairs))
    X_train, X_held = X[parts["train"]], X[parts["held"]]
    if len(X_train) < 50 or len(np.unique(parts["y_train"])) < 2:
        raise ValueError(f"only {len(X_train)} placements with a known 90-day outcome before {parts['cutoff']}")
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
    normaliser, norm_details = fit_normaliser()
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


# ------------------------------------------------------------------------------------------- evaluation


def _ndcg_recall(rank: np.ndarray) -> tuple[float, float]:
    """Single relevant item at 1-based `rank`: NDCG@10 and recall@10."""
    return (float(1 / np.log2(rank + 1)) if rank <= 10 else 0.0), (1.0 if rank <= 10 else 0.0)


def _age_band(age: int) -> str:
    return "16-24" if age < 25 else "25-34" if age < 35 else "35-44" if age < 45 else "45+"


def evaluate(
    session: Session, vault: PiiVault, holdout_days: int = 365, today: date | None = None, seed: int = 0
) -> dict[str, Any]:
    """NDCG@10 and recall@10 of each held-out worker's actual, lasting placement among the vacancies open then.

    "Open at the time" of a placement's start: posted (start_date on or before it, or none), not closed yet
    (an open vacancy; or a closed one whose last placement ended after that day, the closing day being
    unrecorded), with headcount left once the placements active that day are counted, and within the worker's
    hard rules (age at that day from the ID number, education, channel preference). The actual vacancy is
    always in the list, for every method alike. Relevance: the placement lasted 90 days; placements whose
    outcome is not yet known are censored and excluded; workers whose placement failed have no relevant item
    and are counted under `queries_without_relevant`. The model is fitted only on placements whose outcome
    was known when the window opened.
    """
    today = today or china_today()
    normaliser = default_normaliser()  # the same fit the product stores; cached per process
    fitted = fit_ranker(session, normaliser, today, holdout_days)
    ranker, parts = fitted["ranker"], fitted["parts"]
    placements, workers, vacancies, pairs = (
        fitted["placements"],
        fitted["workers"],
        fitted["vacancies"],
        fitted["pairs"],
    )
    rule = RuleBaseline().fit()
    rng = np.random.default_rng(seed)
    vacancies = vacancies.copy()
    vacancies["vacancy_start"] = pd.to_datetime(vacancies["vacancy_start"])
    last_end = placements.groupby("vacancy_id")["end_date"].max()
    vacancies["closed_after"] = vacancies["vacancy_id"].map(last_end)
    held = placements[parts["held"]].copy()
    held["lasted"] = parts["y_held"]
    wk = workers.set_index("worker_id")
    results: dict[str, list[tuple[float, float]]] = {"model": [], "rule_baseline": [], "random_baseline": []}
    groups: list[dict[str, Any]] = []
    without = 0
    for _, pl in held.iterrows():
        if not pl["lasted"]:
            without += 1
            continue
        day = pl["start_date"]
        active = placements[
            (placements["start_date"] <= day) & ((placements["end_date"].isna()) | (placements["end_date"] > day))
        ]
        filled = active[active["placement_id"] != pl["placement_id"]].groupby("vacancy_id").size()
        v = vacancies
        open_then = (v["vacancy_start"].isna() | (v["vacancy_start"] <= day)) & (
            (v["status"] == "open") | (v["closed_after"] > day)
        )
        left = v["headcount"] - v["vacancy_id"].map(filled).fillna(0)
        w = wk.loc[pl["worker_id"]]
        age = age_from_id(w["id_number_enc"], vault, day.date())
        ok = open_then & (left > 0) & (v["min_age"] <= age) & (v["max_age"].isna() | (v["max_age"] >= age))
        ok &= v["education_min"].map(EDUCATION_RANK).fillna(0) <= EDUCATION_RANK.get(w["education"], 0)
        channel = channel_of(pd.Series([w["worker_county"]] * len(v)), v["vacancy_county"].astype(str))
        ok &= np.isin(channel, admitted_channels(w["channel_preference"]))  # the matcher's own hard rule
        ok |= v["vacancy_id"] == pl["vacancy_id"]
        cands = v[ok.to_numpy()].reset_index(drop=True)
        wrow = w.to_frame().T.reset_index(names="worker_id")
        wrow["prior_placements"] = pl["prior_placements"]
        wrow["prior_early_exits"] = pl["prior_early_exits"]
        frame = pair_frame(wrow.iloc[[0] * len(cands)], cands, pairs)
        feats = pair_features(frame)
        target = (cands["vacancy_id"] == pl["vacancy_id"]).to_numpy()
        scores = {
            "model": ranker.decision_function(feats),
            "rule_baseline": rule.decision_function(feats),
            "random_baseline": rng.random(len(cands)),
        }
        for name, s in scores.items():
            # Rank of the actual vacancy; ties broken against it (no credit for a tie).
            rank = int(np.sum(s > s[target][0]) + np.sum(s[~target] == s[target][0]) + 1)
            results[name].append(_ndcg_recall(np.array(rank)))
        model_rank = int(np.sum(scores["model"] > scores["model"][target][0]) + 1)
        groups.append({"sex": w["sex"], "age_band": _age_band(age), "in_top10": model_rank <= 10})
    out: dict[str, Any] = {
        "holdout_window": {"from": str(parts["cutoff"]), "to": str(today)},
        "training_placements": int(parts["train"].sum()),
        "queries": len(results["model"]),
        "queries_without_relevant": without,
        "held_out_metrics": fitted["metrics"],
    }
    for name, vals in results.items():
        arr = np.array(vals) if vals else np.zeros((0, 2))
        out[name] = {
            "ndcg_at_10": round(float(arr[:, 0].mean()), 4) if len(arr) else None,
            "recall_at_10": round(float(arr[:, 1].mean()), 4) if len(arr) else None,
        }
    if out["rule_baseline"]["ndcg_at_10"]:
        out["model_vs_rule"] = round(out["model"]["ndcg_at_10"] / out["rule_baseline"]["ndcg_at_10"], 3)
    g = pd.DataFrame(groups)
    out["selection_rates"] = (
        {
            "definition": "share of each group's held-out workers whose actual lasting job was in the model's top 10",
            **{
                col: {
                    str(k): {"n": int(len(grp)), "rate": round(float(grp["in_top10"].mean()), 4)}
                    for k, grp in g.groupby(col)
                }
                for col in ("sex", "age_band")
            },
        }
        if len(g)
        else {}
    )
    return out
