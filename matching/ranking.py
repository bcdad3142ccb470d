"""The ranker: P(a placement lasts >= 90 days) from placement history, reasons per pair, and batch top-k.

Pure library: DataFrames and arrays in and out, never `app/`. The service layer builds the frames.

Censoring. A placement is a training example only if its 90-day outcome is known at the training cutoff:
it ended before 90 days (a failure, whatever the reason), or it started at least 90 days before the cutoff
and had not ended by day 90 (a success). A placement still running with under 90 days behind it is censored
and left out, never a success. `outcome_known` keeps exactly those rows; because inclusion depends only on
the start date (every placement started >= 90 days before the cutoff is in, plus early failures), training
on `started <= cutoff - 90 days` (what `training_rows` does) has no outcome-dependent selection at all: it is
the "train only on known outcomes" choice, without the bias of keeping recent early exits and dropping recent
stayers.

Two stages in `top_k_batch`: (a) for a chunk of workers against every open vacancy, hard rules as a mask and
the ranker's own logit computed in matrix form (occupation, wage, location terms gathered from small tables),
then an exact `argpartition` top-`shortlist`; (b) the shortlist rebuilt as pair rows through
`matching.features.pair_features` and rescored with `ranker.predict_proba`. For the linear ranker both stages
agree (the tests check it), so the shortlist loses nothing; stage (b) is where a non-linear ranker would go.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.linear_model import LogisticRegression
from sklearn.utils.validation import check_is_fitted

from matching.features import (
    EDUCATION_RANK,
    FAR_KM,
    NUMERIC_FEATURES,
    PAIR_FEATURES,
    haversine_km,
    is_paired,
    pair_features,
    prefecture_of,
)

HORIZON_DAYS = 90
SHIFTS = ("day", "two_shift", "three_shift")
EXPANDED = NUMERIC_FEATURES + tuple(f"shift_{s}" for s in SHIFTS)

WORKER_COLUMNS = (
    "worker_id",
    "worker_county",
    "worker_lon",
    "worker_lat",
    "education",
    "skills",
    "desired_occupations",
    "channel_preference",
    "expected_wage",
    "dependants",
    "monitored_household",
    "prior_placements",
    "prior_early_exits",
    "age",  # hard rule only (legal age and the vacancy's limits); never a model input
)
# Optional worker columns: blocked_employers (list of employer ids, e.g. after a dispute), boost_wage_met and
# boost_local (added to the rank key after a quit_wage / quit_homesick / quit_family), widen_local (show local
# and nearby jobs even to a cross-region-minded worker who just came home).
VACANCY_COLUMNS = (
    "vacancy_id",
    "employer_id",
    "vacancy_county",
    "vacancy_lon",
    "vacancy_lat",
    "occupation_code",
    "wage_min",
    "wage_max",
    "housing",
    "meals",
    "shift",
    "contract_months",
    "min_age",
    "max_age",
    "education_min",
    "headcount_left",
)
LEGAL_AGE = 16
_PREFS = ("any", "cross_region", "local", "nearby")
_CHANNELS = ("cross_region", "local", "nearby")
# Which vacancy channels each preference admits (hard rule). "nearby" admits the home county too.
_ADMITS = {
    "any": (True, True, True),
    "cross_region": (True, False, False),
    "local": (False, True, False),
    "nearby": (False, True, True),
}


# ---------------------------------------------------------------------------------------------- outcomes


def outcome_known(
    start: pd.Series, end: pd.Series, cutoff: pd.Timestamp | Any, horizon: int = HORIZON_DAYS
) -> tuple[np.ndarray, np.ndarray]:
    """(known, lasted) per placement as seen at `cutoff`: an end after the cutoff is not yet known there."""
    start = pd.to_datetime(start)
    end = pd.to_datetime(end)
    cutoff = pd.Timestamp(cutoff)
    end_seen = end.where(end <= cutoff)  # what the data said on the cutoff day
    days = (end_seen - start).dt.days
    failed = days.notna() & (days < horizon)
    lasted = (cutoff - start).dt.days >= horizon
    lasted = lasted & ~failed
    known = (failed | lasted).to_numpy()
    return known, lasted.to_numpy()


def training_rows(start: pd.Series, end: pd.Series, cutoff: Any, horizon: int = HORIZON_DAYS) -> np.ndarray:
    """Placements started at least `horizon` days before the cutoff: every one has a known outcome."""
    start = pd.to_datetime(start)
    return ((pd.Timestamp(cutoff) - start).dt.days >= horizon).to_numpy()


# ---------------------------------------------------------------------------------------------- the model


def expand(features: pd.DataFrame) -> np.ndarray:
    """Pair features as a float matrix in EXPANDED order (shift one-hot)."""
    num = features[list(NUMERIC_FEATURES)].to_numpy(dtype=float)
    shift = features["shift"].astype(str).to_numpy()
    onehot = np.stack([(shift == s).astype(float) for s in SHIFTS], axis=1)
    return np.hstack([num, onehot])


class RetentionRanker(ClassifierMixin, BaseEstimator):  # type: ignore[misc]
    """Logistic model of P(placement lasts >= 90 days) on the shared pair features.

    Linear and additive on purpose: each pair's score splits exactly into per-feature contributions against
    the average training pair, which become the reasons a clerk reads, and the whole logit can be computed in
    matrix form over every open vacancy for candidate generation.

    Parameters
    ----------
    C : float, default=1.0
        Inverse L2 strength of the logistic regression (on standardised features).
    class_weight : None or "balanced", default=None
    random_state : int or None, default=0

    Attributes
    ----------
    mean_, scale_ : ndarray of shape (n_expanded,)
        Standardisation of the expanded features.
    coef_ : ndarray of shape (n_expanded,)
        Weights on the standardised features.
    intercept_ : float
    feature_names_ : list of str
    classes_ : ndarray [0, 1]
    n_features_in_ : int
    """

    def __init__(self, C: float = 1.0, class_weight: str | None = None, random_state: int | None = 0) -> None:
        self.C = C
        self.class_weight = class_weight
        self.random_state = random_state

    def fit(self, X: pd.DataFrame, y: Iterable[Any]) -> RetentionRanker:
        """Fit on `pair_features` rows and 0/1 outcomes (1 = lasted 90 days)."""
        missing = [c for c in PAIR_FEATURES if c not in X.columns]
        if missing:
            raise ValueError(f"RetentionRanker needs pair features {missing}")
        target = np.asarray(list(y), dtype=int)
        if len(target) != len(X) or len(np.unique(target)) < 2:
            raise ValueError("need one 0/1 outcome per row and both outcomes present")
        Z = expand(X)
        self.mean_ = Z.mean(axis=0)
        scale = Z.std(axis=0)
        self.scale_ = np.where(scale > 1e-9, scale, 1.0)
        model = LogisticRegression(
            C=self.C, class_weight=self.class_weight, random_state=self.random_state, max_iter=2000
        )
        model.fit((Z - self.mean_) / self.scale_, target)
        self.coef_ = model.coef_[0].astype(float)
        self.intercept_ = float(model.intercept_[0])
        self.feature_names_ = list(EXPANDED)
        self.classes_ = np.array([0, 1])
        self.n_features_in_ = len(PAIR_FEATURES)
        return self

    def raw_weights(self) -> tuple[np.ndarray, float]:
        """(weights on raw expanded features, intercept): logit = Z @ w + b."""
        check_is_fitted(self, "coef_")
        w = self.coef_ / self.scale_
        return w, float(self.intercept_ - np.dot(w, self.mean_))

    def decision_function(self, X: pd.DataFrame) -> np.ndarray:
        w, b = self.raw_weights()
        return np.asarray(expand(X) @ w + b)

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        p = 1.0 / (1.0 + np.exp(-self.decision_function(X)))
        return np.column_stack([1 - p, p])

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        return (self.predict_proba(X)[:, 1] >= 0.5).astype(int)

    def contributions(self, X: pd.DataFrame) -> pd.DataFrame:
        """Each feature's share of the logit against the average training pair (rows sum to logit - base)."""
        check_is_fitted(self, "coef_")
        Z = (expand(X) - self.mean_) / self.scale_
        return pd.DataFrame(Z * self.coef_, columns=self.feature_names_, index=X.index)


# ---------------------------------------------------------------------------------------------- reasons


def _km(x: float) -> str:
    return f"{x:,.0f}"


def reason_texts(
    features: pd.DataFrame,
    contributions: pd.DataFrame,
    context: pd.DataFrame | None = None,
    n: int = 3,
) -> list[list[dict[str, Any]]]:
    """The `n` factors that moved each pair's score most, in plain Chinese and English.

    `features` are the pair features (with `distance_km`); `context` may carry `vacancy_city` (a name, for the
    pairing line), `expected_wage` and `wage_mid`.
    """
    out: list[list[dict[str, Any]]] = []
    merged = contributions.copy()
    merged["shift"] = merged[[f"shift_{s}" for s in SHIFTS]].sum(axis=1)
    merged = merged.drop(columns=[f"shift_{s}" for s in SHIFTS])
    for i, idx in enumerate(features.index):
        f = features.loc[idx]
        c = merged.loc[idx]
        ctx = context.iloc[i] if context is not None else None
        order = c.abs().sort_values(ascending=False).index
        items: list[dict[str, Any]] = []
        for name in order:
            if len(items) >= n or abs(c[name]) < 0.01:
                break
            text = _reason(name, f, ctx)
            if text is None:
                continue
            items.append({"factor": name, "effect": round(float(c[name]), 3), "zh": text[0], "en": text[1]})
        out.append(items)
    return out


def _reason(name: str, f: pd.Series, ctx: pd.Series | None) -> tuple[str, str] | None:
    """One factor in words; None when the factor is not worth saying (e.g. shift on a day job)."""
    dist = float(f.get("distance_km", 0.0))
    if name == "wage_gap":
        gap = float(f["wage_gap"]) * 100
        if abs(gap) < 1:
            return "工资与期望相当", "wage about what you asked"
        word_zh, word_en = ("高", "above") if gap > 0 else ("低", "below")
        return f"工资比期望{word_zh}{abs(gap):.0f}%", f"wage {abs(gap):.0f}% {word_en} what you asked"
    if name == "wage_mid_k":
        return (
            f"月薪约{float(f['wage_mid_k']) * 1000:,.0f}元",
            f"pays about {float(f['wage_mid_k']) * 1000:,.0f} a month",
        )
    if name in ("log_distance_km", "far_no_housing"):
        if dist < 1:
            return "就在本县", "in your home county"
        housing = bool(f["housing"])
        zh = f"离家{_km(dist)}公里" + ("，包住" if housing else ("，不包住" if dist > FAR_KM else ""))
        en = f"{_km(dist)} km from home" + (
            ", housing provided" if housing else (", no housing" if dist > FAR_KM else "")
        )
        return zh, en
    if name == "housing":
        return ("提供宿舍", "dormitory provided") if f["housing"] else ("不提供住宿", "no housing")
    if name == "meals":
        return ("包吃", "meals provided") if f["meals"] else ("不包吃", "no meals")
    if name == "cross_province":
        return ("跨省到广东务工", "a cross-province job") if f["cross_province"] else ("在广西本省", "in Guangxi")
    if name == "paired":
        city = str(ctx["vacancy_city"]) if ctx is not None and "vacancy_city" in ctx else ""
        if f["paired"]:
            return (f"你所在县与{city or '该地'}结对", f"your county is paired with {city or 'this place'}")
        return ("不在结对地区", "not in a paired region")
    if name == "occupation_desired":
        return (
            ("正是你想做的工种", "an occupation you asked for")
            if f["occupation_desired"]
            else (
                "不是你想做的工种",
                "not an occupation you asked for",
            )
        )
    if name == "occupation_skilled":
        return (
            ("你做过这个工种", "you have done this work before")
            if f["occupation_skilled"]
            else (
                "没做过这个工种",
                "work you have not done before",
            )
        )
    if name == "occupation_family":
        return ("与你的经验同类", "close to your experience") if f["occupation_family"] else None
    if name == "contract_months":
        months = float(f["contract_months"])
        return (
            (f"合同{months:.0f}个月", f"{months:.0f}-month contract")
            if months
            else ("没有书面合同期限", "no fixed contract")
        )
    if name == "channel_agrees":
        return (
            ("符合你想去的地方", "where you said you want to work")
            if f["channel_agrees"]
            else (
                "不是你首选的去向",
                "not where you said you prefer",
            )
        )
    if name == "shift":
        shift = str(f["shift"])
        return {
            "day": ("白班", "day shift"),
            "two_shift": ("两班倒", "two shifts"),
            "three_shift": ("三班倒", "three shifts"),
        }.get(shift)
    if name == "prior_early_exits" and f["prior_early_exits"]:
        return ("以前有过较早离职，可多跟进", "left a job early before: worth extra follow-up")
    return None  # worker-only traits (education, dependants ...) do not distinguish one job from another


# ---------------------------------------------------------------------------------------------- batch


def _as_list(items: object) -> list[str]:
    if isinstance(items, (list, tuple, np.ndarray)):
        return [str(i) for i in items]
    return []


class _Tables:
    """County-pair tables (distance, channel, pairing) and the occupation index for one vacancy frame."""

    def __init__(self, workers: pd.DataFrame, vacancies: pd.DataFrame, pairs: frozenset[tuple[str, str]]) -> None:
        wc = workers[["worker_county", "worker_lon", "worker_lat"]].drop_duplicates("worker_county")
        vc = vacancies[["vacancy_county", "vacancy_lon", "vacancy_lat"]].drop_duplicates("vacancy_county")
        self.w_codes = {c: i for i, c in enumerate(wc["worker_county"].astype(str))}
        self.v_codes = {c: i for i, c in enumerate(vc["vacancy_county"].astype(str))}
        W = len(wc)
        V = len(vc)
        lon1 = np.repeat(wc["worker_lon"].to_numpy(float), V)
        lat1 = np.repeat(wc["worker_lat"].to_numpy(float), V)
        lon2 = np.tile(vc["vacancy_lon"].to_numpy(float), W)
        lat2 = np.tile(vc["vacancy_lat"].to_numpy(float), W)
        self.dist = np.nan_to_num(haversine_km(lon1, lat1, lon2, lat2), nan=0.0).reshape(W, V)
        west = np.repeat(wc["worker_county"].astype(str).to_numpy(), V)
        east = np.tile(vc["vacancy_county"].astype(str).to_numpy(), W)
        same_prov = np.array([a[:2] == b[:2] for a, b in zip(west, east, strict=True)])
        channel = np.where(~same_prov, 0, np.where(west == east, 1, 2))  # index into _CHANNELS
        self.channel = channel.reshape(W, V)
        self.paired = is_paired(pd.Series(west), pd.Series(east), pairs).reshape(W, V)


def _locality_logit(tables: _Tables, w: np.ndarray, housing: bool, prefs: tuple[str, ...]) -> np.ndarray:
    """Location terms of the logit, shape (worker counties, prefs, vacancy counties), for one housing value."""
    idx = {n: i for i, n in enumerate(EXPANDED)}
    dist = tables.dist
    cross = (tables.channel == 0).astype(float)
    far = ((dist > FAR_KM) & (not housing)).astype(float)
    base = (
        w[idx["log_distance_km"]] * np.log1p(dist)
        + w[idx["far_no_housing"]] * far
        + w[idx["cross_province"]] * cross
        + w[idx["paired"]] * tables.paired.astype(float)
    )
    out = np.empty((dist.shape[0], len(prefs), dist.shape[1]))
    for p, pref in enumerate(prefs):
        agrees = (
            np.ones_like(dist)
            if pref == "any"
            else (tables.channel == _CHANNELS.index(pref)).astype(float)
            if pref in _CHANNELS
            else np.zeros_like(dist)
        )
        out[:, p, :] = base + w[idx["channel_agrees"]] * agrees
    return out


def top_k_batch(
    workers: pd.DataFrame,
    vacancies: pd.DataFrame,
    ranker: RetentionRanker,
    k: int = 20,
    *,
    pairs: frozenset[tuple[str, str]] = frozenset(),
    shortlist: int | None = None,
    chunk_size: int = 512,
    rerank: bool = True,
    require_consent: bool = False,
) -> pd.DataFrame:
    """Best `k` open vacancies per worker: hard rules, exact vectorised logit, top-`shortlist`, model rerank.

    Returns one row per (worker_id, vacancy_id) with `score` (P(lasts 90 days)), `rank_key` (score's logit
    plus any after-departure boosts; rows are ordered by it) and `rank` (1 = best). Memory is bounded by
    `chunk_size x len(vacancies)` floats. Workers under the legal age, or (with `require_consent`) without
    consent, get no rows; vacancies without headcount left are never offered.
    """
    check_is_fitted(ranker, "coef_")
    if k < 1:
        raise ValueError("k must be at least 1")
    shortlist = max(k, shortlist or 2 * k)
    empty = pd.DataFrame({"worker_id": [], "vacancy_id": [], "score": [], "rank_key": [], "rank": []})
    vac = vacancies[vacancies["headcount_left"].fillna(0).to_numpy() > 0].reset_index(drop=True)
    wk = workers[pd.to_numeric(workers["age"], errors="coerce").fillna(0).to_numpy() >= LEGAL_AGE]
    if require_consent and "consent_to_share" in wk.columns:
        wk = wk[wk["consent_to_share"].fillna(False).to_numpy(dtype=bool)]
    wk = wk.reset_index(drop=True)
    if vac.empty or wk.empty:
        return empty
    w, b = ranker.raw_weights()
    idx = {n: i for i, n in enumerate(EXPANDED)}
    tables = _Tables(wk, vac, pairs)

    # Vacancy-side vectors.
    v_county = vac["vacancy_county"].astype(str).map(tables.v_codes).to_numpy()
    v_housing = vac["housing"].fillna(False).to_numpy(dtype=bool)
    v_mid = (vac["wage_min"].to_numpy(float) + vac["wage_max"].to_numpy(float)) / 2
    v_shift = vac["shift"].fillna("day").astype(str).to_numpy()
    v_const = (
        w[idx["wage_mid_k"]] * v_mid / 1000
        + w[idx["housing"]] * v_housing
        + w[idx["meals"]] * vac["meals"].fillna(False).to_numpy(dtype=float)
        + w[idx["contract_months"]] * pd.to_numeric(vac["contract_months"], errors="coerce").fillna(0).to_numpy(float)
        + sum(w[idx[f"shift_{s}"]] * (v_shift == s) for s in SHIFTS)
    )
    v_min_age = vac["min_age"].fillna(LEGAL_AGE).to_numpy(float)
    v_max_age = pd.to_numeric(vac["max_age"], errors="coerce").fillna(np.inf).to_numpy(float)
    v_edu = vac["education_min"].map(EDUCATION_RANK).fillna(0).to_numpy(float)
    v_employer = vac["employer_id"].to_numpy()
    codes = vac["occupation_code"].where(vac["occupation_code"].notna(), None)
    code_index: dict[str, int] = {}
    v_code = np.array([code_index.setdefault(str(c), len(code_index)) if c else -1 for c in codes], dtype=np.int64)
    fam_index: dict[str, int] = {}
    v_fam = np.array([fam_index.setdefault(str(c)[:7], len(fam_index)) if c else -1 for c in codes], dtype=np.int64)
    n_codes, n_fams = len(code_index) + 1, len(fam_index) + 1  # the last column: "no code", never matched
    v_code[v_code < 0] = n_codes - 1
    v_fam[v_fam < 0] = n_fams - 1
    loc = {h: _locality_logit(tables, w, h, _PREFS) for h in (False, True)}
    v_channel_cols = tables.channel[:, v_county]  # (worker counties, vacancies)

    results = []
    for lo in range(0, len(wk), chunk_size):
        ch = wk.iloc[lo : lo + chunk_size]
        n = len(ch)
        wc = ch["worker_county"].astype(str).map(tables.w_codes).to_numpy()
        pref = ch["channel_preference"].fillna("any").astype(str).map({p: i for i, p in enumerate(_PREFS)})
        pref = pref.fillna(0).astype(int).to_numpy()
        logit = np.where(
            v_housing[None, :],
            loc[True][wc, pref][:, v_county],
            loc[False][wc, pref][:, v_county],
        )
        logit += v_const[None, :]
        expected = pd.to_numeric(ch["expected_wage"], errors="coerce").to_numpy(float)
        with np.errstate(divide="ignore", invalid="ignore"):
            gap = np.where(expected[:, None] > 0, (v_mid[None, :] - expected[:, None]) / expected[:, None], 0.0)
        logit += w[idx["wage_gap"]] * np.clip(np.nan_to_num(gap), -1.0, 1.0)
        # Occupation terms: small per-chunk indicator matrices gathered by each vacancy's code.
        desired = np.zeros((n, n_codes), dtype=bool)
        skilled = np.zeros((n, n_codes), dtype=bool)
        family = np.zeros((n, n_fams), dtype=bool)
        for r, (ds, ss) in enumerate(zip(ch["desired_occupations"], ch["skills"], strict=True)):
            for c in _as_list(ds):
                if c in code_index:
                    desired[r, code_index[c]] = True
            for c in _as_list(ss):
                if c in code_index:
                    skilled[r, code_index[c]] = True
            for c in _as_list(ds) + _as_list(ss):
                if c[:7] in fam_index:
                    family[r, fam_index[c[:7]]] = True
        logit += w[idx["occupation_desired"]] * desired[:, v_code]
        logit += w[idx["occupation_skilled"]] * skilled[:, v_code]
        logit += w[idx["occupation_family"]] * family[:, v_fam]
        # Worker-only terms (the same for every vacancy: they move the score, not the order).
        w_const = (
            b
            + w[idx["education_rank"]] * ch["education"].map(EDUCATION_RANK).fillna(0).to_numpy(float)
            + w[idx["dependants"]] * ch["dependants"].fillna(0).to_numpy(float)
            + w[idx["monitored_household"]] * ch["monitored_household"].fillna(False).to_numpy(float)
            + w[idx["prior_placements"]] * ch["prior_placements"].fillna(0).to_numpy(float)
            + w[idx["prior_early_exits"]] * ch["prior_early_exits"].fillna(0).to_numpy(float)
        )
        logit += w_const[:, None]
        # Hard rules.
        age = ch["age"].to_numpy(float)
        edu = ch["education"].map(EDUCATION_RANK).fillna(0).to_numpy(float)
        channel = v_channel_cols[wc]  # (n, vacancies)
        admits = np.array([_ADMITS[p] for p in _PREFS])[pref]  # (n, 3)
        if "widen_local" in ch.columns:
            widen = ch["widen_local"].fillna(False).to_numpy(dtype=bool)
            admits[widen, 1:] = True
        ok = np.take_along_axis(admits, channel, axis=1)
        ok &= (age[:, None] >= v_min_age[None, :]) & (age[:, None] <= v_max_age[None, :])
        ok &= edu[:, None] >= v_edu[None, :]
        key = logit.copy()
        if "blocked_employers" in ch.columns:
            for r, blocked in enumerate(ch["blocked_employers"]):
                if isinstance(blocked, (list, tuple, set, np.ndarray)) and len(blocked):
                    ok[r] &= ~np.isin(v_employer, list(blocked))
        if "boost_wage_met" in ch.columns:
            boost = ch["boost_wage_met"].fillna(0).to_numpy(float)
            met = (v_mid[None, :] >= np.nan_to_num(expected, nan=0.0)[:, None]).astype(float)
            key += boost[:, None] * met
        if "boost_local" in ch.columns:
            boost = ch["boost_local"].fillna(0).to_numpy(float)
            key += boost[:, None] * (channel != 0)
        key[~ok] = -np.inf
        m = min(shortlist, key.shape[1])
        top = np.argpartition(-key, m - 1, axis=1)[:, :m]
        top_key = np.take_along_axis(key, top, axis=1)
        rows = np.repeat(np.arange(n), m)
        cols = top.ravel()
        keep = np.isfinite(top_key.ravel())
        part = pd.DataFrame(
            {
                "row": rows[keep],
                "col": cols[keep],
                "logit": np.take_along_axis(logit, top, axis=1).ravel()[keep],
                "rank_key": top_key.ravel()[keep],
            }
        )
        part["worker_id"] = ch["worker_id"].to_numpy()[part["row"].to_numpy()]
        part["vacancy_id"] = vac["vacancy_id"].to_numpy()[part["col"].to_numpy()]
        if rerank and len(part):
            pairs_frame = pair_frame(
                ch.iloc[part["row"].to_numpy()].reset_index(drop=True),
                vac.iloc[part["col"].to_numpy()].reset_index(drop=True),
                pairs,
            )
            score = ranker.predict_proba(pair_features(pairs_frame))[:, 1]
            with np.errstate(divide="ignore"):
                new_logit = np.log(score) - np.log1p(-score)
            part["rank_key"] = part["rank_key"].to_numpy() - part["logit"].to_numpy() + new_logit
            part["score"] = score
        else:
            part["score"] = 1.0 / (1.0 + np.exp(-part["logit"].to_numpy()))
        part = part.sort_values(["row", "rank_key", "vacancy_id"], ascending=[True, False, True])
        part["rank"] = part.groupby("row").cumcount() + 1
        results.append(part[part["rank"] <= k][["worker_id", "vacancy_id", "score", "rank_key", "rank"]])
    if not results:
        return empty
    return pd.concat(results, ignore_index=True)


def pair_frame(
    workers: pd.DataFrame, vacancies: pd.DataFrame, pairs: frozenset[tuple[str, str]] = frozenset()
) -> pd.DataFrame:
    """Row-aligned worker and vacancy frames (equal length) as `pair_features` input, `paired` computed."""
    out = pd.concat([workers.reset_index(drop=True), vacancies.reset_index(drop=True)], axis=1)
    out = out.loc[:, ~out.columns.duplicated()]
    out["paired"] = is_paired(out["worker_county"], out["vacancy_county"], pairs)
    return out


def cross_pairs(workers: pd.DataFrame, vacancies: pd.DataFrame, pairs: frozenset[tuple[str, str]]) -> pd.DataFrame:
    """Every worker with every vacancy, as pair_features input (small inputs only: evaluation, tests)."""
    wi = np.repeat(np.arange(len(workers)), len(vacancies))
    vi = np.tile(np.arange(len(vacancies)), len(workers))
    return pair_frame(workers.iloc[wi], vacancies.iloc[vi], pairs)


__all__ = [
    "HORIZON_DAYS",
    "RetentionRanker",
    "RuleBaseline",
    "cross_pairs",
    "outcome_known",
    "pair_frame",
    "prefecture_of",
    "reason_texts",
    "top_k_batch",
    "training_rows",
]


class RuleBaseline(RetentionRanker):
    """Occupation match plus wage, fixed weights: the baseline of `evaluate matcher` and the API's fallback.

    Its score is a logistic squash of a hand-weighted sum, not a probability; it needs no training data.
    """

    WEIGHTS = {"occupation_desired": 2.0, "occupation_skilled": 1.0, "occupation_family": 0.5, "wage_gap": 2.0}

    def fit(self, X: pd.DataFrame | None = None, y: Iterable[Any] | None = None) -> RuleBaseline:
        self.mean_ = np.zeros(len(EXPANDED))
        self.scale_ = np.ones(len(EXPANDED))
        self.coef_ = np.array([self.WEIGHTS.get(name, 0.0) for name in EXPANDED])
        self.intercept_ = -1.0
        self.feature_names_ = list(EXPANDED)
        self.classes_ = np.array([0, 1])
        self.n_features_in_ = len(PAIR_FEATURES)
        return self
