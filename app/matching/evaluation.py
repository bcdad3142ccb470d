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
from scipy.stats import rankdata
from sqlalchemy.orm import Session

from app.clock import today as china_today
from app.matching import repository
from app.matching.service import age_from_id
from app.matching.training import fit_ranker
from app.pii import PiiVault
from app.reference import repository as reference_repo
from app.seed import truth
from app.seed.reference import load_reference
from app.seed.simulate import day_number
from matching.features import EDUCATION_RANK, channel_of, haversine_km, pair_features
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
    """Mann-Whitney AUC with ties counted half (roc_auc_score's answer, without its per-call checks)."""
    n_pos = int(y.sum())
    n_neg = len(y) - n_pos
    if n_pos == 0 or n_neg == 0:
        return float("nan")
    ranks = rankdata(s)
    return float((ranks[y].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


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
        self.skills = raw["skills"].map(lambda s: list(s or [])).to_dict()
        self.desired = raw["desired_occupations"].map(lambda s: list(s or [])).to_dict()

    @staticmethod
    def _by_unique(keys: pd.DataFrame, fn: Any) -> np.ndarray:
        """fn(*key) for each row, computed once per distinct key (rows repeat a few workers and vacancies)."""
        uniq = keys.drop_duplicates()
        values = pd.Series([fn(*k) for k in uniq.itertuples(index=False)], index=pd.MultiIndex.from_frame(uniq))
        return values.reindex(pd.MultiIndex.from_frame(keys)).to_numpy()

    def probability(self, pairs: pd.DataFrame, start_day: np.ndarray, age: np.ndarray) -> np.ndarray:
        """True P(lasts 90 days) of each row's worker, starting on `start_day`, at the row's vacancy."""
        wcounty = pairs["worker_county"].astype(str).reset_index(drop=True)
        vcounty = pairs["vacancy_county"].astype(str).reset_index(drop=True)
        codes = pairs["occupation_code"].astype(str).reset_index(drop=True)
        wid = pairs["worker_id"].reset_index(drop=True)
        counties = pd.DataFrame({"w": wcounty, "v": vcounty})
        paired_pref = self._by_unique(
            counties, lambda w, v: (self.prefecture.get(v, v), self.prefecture.get(w, w)) in self.pref_pairs
        )
        paired_county = self._by_unique(counties, lambda w, v: (v, w) in self.county_pairs)
        jobs = pd.DataFrame({"w": wid, "c": codes})
        skill = self._by_unique(jobs, lambda w, c: truth.families_match(self.skills.get(w, []), c))
        wish = self._by_unique(jobs, lambda w, c: truth.families_match(self.desired.get(w, []), c))
        manufacturing = self._by_unique(pd.DataFrame({"c": codes}), truth.manufacturing_share)
        expected = pairs["expected_wage"].to_numpy(float)
        mid = (pairs["wage_min"].to_numpy(float) + pairs["wage_max"].to_numpy(float)) / 2
        shift_index = {s: i for i, s in enumerate(SHIFTS)}
        return truth.lasting_probability(
            truth.Pairs(
                start=start_day,
                km=haversine_km(
                    pairs["worker_lon"].to_numpy(float),
                    pairs["worker_lat"].to_numpy(float),
                    pairs["vacancy_lon"].to_numpy(float),
                    pairs["vacancy_lat"].to_numpy(float),
                ),
                wage_gap=(mid - expected) / expected,
                housing=pairs["housing"].to_numpy(bool),
                meals=pairs["meals"].to_numpy(bool),
                shift=np.array([shift_index.get(str(s), 0) for s in pairs["shift"]]),
                manufacturing=manufacturing.astype(float),
                east=vcounty.str.startswith("44").to_numpy(),
                paired_prefecture=paired_pref.astype(bool),
                paired_county=paired_county.astype(bool),
                dependants=pd.to_numeric(pairs["dependants"]).fillna(0).to_numpy(),
                monitored=pairs["monitored_household"].fillna(False).to_numpy(bool),
                prior_early_exit=pairs["prior_early_exits"].to_numpy(float) > 0,
                skill_match=skill.astype(bool),
                wish_match=wish.astype(bool),
                age=age,
            )
        )


class Queries:
    """Each held-out placement's admissible vacancies, as rows of one long pair frame (queries are contiguous)."""

    def __init__(self, held: pd.DataFrame, placements: pd.DataFrame, vacancies: pd.DataFrame, ages: np.ndarray,
                 workers: pd.DataFrame) -> None:  # fmt: skip
        v = vacancies.reset_index(drop=True)
        nv = len(v)
        pos = pd.Series(np.arange(nv), index=v["vacancy_id"])
        v_start = pd.to_datetime(v["vacancy_start"]).to_numpy()
        last_end = placements.groupby("vacancy_id")["end_date"].max()
        closed_after = pd.to_datetime(v["vacancy_id"].map(last_end)).to_numpy()
        is_open = (v["status"] == "open").to_numpy()
        headcount = v["headcount"].to_numpy(float)
        min_age = pd.to_numeric(v["min_age"]).fillna(0).to_numpy(float)
        max_age = pd.to_numeric(v["max_age"]).fillna(np.inf).to_numpy(float)
        edu_min = v["education_min"].map(EDUCATION_RANK).fillna(0).to_numpy(float)
        p_start = placements["start_date"].to_numpy()
        p_end = placements["end_date"].to_numpy()
        p_vac = pos.reindex(placements["vacancy_id"]).to_numpy()
        p_id = placements["placement_id"].to_numpy()
        wk = workers.set_index("worker_id")
        channel_ok: dict[tuple[str, str], np.ndarray] = {}
        idx: list[np.ndarray] = []
        for q, pl in enumerate(held.itertuples(index=False)):
            day = np.datetime64(pl.start_date)
            w = wk.loc[pl.worker_id]
            key = (str(w["worker_county"]), str(w["channel_preference"]))
            if key not in channel_ok:
                channel = channel_of(pd.Series([key[0]] * nv), v["vacancy_county"].astype(str))
                channel_ok[key] = np.isin(channel, admitted_channels(key[1]))  # the matcher's own hard rule
            active = (p_start <= day) & (np.isnat(p_end) | (p_end > day)) & (p_id != pl.placement_id)
            left = headcount - np.bincount(p_vac[active], minlength=nv)
            # Open then: posted by that day (or undated), and open now or still holding a placement after it.
            ok = (np.isnat(v_start) | (v_start <= day)) & (is_open | (closed_after > day)) & (left > 0)
            ok &= (min_age <= ages[q]) & (max_age >= ages[q]) & channel_ok[key]
            ok &= edu_min <= EDUCATION_RANK.get(w["education"], 0)
            ok[pos[pl.vacancy_id]] = True  # the actual vacancy is always a candidate, for every method alike
            idx.append(np.flatnonzero(ok))
        self.sizes = np.array([len(i) for i in idx], dtype=np.int64)
        self.offsets = np.concatenate([[0], np.cumsum(self.sizes)])
        self.query = np.repeat(np.arange(len(idx)), self.sizes)
        self.vacancy = np.concatenate(idx) if idx else np.zeros(0, np.int64)
        self.is_target = v["vacancy_id"].to_numpy()[self.vacancy] == held["vacancy_id"].to_numpy()[self.query]
        self.vacancies = v

    def chunks(self, max_rows: int = 200_000) -> list[slice]:
        """Row ranges of whole queries, each at most about `max_rows` rows (pair frames are wide)."""
        out, start = [], 0
        while start < len(self.sizes):
            end = int(np.searchsorted(self.offsets, self.offsets[start] + max_rows, side="right")) - 1
            end = max(end, start + 1)
            out.append(slice(start, min(end, len(self.sizes))))
            start = min(end, len(self.sizes))
        return out


def evaluate(
    session: Session,
    vault: PiiVault,
    holdout_days: int = 365,
    today: date | None = None,
    seed: int = 0,
    oracle: bool | None = None,
    past_jobs: bool = True,
) -> dict[str, Any]:
    """Held-out figures of the ranker and its baselines; `oracle=None` computes the truth section if seeded.

    `past_jobs=False` skips the normaliser (no past-job evidence in the features): a quick run for tests.
    """
    today = today or china_today()
    fitted = fit_ranker(session, default_normaliser() if past_jobs else None, today, holdout_days)
    ranker, parts = fitted["ranker"], fitted["parts"]
    placements, workers, vacancies, pairs = (fitted[k] for k in ("placements", "workers", "vacancies", "pairs"))
    seeded = repository.orgs_named(session, truth.DEMO_ORGS) == set(truth.DEMO_ORGS) if oracle is None else oracle
    truths = TruthInputs(session) if seeded else None
    rule = RuleBaseline().fit()
    rng = np.random.default_rng(seed)
    known, lasted = lasting_label(placements, vacancies, today)
    held = placements[parts["held"]].reset_index(drop=True)
    held["known"], held["lasted"] = known[parts["held"]], lasted[parts["held"]]
    if truths is None:
        held = held[held["known"]].reset_index(drop=True)  # censored: no relevance to judge, no truth to fill
    wk = workers.set_index("worker_id")
    ages = np.array(
        [
            age_from_id(wk.at[w, "id_number_enc"], vault, d.date())
            for w, d in zip(held["worker_id"], held["start_date"], strict=True)
        ],
        dtype=np.int64,
    )
    queries = Queries(held, placements, vacancies, ages, workers)
    qworkers = wk.loc[held["worker_id"]].reset_index()  # one row per query, with its history as of that day
    qworkers["prior_placements"] = held["prior_placements"].to_numpy()
    qworkers["prior_early_exits"] = held["prior_early_exits"].to_numpy()
    start_days = np.array([day_number(d.date()) for d in held["start_date"]], dtype=np.int64)
    n_rows = len(queries.vacancy)
    score = {"model": np.empty(n_rows), "rule_baseline": np.empty(n_rows), "random_baseline": rng.random(n_rows)}
    p_true = np.full(n_rows, np.nan)
    for part in queries.chunks():
        rows = slice(int(queries.offsets[part.start]), int(queries.offsets[part.stop]))
        q = queries.query[rows]
        frame = pair_frame(qworkers.iloc[q], queries.vacancies.iloc[queries.vacancy[rows]], pairs)
        feats = pair_features(frame)
        score["model"][rows] = ranker.decision_function(feats)  # the score alone (order=retention), not the tiers
        score["rule_baseline"][rows] = rule.decision_function(feats)
        if truths is not None:
            p_true[rows] = truths.probability(frame, start_days[q], ages[q])
    tiebreak = rng.random(n_rows)
    ndcg: dict[str, list[tuple[float, float]]] = {name: [] for name in score}
    top: dict[int, dict[str, list[float]]] = {k: {m: [] for m in METHODS} for k in (1, 10)}
    auc_rows: list[tuple[bool, float, float]] = []
    groups: list[dict[str, Any]] = []
    without = 0
    sexes = qworkers["sex"].to_numpy()
    for qi in range(len(held)):
        r = slice(int(queries.offsets[qi]), int(queries.offsets[qi + 1]))
        target = queries.is_target[r]
        is_known = bool(held.at[qi, "known"])
        relevant = is_known and bool(held.at[qi, "lasted"])
        without += int(is_known and not relevant)
        if relevant:
            for name, s_all in score.items():
                s = s_all[r]
                # Rank of the actual vacancy; ties broken against it (no credit for a tie).
                rank = int(np.sum(s > s[target][0]) + np.sum(s[~target] == s[target][0]) + 1)
                ndcg[name].append(_ndcg_recall(rank))
            model_rank = int(np.sum(score["model"][r] > score["model"][r][target][0]) + 1)
            groups.append({"sex": sexes[qi], "age_band": _age_band(int(ages[qi])), "in_top10": model_rank <= 10})
        if truths is None:
            continue
        truth_q, tie = p_true[r], tiebreak[r]
        for k in (1, 10):
            top[k]["model"].append(_top_mean(score["model"][r], truth_q, k, tie))
            top[k]["rule_baseline"].append(_top_mean(score["rule_baseline"][r], truth_q, k, tie))
            top[k]["random"].append(float(truth_q.mean()))  # the expectation of a random pick, exactly
            top[k]["oracle"].append(_top_mean(truth_q, truth_q, k, tie))
        if is_known:
            auc_rows.append((relevant, float(score["model"][r][target][0]), float(truth_q[target][0])))
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
    auc = np.array(auc_rows, dtype=float).reshape(-1, 3)
    out["oracle"] = oracle_section(
        {k: {m: np.array(v) for m, v in top[k].items()} for k in (1, 10)},
        auc[:, 0].astype(bool),
        {"model": auc[:, 1], "oracle": auc[:, 2]},
        np.random.default_rng(seed + 1),
    )
    out["oracle_method"] = {
        "queries": len(top[1]["model"]),
        "auc_placements": len(auc),
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
