"""`laborbridge evaluate matcher`: the ranker against the rule baseline, chance and, on demo data, the truth.

Every held-out placement is a query: the worker on the day the placement started, over the vacancies open
then that the worker's hard rules admit (the actual vacancy is always among them).

* `model`, `rule_baseline`, `random_baseline`: `taken_and_lasted_ndcg_at_10` / `..._recall_at_10`, where the
  relevant item is the vacancy the worker took, if it lasted 90 days. This mixes the generator's choice process
  with retention and cannot tell a good retention ranker from a lucky one; it is kept for comparison.
* `oracle` (only on a seeded database): the generator's true P(lasts 90 days) of the vacancies each method
  puts first and in its top 10 (`app.seed.truth`), the random pick's expectation (the mean over the admissible
  vacancies) and the best possible (the truth's own top), `captured_top10 = (method - random) / (oracle -
  random)`, and the held-out AUC of the ranker beside the AUC of the truth on the same placements.

The label is the ranker's: the placement lasted 90 days; a `contract_ended` end before day 90 and the end of a
placement on the day its vacancy closed (a closed vacancy's last end date, recorded as `contract_ended` or
`other`) are censored, not failures: the worker did not leave. Each figure is `{"value", "ci95"}`, the interval
from a percentile bootstrap over queries (placements for the AUC) with a fixed seed.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score
from sqlalchemy.orm import Session

from app.clock import today as china_today
from app.matching import repository
from app.matching.service import age_from_id
from app.matching.training import fit_ranker
from app.pii import PiiVault
from app.reference import repository as reference_repo
from app.seed import model as seed_model
from app.seed import truth
from app.seed.reference import load_reference
from app.seed.simulate import day_number
from matching.features import EDUCATION_RANK, channel_of, pair_features
from matching.occupations import default_normaliser
from matching.ranking import HORIZON_DAYS, SHIFTS, RuleBaseline, admitted_channels, outcome_known, pair_frame

METHODS = ("model", "rule_baseline", "random", "oracle")
BOOTSTRAP = 200
Z95 = 1.959964


def _ndcg_recall(rank: int) -> tuple[float, float]:
    """Single relevant item at 1-based `rank`: NDCG@10 and recall@10."""
    return (float(1 / np.log2(rank + 1)) if rank <= 10 else 0.0), (1.0 if rank <= 10 else 0.0)


def _age_band(age: int) -> str:
    return "16-24" if age < 25 else "25-34" if age < 35 else "35-44" if age < 45 else "45+"


def lasting_label(placements: pd.DataFrame, vacancies: pd.DataFrame, today: date) -> tuple[np.ndarray, np.ndarray]:
    """(known, lasted) today, with contract ends and vacancy closures before day 90 censored (see module doc)."""
    known, lasted = outcome_known(placements["start_date"], placements["end_date"], pd.Timestamp(today))
    days = (pd.to_datetime(placements["end_date"]) - pd.to_datetime(placements["start_date"])).dt.days
    closed = vacancies.loc[vacancies["status"] != "open", "vacancy_id"]
    last_end = placements[placements["vacancy_id"].isin(closed)].groupby("vacancy_id")["end_date"].max()
    on_closing_day = (pd.to_datetime(placements["vacancy_id"].map(last_end)) == placements["end_date"]).to_numpy()
    reason = placements["end_reason"].to_numpy()
    censored = (days < HORIZON_DAYS).to_numpy() & (
        (reason == "contract_ended") | ((reason == "other") & on_closing_day)
    )
    return known & ~censored, lasted & ~censored


def _top_mean(score: np.ndarray, value: np.ndarray, k: int, tiebreak: np.ndarray) -> float:
    """Mean `value` of the k best by `score`; ties broken at random (no method gains from a tie)."""
    order = np.lexsort((tiebreak, -score))
    return float(value[order[:k]].mean())


def _interval(samples: np.ndarray, value: float) -> dict[str, Any]:
    lo, hi = np.nanpercentile(samples, [2.5, 97.5]) if len(samples) else (np.nan, np.nan)
    return {"value": round(float(value), 4), "ci95": [round(float(lo), 4), round(float(hi), 4)]}


def _captured(top10: dict[str, np.ndarray]) -> dict[str, float]:
    span = top10["oracle"].mean() - top10["random"].mean()
    return {
        m: float((top10[m].mean() - top10["random"].mean()) / span) if span > 0 else float("nan")
        for m in ("model", "rule_baseline")
    }


def _auc(y: np.ndarray, s: np.ndarray) -> float:
    return float(roc_auc_score(y, s)) if len(np.unique(y)) == 2 else float("nan")


def oracle_section(
    top: dict[int, dict[str, np.ndarray]], y: np.ndarray, auc_scores: dict[str, np.ndarray], rng: np.random.Generator
) -> dict[str, Any]:
    """top1/top10 means per method, captured shares and AUCs, each with a bootstrap interval."""
    n = len(top[1]["model"])
    draws = [rng.integers(0, n, n) for _ in range(BOOTSTRAP)] if n else []
    out: dict[str, Any] = {}
    for k in (1, 10):
        out[f"top{k}"] = {
            m: _interval(np.array([top[k][m][d].mean() for d in draws]), top[k][m].mean()) for m in METHODS
        }
    boot = [_captured({m: v[d] for m, v in top[10].items()}) for d in draws]
    point = _captured(top[10])
    out["captured_top10"] = {m: _interval(np.array([b[m] for b in boot]), point[m]) for m in ("model", "rule_baseline")}
    m_auc = len(y)
    auc_draws = [rng.integers(0, m_auc, m_auc) for _ in range(BOOTSTRAP)] if m_auc else []
    out["auc"] = {
        name: _interval(np.array([_auc(y[d], s[d]) for d in auc_draws]), _auc(y, s)) for name, s in auc_scores.items()
    }
    return out


def _wilson(successes: int, n: int) -> list[float]:
    if n == 0:
        return [float("nan"), float("nan")]
    p = successes / n
    centre = (p + Z95**2 / (2 * n)) / (1 + Z95**2 / n)
    half = Z95 * np.sqrt(p * (1 - p) / n + Z95**2 / (4 * n * n)) / (1 + Z95**2 / n)
    return [round(float(centre - half), 4), round(float(centre + half), 4)]


class TruthInputs:
    """What app.seed.truth needs beyond the pair frame: raw profile codes, prefectures, pairings, industries."""

    def __init__(self, session: Session) -> None:
        ref = load_reference(division_codes=set(reference_repo.division_points(session)))
        self.prefecture = {str(c): str(ref.codes[p]) for c, p in zip(ref.codes, ref.prefecture, strict=True)}
        self.pref_pairs = {(p.east_code, p.west_code) for p in ref.pairings if p.level == "prefecture"}
        self.county_pairs = {(p.east_code, p.west_code) for p in ref.pairings if p.level == "county"}
        # The profile as stored (the generator's own codes), not widened by past-job inference as training does.
        raw = repository.workers(session).set_index("worker_id")
        self.skills = raw["skills"].map(lambda s: list(s or []))
        self.desired = raw["desired_occupations"].map(lambda s: list(s or []))
        self._manufacturing: dict[str, float] = {}

    def manufacturing(self, code: str) -> float:
        if code not in self._manufacturing:
            self._manufacturing[code] = truth.manufacturing_share(code)
        return self._manufacturing[code]

    def probability(self, worker: pd.Series, placement: pd.Series, age: int, cands: pd.DataFrame) -> np.ndarray:
        """True P(lasts 90 days) of this worker, on this placement's start day, at each candidate vacancy."""
        wid, county = placement["worker_id"], str(worker["worker_county"])
        codes = cands["occupation_code"].astype(str).tolist()
        vcounty = cands["vacancy_county"].astype(str).tolist()
        wpref = self.prefecture.get(county, county)
        n = len(cands)
        expected = float(worker["expected_wage"])
        mid = (cands["wage_min"].to_numpy(float) + cands["wage_max"].to_numpy(float)) / 2
        shift_index = {s: i for i, s in enumerate(SHIFTS)}
        return truth.lasting_probability(
            truth.Pairs(
                start=np.full(n, day_number(placement["start_date"].date())),
                km=seed_model.haversine_km(
                    np.full(n, float(worker["worker_lon"])),
                    np.full(n, float(worker["worker_lat"])),
                    cands["vacancy_lon"].to_numpy(float),
                    cands["vacancy_lat"].to_numpy(float),
                ),
                wage_gap=(mid - expected) / expected,
                housing=cands["housing"].to_numpy(bool),
                meals=cands["meals"].to_numpy(bool),
                shift=np.array([shift_index.get(str(s), 0) for s in cands["shift"]]),
                manufacturing=np.array([self.manufacturing(c) for c in codes]),
                east=np.array([c.startswith("44") for c in vcounty]),
                paired_prefecture=np.array([(self.prefecture.get(c, c), wpref) in self.pref_pairs for c in vcounty]),
                paired_county=np.array([(c, county) in self.county_pairs for c in vcounty]),
                dependants=np.full(n, int(worker["dependants"] or 0)),
                monitored=np.full(n, bool(worker["monitored_household"])),
                prior_early_exit=np.full(n, placement["prior_early_exits"] > 0),
                skill_match=np.array([truth.families_match(self.skills[wid], c) for c in codes]),
                wish_match=np.array([truth.families_match(self.desired[wid], c) for c in codes]),
                age=np.full(n, age),
            )
        )


def evaluate(
    session: Session,
    vault: PiiVault,
    holdout_days: int = 365,
    today: date | None = None,
    seed: int = 0,
    oracle: bool | None = None,
) -> dict[str, Any]:
    """Held-out figures of the ranker and its baselines; `oracle=None` computes the truth section if seeded."""
    today = today or china_today()
    fitted = fit_ranker(session, default_normaliser(), today, holdout_days)
    ranker, parts = fitted["ranker"], fitted["parts"]
    placements, workers, vacancies, pairs = (fitted[k] for k in ("placements", "workers", "vacancies", "pairs"))
    seeded = repository.orgs_named(session, truth.DEMO_ORGS) == set(truth.DEMO_ORGS) if oracle is None else oracle
    truths = TruthInputs(session) if seeded else None
    rule = RuleBaseline().fit()
    rng = np.random.default_rng(seed)
    known, lasted = lasting_label(placements, vacancies, today)
    vacancies = vacancies.copy()
    vacancies["vacancy_start"] = pd.to_datetime(vacancies["vacancy_start"])
    vacancies["closed_after"] = vacancies["vacancy_id"].map(placements.groupby("vacancy_id")["end_date"].max())
    edu_min = vacancies["education_min"].map(EDUCATION_RANK).fillna(0)
    held = placements[parts["held"]].copy()
    held["known"], held["lasted"] = known[parts["held"]], lasted[parts["held"]]
    wk = workers.set_index("worker_id")
    ndcg: dict[str, list[tuple[float, float]]] = {"model": [], "rule_baseline": [], "random_baseline": []}
    top: dict[int, dict[str, list[float]]] = {k: {m: [] for m in METHODS} for k in (1, 10)}
    auc_rows: list[tuple[bool, float, float]] = []
    groups: list[dict[str, Any]] = []
    without = 0
    for _, pl in held.iterrows():
        relevant = bool(pl["known"] and pl["lasted"])
        if not pl["known"]:
            if truths is None:
                continue  # censored: no relevance to judge, and no truth section to fill
        elif not relevant:
            without += 1
            if truths is None:
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
        ok &= edu_min <= EDUCATION_RANK.get(w["education"], 0)
        channel = channel_of(pd.Series([w["worker_county"]] * len(v)), v["vacancy_county"].astype(str))
        ok &= np.isin(channel, admitted_channels(w["channel_preference"]))  # the matcher's own hard rule
        ok |= v["vacancy_id"] == pl["vacancy_id"]
        cands = v[ok.to_numpy()].reset_index(drop=True)
        wrow = w.to_frame().T.reset_index(names="worker_id")
        wrow["prior_placements"] = pl["prior_placements"]
        wrow["prior_early_exits"] = pl["prior_early_exits"]
        feats = pair_features(pair_frame(wrow.iloc[[0] * len(cands)], cands, pairs))
        target = (cands["vacancy_id"] == pl["vacancy_id"]).to_numpy()
        scores = {
            "model": ranker.decision_function(feats),  # the score alone (order=retention), not the tiers
            "rule_baseline": rule.decision_function(feats),
            "random_baseline": rng.random(len(cands)),
        }
        if relevant:
            for name, s in scores.items():
                # Rank of the actual vacancy; ties broken against it (no credit for a tie).
                rank = int(np.sum(s > s[target][0]) + np.sum(s[~target] == s[target][0]) + 1)
                ndcg[name].append(_ndcg_recall(rank))
            model_rank = int(np.sum(scores["model"] > scores["model"][target][0]) + 1)
            groups.append({"sex": w["sex"], "age_band": _age_band(age), "in_top10": model_rank <= 10})
        if truths is None:
            continue
        p_true = truths.probability(w, pl, age, cands)
        tiebreak = rng.random(len(cands))
        for k in (1, 10):
            top[k]["model"].append(_top_mean(scores["model"], p_true, k, tiebreak))
            top[k]["rule_baseline"].append(_top_mean(scores["rule_baseline"], p_true, k, tiebreak))
            top[k]["random"].append(float(p_true.mean()))  # the expectation of a random pick, exactly
            top[k]["oracle"].append(_top_mean(p_true, p_true, k, tiebreak))
        if pl["known"]:
            auc_rows.append((relevant, float(scores["model"][target][0]), float(p_true[target][0])))
    out: dict[str, Any] = {
        "holdout_window": {"from": str(parts["cutoff"]), "to": str(today)},
        "training_placements": int(parts["train"].sum()),
        "queries": len(ndcg["model"]),
        "queries_without_relevant": without,
        "held_out_metrics": fitted["metrics"],
    }
    for name, vals in ndcg.items():
        arr = np.array(vals) if vals else np.zeros((0, 2))
        out[name] = {
            "taken_and_lasted_ndcg_at_10": round(float(arr[:, 0].mean()), 4) if len(arr) else None,
            "taken_and_lasted_recall_at_10": round(float(arr[:, 1].mean()), 4) if len(arr) else None,
        }
    if out["rule_baseline"]["taken_and_lasted_ndcg_at_10"]:
        out["model_vs_rule"] = round(
            out["model"]["taken_and_lasted_ndcg_at_10"] / out["rule_baseline"]["taken_and_lasted_ndcg_at_10"], 3
        )
    out["selection_rates"] = _selection_rates(pd.DataFrame(groups))
    if truths is None:
        out["oracle"] = None
        out["oracle_method"] = {"skipped": "not a seeded database: the true model is known only for demo data"}
        return out
    rows = np.array(auc_rows, dtype=float).reshape(-1, 3)
    out["oracle"] = oracle_section(
        {k: {m: np.array(v) for m, v in top[k].items()} for k in (1, 10)},
        rows[:, 0].astype(bool),
        {"model": rows[:, 1], "oracle": rows[:, 2]},
        np.random.default_rng(seed + 1),
    )
    out["oracle_method"] = {
        "queries": len(top[1]["model"]),
        "auc_placements": len(rows),
        "truth": "P(no quit, dismissal, festival departure, injury or dispute before day 90) from app.seed.model, "
        "integrated over worker frailty, employer quality, latent training and referral",
        "label": "lasted 90 days; contract ends and vacancy closures before day 90 censored",
        "figures": f'{{"value", "ci95": [2.5 %, 97.5 %]}}, percentile bootstrap, {BOOTSTRAP} draws',
        "model_top_k": "by the ranker's score alone (order=retention), not by tiers",
    }
    return out


def _selection_rates(g: pd.DataFrame) -> dict[str, Any]:
    """Per sex and age band: share whose actual lasting job was in the model's top 10, with a Wilson interval."""
    if not len(g):
        return {}
    return {
        "definition": "share of each group's held-out workers whose actual lasting job was in the model's top 10; "
        "ci95 is Wilson's interval",
        **{
            col: {
                str(k): {
                    "n": int(len(grp)),
                    "rate": round(float(grp["in_top10"].mean()), 4),
                    "ci95": _wilson(int(grp["in_top10"].sum()), int(len(grp))),
                }
                for k, grp in g.groupby(col)
            }
            for col in ("sex", "age_band")
        },
    }
