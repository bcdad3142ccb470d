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

Inputs. The ranker reads only `RANKER_FEATURES`: never a worker's history or household (earlier placements,
early exits, monitored household, dependants). Across workers, as in a vacancy's candidates or an allocation,
those would rank earlier leavers and poorer households below everyone else; they inform the departure model's
risk and support instead.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd
from scipy import sparse
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.linear_model import LogisticRegression
from sklearn.utils.validation import check_is_fitted

from matching.features import (
    EDUCATION_RANK,
    FAR_KM,
    RANKER_FEATURES,
    RANKER_NUMERIC_FEATURES,
    WORKER_HISTORY_FEATURES,
    _explode,
    channel_of,
    haversine_km,
    is_paired,
    pair_features,
    prefecture_of,
)

HORIZON_DAYS = 90
SHIFTS = ("day", "two_shift", "three_shift")
EXPANDED = RANKER_NUMERIC_FEATURES + tuple(f"shift_{s}" for s in SHIFTS)

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


def admitted_channels(preference: str | None) -> tuple[str, ...]:
    """The vacancy channels a channel preference admits (an unknown one admits all, as "any" does)."""
    admits = _ADMITS.get(str(preference), _ADMITS["any"])
    return tuple(channel for channel, ok in zip(_CHANNELS, admits, strict=True) if ok)


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
    """The ranker's pair features as a float matrix in EXPANDED order (shift one-hot)."""
    num = features[list(RANKER_NUMERIC_FEATURES)].to_numpy(dtype=float)
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
        missing = [c for c in RANKER_FEATURES if c not in X.columns]
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
        self.n_features_in_ = len(RANKER_FEATURES)
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
    contributions = contributions.loc[features.index]
    names, values = _merge_shift(list(contributions.columns), contributions.to_numpy(dtype=float))
    rows = features.to_dict("records")
    contexts = context.to_dict("records") if context is not None else [None] * len(rows)
    return _reason_rows(names, values, rows, contexts, n)


def _merge_shift(columns: list[str], values: np.ndarray) -> tuple[list[str], np.ndarray]:
    """The three shift one-hot contributions summed into one `shift` factor, placed last."""
    shift = [columns.index(f"shift_{s}") for s in SHIFTS]
    keep = [i for i in range(len(columns)) if i not in shift]
    merged = np.column_stack([values[:, keep], values[:, shift[0]] + values[:, shift[1]] + values[:, shift[2]]])
    return [columns[i] for i in keep] + ["shift"], merged


def _reason_rows(
    names: list[str], values: np.ndarray, rows: list[dict[str, Any]], contexts: list[Any], n: int
) -> list[list[dict[str, Any]]]:
    """The reason loop shared by `reason_texts` (frames) and `explain_one` (arrays of one worker's pairs)."""
    out: list[list[dict[str, Any]]] = []
    for f, c, ctx in zip(rows, values, contexts, strict=True):
        order = np.abs(c).argsort(kind="quicksort")[::-1]  # what pandas sort_values(ascending=False) does
        items: list[dict[str, Any]] = []
        for j in order:
            if len(items) >= n or abs(c[j]) < 0.01:
                break
            text = _reason(names[j], f, ctx)
            if text is None:
                continue
            items.append({"factor": names[j], "effect": round(float(c[j]), 3), "zh": text[0], "en": text[1]})
        out.append(items)
    return out


def _reason(name: str, f: Mapping[str, Any], ctx: Mapping[str, Any] | None) -> tuple[str, str] | None:
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
    return None  # worker-only traits (education) do not distinguish one job from another


# ---------------------------------------------------------------------------------------------- batch

_CELLS = 1 << 22  # worker x vacancy cells scored at once (float32: 16 MB a matrix): the memory bound
_EPS32 = float(np.finfo(np.float32).eps)
_BATCH_ROWS = 400_000  # shortlist rows reranked and cut to k at a time


def _codes_of(items: pd.Series, vocab: dict[str, int]) -> tuple[np.ndarray, np.ndarray]:
    """(row, vocabulary id) for every item of every list cell that is in `vocab`; the lists are exploded once."""
    rows, values = _explode(items)
    ids, uniq = pd.factorize(values)
    table = np.array([vocab.get(str(u), -1) for u in uniq], dtype=np.int64)
    found = table[ids] if len(ids) else np.zeros(0, dtype=np.int64)
    return rows[found >= 0], found[found >= 0]


def _indicator(rows: np.ndarray, cols: np.ndarray, n_rows: int, n_cols: int) -> sparse.csr_matrix:
    data = np.ones(len(rows), dtype=bool)
    return sparse.csr_matrix((data, (rows, cols)), shape=(n_rows, n_cols), dtype=bool)


class PreparedBoard:
    """The vacancy side of `top_k_batch` for one (vacancy frame, ranker, pairings), built once.

    Everything that depends only on the vacancies is computed here: the constant part of each vacancy's logit,
    integer ids for county, occupation, family, and hard-rule class (min age, max age, education), and
    per-home-county distance/channel/pairing rows (filled lazily and kept). A process that serves requests
    keeps one of these until the board or the ranker changes, so a request pays only for its own worker.
    """

    def __init__(
        self, vacancies: pd.DataFrame, ranker: RetentionRanker, pairs: frozenset[tuple[str, str]] = frozenset()
    ) -> None:
        check_is_fitted(ranker, "coef_")
        vac = vacancies[vacancies["headcount_left"].fillna(0).to_numpy() > 0].reset_index(drop=True)
        self.vacancies, self.ranker, self.pairs = vac, ranker, pairs
        self.w, self.b = ranker.raw_weights()
        w, idx = self.w, {n: i for i, n in enumerate(EXPANDED)}
        self.idx = idx
        self.ids = vac["vacancy_id"].to_numpy()
        county_ids, county_uniq = pd.factorize(vac["vacancy_county"].astype(str))
        self.county, self.county_codes = county_ids.astype(np.int64), list(county_uniq)
        first = pd.Series(np.arange(len(vac))).groupby(county_ids).first().to_numpy()
        self.county_lon = vac["vacancy_lon"].to_numpy(float)[first] if len(vac) else np.zeros(0)
        self.county_lat = vac["vacancy_lat"].to_numpy(float)[first] if len(vac) else np.zeros(0)
        self.housing = vac["housing"].fillna(False).to_numpy(dtype=bool)
        self.mid = (vac["wage_min"].to_numpy(float) + vac["wage_max"].to_numpy(float)) / 2
        self.mid32 = self.mid.astype(np.float32)
        shift = vac["shift"].fillna("day").astype(str).to_numpy()
        self.const = (
            w[idx["wage_mid_k"]] * self.mid / 1000
            + w[idx["housing"]] * self.housing
            + w[idx["meals"]] * vac["meals"].fillna(False).to_numpy(dtype=float)
            + w[idx["contract_months"]]
            * pd.to_numeric(vac["contract_months"], errors="coerce").fillna(0).to_numpy(float)
            + sum(w[idx[f"shift_{s}"]] * (shift == s) for s in SHIFTS)
        )
        self.employer = vac["employer_id"].to_numpy()
        # Occupation: code and level-3 family ids; the last id of each is "no code", never matched.
        codes = vac["occupation_code"].where(vac["occupation_code"].notna(), None).to_numpy(dtype=object)
        code_ids, code_uniq = pd.factorize(codes)
        self.code_vocab = {str(c): i for i, c in enumerate(code_uniq)}
        fam_of = [str(c)[:7] for c in code_uniq]
        self.fam_vocab = {f: i for i, f in enumerate(dict.fromkeys(fam_of))}
        self.n_codes, self.n_fams = len(code_uniq) + 1, len(self.fam_vocab) + 1
        self.code = np.where(code_ids < 0, self.n_codes - 1, code_ids).astype(np.int64)
        self.fam_of_code = np.array([self.fam_vocab[f] for f in fam_of] + [self.n_fams - 1], dtype=np.int64)
        # Hard-rule classes: the distinct (min age, max age, education minimum) triples.
        rules = np.column_stack(
            [
                vac["min_age"].fillna(LEGAL_AGE).to_numpy(float),
                pd.to_numeric(vac["max_age"], errors="coerce").fillna(np.inf).to_numpy(float),
                vac["education_min"].map(EDUCATION_RANK).fillna(0).to_numpy(float),
            ]
        )
        self.rules, rule = np.unique(rules, axis=0, return_inverse=True) if len(vac) else (np.zeros((0, 3)), [])
        rule = np.asarray(rule, dtype=np.int64).ravel()
        # Kinds: distinct (code, rule class); one small per-worker table over kinds replaces two big gathers.
        kind_keys = self.code * max(len(self.rules), 1) + rule
        kinds, kind = np.unique(kind_keys, return_inverse=True) if len(vac) else (np.zeros(0, np.int64), [])
        self.kind = np.asarray(kind, dtype=np.int64).ravel()
        self.kind_code = kinds // max(len(self.rules), 1)
        self.kind_rule = kinds % max(len(self.rules), 1)
        self.rule = self.kind_rule[self.kind] if len(vac) else np.zeros(0, np.int64)  # rule class per vacancy
        # Per-vacancy columns the reasons of one pair read (arrays, so a request never touches the frame).
        self.lon = vac["vacancy_lon"].to_numpy(float)
        self.lat = vac["vacancy_lat"].to_numpy(float)
        self.meals = vac["meals"].fillna(False).to_numpy(dtype=float)
        self.contract = pd.to_numeric(vac["contract_months"], errors="coerce").fillna(0).to_numpy(float)
        self.shift = shift
        self.position = {int(v): i for i, v in enumerate(self.ids)}
        self.columns = {str(c): vac[c].to_numpy() for c in vac.columns}  # rows to show, read without the frame
        self._homes: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}

    def home(self, county: str, lon: float, lat: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(distance km, channel index into _CHANNELS, paired) from one home county to every vacancy county."""
        found = self._homes.get(county)
        if found is None:
            n = len(self.county_codes)
            dist = haversine_km(np.full(n, lon), np.full(n, lat), self.county_lon, self.county_lat)
            dist = np.nan_to_num(dist, nan=0.0)
            east = pd.Series(self.county_codes, dtype=object)
            channel = pd.Series(channel_of(pd.Series([county] * n), east)).map(_CHANNELS.index).to_numpy(np.int64)
            paired = is_paired(pd.Series([county] * n), east, self.pairs)
            found = (dist, channel, paired)
            self._homes[county] = found
        return found


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
    plus any after-departure boosts; rows are ordered by it) and `rank` (1 = best); ties go to the lower
    vacancy id. Memory is bounded by `_CELLS` float32 cells per chunk (at most `chunk_size` workers).
    Workers under the legal age, or (with `require_consent`) without consent, get no rows; vacancies
    without headcount left are never offered.

    Worker columns: worker_id, worker_county, worker_lon, worker_lat, education, skills, desired_occupations,
    channel_preference, expected_wage, age (a hard rule only: the legal age and the vacancy's limits; never a
    model input). Optional: blocked_employers (list of employer ids, e.g. after a dispute), boost_wage_met and
    boost_local (added to the rank key after a quit_wage / quit_homesick / quit_family), widen_local (show
    local and nearby jobs even to a cross-region-minded worker who just came home; other preferences stay as
    they are). Vacancy columns: vacancy_id, employer_id, vacancy_county, vacancy_lon, vacancy_lat,
    occupation_code, wage_min, wage_max, housing, meals, shift, contract_months, min_age, max_age,
    education_min, headcount_left.
    """
    return top_k_prepared(
        workers,
        PreparedBoard(vacancies, ranker, pairs),
        k,
        shortlist=shortlist,
        chunk_size=chunk_size,
        rerank=rerank,
        require_consent=require_consent,
    )


def top_k_prepared(
    workers: pd.DataFrame,
    board: PreparedBoard,
    k: int = 20,
    *,
    shortlist: int | None = None,
    chunk_size: int = 512,
    rerank: bool = True,
    require_consent: bool = False,
) -> pd.DataFrame:
    """`top_k_batch` against a board prepared once (the API keeps one per process).

    Workers are blocked by (home county, channel preference): the channel hard rule then removes whole
    vacancy columns before any scoring, and the location part of the logit is one vector per block. In a
    block, a chunk's logit is `location + vacancy constant` (one vector) + a wage table over the chunk's
    distinct expected wages + a per-worker table over vacancy kinds (occupation match and age/education
    rules, -inf where a rule fails), all float32. The float32 top-`shortlist` (plus anything within its
    rounding error of the cut) is rescored in float64, so the shortlist is exactly the float64 one.
    """
    if k < 1:
        raise ValueError("k must be at least 1")
    shortlist = max(k, shortlist or 2 * k)
    empty = pd.DataFrame({"worker_id": [], "vacancy_id": [], "score": [], "rank_key": [], "rank": []})
    wk = workers[pd.to_numeric(workers["age"], errors="coerce").fillna(0).to_numpy() >= LEGAL_AGE]
    if require_consent and "consent_to_share" in wk.columns:
        wk = wk[wk["consent_to_share"].fillna(False).to_numpy(dtype=bool)]
    wk = wk.reset_index(drop=True)
    if not len(board.ids) or wk.empty:
        return empty
    w, idx, N = board.w, board.idx, len(wk)

    # Worker-side vectors, once for the whole frame.
    county = wk["worker_county"].astype(str).to_numpy()
    lon, lat = wk["worker_lon"].to_numpy(float), wk["worker_lat"].to_numpy(float)
    pref = wk["channel_preference"].fillna("any").astype(str).map({p: i for i, p in enumerate(_PREFS)})
    pref = pref.fillna(0).astype(int).to_numpy()
    widen = wk["widen_local"].fillna(False).to_numpy(dtype=bool) if "widen_local" in wk.columns else np.zeros(N, bool)
    expected = pd.to_numeric(wk["expected_wage"], errors="coerce").to_numpy(float)
    has_expected = expected > 0
    expected0 = np.nan_to_num(expected, nan=0.0)
    age = wk["age"].to_numpy(float)
    edu = wk["education"].map(EDUCATION_RANK).fillna(0).to_numpy(float)
    w_const = board.b + w[idx["education_rank"]] * edu
    boost_wage = wk["boost_wage_met"].fillna(0).to_numpy(float) if "boost_wage_met" in wk.columns else np.zeros(N)
    boost_local = wk["boost_local"].fillna(0).to_numpy(float) if "boost_local" in wk.columns else np.zeros(N)
    blocked = list(wk["blocked_employers"]) if "blocked_employers" in wk.columns else [None] * N
    # Occupation evidence as sparse indicators over the board's codes and families (lists exploded once).
    d_rows, d_codes = _codes_of(wk["desired_occupations"], board.code_vocab)
    s_rows, s_codes = _codes_of(wk["skills"], board.code_vocab)
    fam_vocab = board.fam_vocab
    f_rows, f_fams = [], []
    for column in ("desired_occupations", "skills"):
        fam_lists = wk[column].map(
            lambda v: [str(c)[:7] for c in v] if isinstance(v, (list, tuple, np.ndarray)) else []
        )
        r, f = _codes_of(fam_lists, fam_vocab)
        f_rows.append(r)
        f_fams.append(f)
    desired_m = _indicator(d_rows, d_codes, N, board.n_codes)
    skilled_m = _indicator(s_rows, s_codes, N, board.n_codes)
    family_m = _indicator(np.concatenate(f_rows), np.concatenate(f_fams), N, board.n_fams)
    # Hard-rule penalty per (worker, rule class): 0 or -inf.
    rules = board.rules

    parts: list[pd.DataFrame] = []
    done: list[pd.DataFrame] = []  # finished batches: memory is the output plus one batch of shortlists
    pending = 0
    county_id, county_uniq = pd.factorize(county)
    group = (county_id.astype(np.int64) * len(_PREFS) + pref) * 2 + widen
    by_group = np.lexsort((np.arange(N), expected0, group))
    bounds = np.flatnonzero(np.diff(group[by_group])) + 1
    for rows_all in np.split(by_group, bounds):
        first = int(rows_all[0])
        home, p, wide = county_uniq[county_id[first]], pref[first], widen[first]
        dist_c, channel_c, paired_c = board.home(str(home), lon[first], lat[first])
        channel = channel_c[board.county]
        admits = (_WIDENED_ADMIT_TABLE if wide else _ADMIT_TABLE)[int(p)]
        cols = np.flatnonzero(admits[channel])
        if not len(cols):
            continue
        ch_s = channel[cols]
        dist_s = dist_c[board.county[cols]]
        agrees = np.ones(len(cols)) if p == 0 else (ch_s == _PREF_CHANNEL[p]).astype(float)
        base = (
            w[idx["log_distance_km"]] * np.log1p(dist_s)
            + w[idx["far_no_housing"]] * ((dist_s > FAR_KM) & ~board.housing[cols])
            + w[idx["cross_province"]] * (ch_s == 0)
            + w[idx["paired"]] * paired_c[board.county[cols]]
            + w[idx["channel_agrees"]] * agrees
            + board.const[cols]
        )
        base32 = base.astype(np.float32)
        mid_s, mid32_s, kind_s, code_s = board.mid[cols], board.mid32[cols], board.kind[cols], board.code[cols]
        step = max(1, min(chunk_size, _CELLS // len(cols)))
        for lo in range(0, len(rows_all), step):
            r = rows_all[lo : lo + step]
            if pending >= _BATCH_ROWS:
                done.append(_finish(parts, wk, board, k, rerank))
                pending = 0
            parts.append(
                _score_chunk(
                    board,
                    r,
                    cols,
                    base,
                    base32,
                    mid_s,
                    mid32_s,
                    kind_s,
                    code_s,
                    ch_s,
                    expected0,
                    has_expected,
                    age,
                    edu,
                    rules,
                    desired_m,
                    skilled_m,
                    family_m,
                    boost_wage,
                    boost_local,
                    blocked,
                    w_const,
                    shortlist,
                )  # fmt: skip
            )
            pending += len(parts[-1])
    done.append(_finish(parts, wk, board, k, rerank))
    out = pd.concat(done, ignore_index=True)
    if not len(out):
        return empty
    out = out.sort_values(["row", "rank"], kind="stable")  # the workers' own order, as before
    return out[["worker_id", "vacancy_id", "score", "rank_key", "rank"]].reset_index(drop=True)


def _finish(parts: list[pd.DataFrame], wk: pd.DataFrame, board: PreparedBoard, k: int, rerank: bool) -> pd.DataFrame:
    """Rerank a batch of shortlists (every worker's whole shortlist is in one batch) and keep the top k."""
    if not parts:
        return pd.DataFrame({"row": [], "worker_id": [], "vacancy_id": [], "score": [], "rank_key": [], "rank": []})
    part = pd.concat(parts, ignore_index=True)
    parts.clear()
    part["worker_id"] = wk["worker_id"].to_numpy()[part["row"].to_numpy()]
    part["vacancy_id"] = board.ids[part["col"].to_numpy()]
    if rerank and len(part):
        scores = []
        for lo in range(0, len(part), 100_000):  # bounded memory for the pair rows
            block = part.iloc[lo : lo + 100_000]
            frame = pair_frame(
                wk.iloc[block["row"].to_numpy()].reset_index(drop=True),
                board.vacancies.iloc[block["col"].to_numpy()].reset_index(drop=True),
                board.pairs,
            )
            scores.append(board.ranker.predict_proba(pair_features(frame))[:, 1])
        score = np.concatenate(scores)
        with np.errstate(divide="ignore"):
            new_logit = np.log(score) - np.log1p(-score)
        part["rank_key"] = part["rank_key"].to_numpy() - part["logit"].to_numpy() + new_logit
        part["score"] = score
    else:
        part["score"] = 1.0 / (1.0 + np.exp(-part["logit"].to_numpy()))
    part = part.sort_values(["row", "rank_key", "vacancy_id"], ascending=[True, False, True], kind="stable")
    part["rank"] = part.groupby("row").cumcount() + 1
    return part[part["rank"] <= k][["row", "worker_id", "vacancy_id", "score", "rank_key", "rank"]]


def _score_chunk(
    board: PreparedBoard,
    r: np.ndarray,
    cols: np.ndarray,
    base: np.ndarray,
    base32: np.ndarray,
    mid_s: np.ndarray,
    mid32_s: np.ndarray,
    kind_s: np.ndarray,
    code_s: np.ndarray,
    ch_s: np.ndarray,
    expected0: np.ndarray,
    has_expected: np.ndarray,
    age: np.ndarray,
    edu: np.ndarray,
    rules: np.ndarray,
    desired_m: sparse.csr_matrix,
    skilled_m: sparse.csr_matrix,
    family_m: sparse.csr_matrix,
    boost_wage: np.ndarray,
    boost_local: np.ndarray,
    blocked: list[Any],
    w_const: np.ndarray,
    shortlist: int,
) -> pd.DataFrame:
    """One chunk of one block: float32 keys, the float32 shortlist, then exact float64 keys for it."""
    w, idx = board.w, board.idx
    n, S = len(r), len(cols)
    # Wage: one row per distinct expected wage in the chunk (the chunk is sorted by it).
    e = np.where(has_expected[r], expected0[r], 0.0)
    ue, inv = np.unique(e, return_inverse=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        table = np.where(
            ue[:, None] > 0,
            np.clip(mid32_s[None, :] / ue[:, None].astype(np.float32) - np.float32(1), -1, 1),
            np.float32(0),
        ).astype(np.float32)
    table *= np.float32(w[idx["wage_gap"]])
    table += base32[None, :]
    key = table[inv.ravel()] if len(ue) < n else table
    # Occupation and hard rules: a (n, kinds) table, gathered by each vacancy's kind.
    occ = (
        w[idx["occupation_desired"]] * desired_m[r].toarray()
        + w[idx["occupation_skilled"]] * skilled_m[r].toarray()
        + w[idx["occupation_family"]] * family_m[r].toarray()[:, board.fam_of_code]
    )
    occ[:, -1] = 0.0  # "no code" matches nothing
    ok = (
        (age[r][:, None] >= rules[None, :, 0])
        & (age[r][:, None] <= rules[None, :, 1])
        & (edu[r][:, None] >= rules[None, :, 2])
    )
    kinds = occ[:, board.kind_code] + np.where(ok[:, board.kind_rule], 0.0, -np.inf)
    key += np.take(kinds.astype(np.float32), kind_s, axis=1)
    # After-departure adjustments: only the rows that have one.
    extra = np.zeros(n)
    for j in np.flatnonzero(boost_wage[r] != 0):
        key[j] += np.float32(boost_wage[r[j]]) * (mid_s >= expected0[r[j]])
        extra[j] += abs(boost_wage[r[j]])
    for j in np.flatnonzero(boost_local[r] != 0):
        key[j] += np.float32(boost_local[r[j]]) * (ch_s != 0)
        extra[j] += abs(boost_local[r[j]])
    for row, worker in enumerate(r):
        b = blocked[worker]
        if isinstance(b, (list, tuple, set, np.ndarray)) and len(b):
            key[row, np.isin(board.employer[cols], list(b))] = -np.inf
    # Candidates: the float32 top-m and everything within float32 rounding of its cut. The m-th largest of a
    # strided sample is a lower bound of the row's, so one comparison pass finds a small superset, and the
    # exact cut is taken among those few instead of partitioning every full row (that was 2/3 of the time).
    m = min(shortlist, S)
    finite_kinds = np.abs(kinds[np.isfinite(kinds)]).max() if np.isfinite(kinds).any() else 0.0
    tol = 64 * _EPS32 * (np.abs(base).max() + abs(w[idx["wage_gap"]]) + finite_kinds + extra.max() + 1.0)
    sample = key[:, :: max(1, S // (160 * m))]
    if sample.shape[1] >= m:
        low = np.partition(sample, sample.shape[1] - m, axis=1)[:, sample.shape[1] - m].astype(float)
    else:
        low = np.full(n, -np.inf)
    low32 = np.where(np.isfinite(low), low - tol, -np.inf).astype(np.float32)
    rr, cc = np.nonzero((key >= low32[:, None]) & (key > -np.inf))
    vals = key[rr, cc].astype(float)
    order = np.lexsort((-vals, rr))
    sorted_rows = rr[order]
    at_m = (np.arange(len(order)) - np.searchsorted(sorted_rows, sorted_rows, side="left")) == m - 1
    cut = np.full(n, -np.inf)
    cut[sorted_rows[at_m]] = vals[order][at_m]
    near = vals >= cut[rr] - tol
    rr, cc = rr[near], cc[near]
    # Exact float64 keys for the candidates.
    rows = r[rr]
    with np.errstate(divide="ignore", invalid="ignore"):
        gap = np.where(has_expected[rows], (mid_s[cc] - expected0[rows]) / expected0[rows], 0.0)
    logit = base[cc] + w[idx["wage_gap"]] * np.clip(np.nan_to_num(gap), -1.0, 1.0) + occ[rr, code_s[cc]] + w_const[rows]
    rank_key = logit + boost_wage[rows] * (mid_s[cc] >= expected0[rows]) + boost_local[rows] * (ch_s[cc] != 0)
    # Exactly the float64 top-m per worker, ties to the lower vacancy id.
    order = np.lexsort((board.ids[cols[cc]], -rank_key, rr))
    sorted_rows = rr[order]
    position = np.arange(len(order)) - np.searchsorted(sorted_rows, sorted_rows, side="left")
    keep = order[position < m]
    return pd.DataFrame({"row": rows[keep], "col": cols[cc[keep]], "logit": logit[keep], "rank_key": rank_key[keep]})


# ---------------------------------------------------------------------------------------------- one request
# The API ranks one worker against the cached board (or one vacancy against the cached pool) per request. The
# batch path's frames, sparse matrices and pandas sorts cost more than the arithmetic there, so these paths do
# the same float64 arithmetic, in the same order, on plain arrays: results are identical to `top_k_batch`
# (tests compare them), and a request costs a few vector operations over the board.

_ADMIT_TABLE = np.array([_ADMITS[p] for p in _PREFS])  # preference x vacancy channel -> admitted
# After going home (widen_local) a cross-region-minded worker is shown local and nearby jobs too; a worker who
# asked for local or nearby work is never shown a channel they excluded.
_WIDENED_ADMIT_TABLE = _ADMIT_TABLE.copy()
_WIDENED_ADMIT_TABLE[_PREFS.index("cross_region")] = True
_PREF_CHANNEL = np.array([-1] + [_CHANNELS.index(p) for p in _PREFS[1:]])  # the channel each preference names


def _float(value: Any, default: float = 0.0) -> float:
    """A scalar cell as float, `default` for None/NaN/unparseable (what fillna + to_numeric do on a frame)."""
    try:
        out = float(value)
    except (TypeError, ValueError):
        return default
    return default if np.isnan(out) else out


def _items(value: Any) -> list[str]:
    """A list cell's items as strings (None, NaN and non-lists give nothing), like the batch path's explode."""
    if not isinstance(value, (list, tuple, np.ndarray)):
        return []
    return [str(v) for v in value if v is not None and not (isinstance(v, float) and np.isnan(v))]


class OneWorker:
    """The worker-side scalars of one worker row (a mapping with the columns `top_k_batch` reads), converted once."""

    def __init__(self, worker: Any) -> None:
        self.row = worker
        self.county = str(worker["worker_county"])
        self.lon, self.lat = _float(worker["worker_lon"], np.nan), _float(worker["worker_lat"], np.nan)
        pref = worker.get("channel_preference")
        self.pref = _PREFS.index(str(pref)) if pref is not None and str(pref) in _PREFS else 0
        self.pref_text = str(pref)  # pair_features compares the raw text
        self.widen = bool(_float(worker.get("widen_local")))
        self.expected = _float(worker["expected_wage"], np.nan)
        self.has_expected = bool(self.expected > 0)
        self.expected0 = 0.0 if np.isnan(self.expected) else self.expected
        self.age = _float(worker["age"])
        self.edu = float(EDUCATION_RANK.get(worker["education"], 0))  # type: ignore[call-overload]
        self.boost_wage = _float(worker.get("boost_wage_met"))
        self.boost_local = _float(worker.get("boost_local"))
        blocked = worker.get("blocked_employers")
        self.blocked = list(blocked) if isinstance(blocked, (list, tuple, set, np.ndarray)) else []
        self.desired = _items(worker["desired_occupations"])
        self.skills = _items(worker["skills"])


def _occupation(board: PreparedBoard, one: OneWorker) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(desired, skilled, family) indicators over the board's code ids (the last id, "no code", never set)."""
    desired = np.zeros(board.n_codes, dtype=bool)
    skilled = np.zeros(board.n_codes, dtype=bool)
    family = np.zeros(board.n_fams, dtype=bool)
    for codes, out in ((one.desired, desired), (one.skills, skilled)):
        for code in codes:
            found = board.code_vocab.get(code)
            if found is not None:
                out[found] = True
            fam = board.fam_vocab.get(code[:7])
            if fam is not None:
                family[fam] = True
    return desired, skilled, family[board.fam_of_code]


def rank_one(worker: Any, board: PreparedBoard, k: int, exclude: Iterable[int] = ()) -> dict[str, np.ndarray]:
    """`top_k_prepared` for one worker row (shortlist = k, no rerank) without frames: the per-request path.

    Returns arrays `col` (board positions), `vacancy_id`, `score`, `logit`, `rank_key`, best first, ties to
    the lower vacancy id; vacancies in `exclude` (ids) are skipped as if they had no headcount left.
    """
    if k < 1:
        raise ValueError("k must be at least 1")
    empty = {n: np.zeros(0) for n in ("score", "logit", "rank_key")}
    empty.update(col=np.zeros(0, np.int64), vacancy_id=board.ids[:0])
    one = OneWorker(worker)
    if one.age < LEGAL_AGE or not len(board.ids):
        return empty
    w, idx = board.w, board.idx
    dist_c, channel_c, paired_c = board.home(one.county, one.lon, one.lat)
    channel = channel_c[board.county]
    admits = (_WIDENED_ADMIT_TABLE if one.widen else _ADMIT_TABLE)[one.pref]
    cols = np.flatnonzero(admits[channel])
    ch_s = channel[cols]
    vc = board.county[cols]
    dist_s = dist_c[vc]
    agrees = np.ones(len(cols)) if one.pref == 0 else (ch_s == _PREF_CHANNEL[one.pref]).astype(float)
    base = (
        w[idx["log_distance_km"]] * np.log1p(dist_s)
        + w[idx["far_no_housing"]] * ((dist_s > FAR_KM) & ~board.housing[cols])
        + w[idx["cross_province"]] * (ch_s == 0)
        + w[idx["paired"]] * paired_c[vc]
        + w[idx["channel_agrees"]] * agrees
        + board.const[cols]
    )
    mid_s = board.mid[cols]
    gap = (mid_s - one.expected0) / one.expected0 if one.has_expected else np.zeros(len(cols))
    desired, skilled, family = _occupation(board, one)
    occ = w[idx["occupation_desired"]] * desired + w[idx["occupation_skilled"]] * skilled
    occ = occ + w[idx["occupation_family"]] * family
    occ[-1] = 0.0  # "no code" matches nothing
    w_const = board.b + w[idx["education_rank"]] * one.edu
    logit = base + w[idx["wage_gap"]] * np.clip(np.nan_to_num(gap), -1.0, 1.0) + occ[board.code[cols]] + w_const
    rank_key = logit + one.boost_wage * (mid_s >= one.expected0) + one.boost_local * (ch_s != 0)
    rules = board.rules
    ok = (one.age >= rules[:, 0]) & (one.age <= rules[:, 1]) & (one.edu >= rules[:, 2])
    keep = ok[board.rule[cols]]
    if one.blocked:
        keep &= ~np.isin(board.employer[cols], one.blocked)
    gone = [board.position[v] for v in exclude if v in board.position]
    if gone:
        keep &= ~np.isin(cols, gone)
    cols, logit, rank_key = cols[keep], logit[keep], rank_key[keep]
    if len(cols) > k:  # the k-th best key, then everything tied with it, ordered exactly
        cut = -np.partition(-rank_key, k - 1)[k - 1]
        near = np.flatnonzero(rank_key >= cut)
    else:
        near = np.arange(len(cols))
    order = near[np.lexsort((board.ids[cols[near]], -rank_key[near]))][:k]
    cols, logit, rank_key = cols[order], logit[order], rank_key[order]
    return {
        "col": cols,
        "vacancy_id": board.ids[cols],
        "score": 1.0 / (1.0 + np.exp(-logit)),
        "logit": logit,
        "rank_key": rank_key,
    }


def explain_one(
    worker: Any, board: PreparedBoard, cols: np.ndarray, context: list[Any] | None = None, n: int = 3
) -> list[list[dict[str, Any]]]:
    """`reason_texts` for one worker and the board positions `cols`: the same features, built from arrays."""
    one = OneWorker(worker)
    m = len(cols)
    if not m:
        return []
    _, channel_c, paired_c = board.home(one.county, one.lon, one.lat)
    vc = board.county[cols]
    channel = channel_c[vc]
    distance = haversine_km(np.full(m, one.lon), np.full(m, one.lat), board.lon[cols], board.lat[cols])
    distance = np.nan_to_num(distance, nan=0.0)
    housing = board.housing[cols]
    mid = board.mid[cols]
    with np.errstate(divide="ignore", invalid="ignore"):
        gap = np.where(one.expected > 0, (mid - one.expected) / one.expected, 0.0)
    desired, skilled, family = _occupation(board, one)
    code = board.code[cols]
    no_code = code == board.n_codes - 1
    preference = one.pref_text
    feats: dict[str, np.ndarray] = {
        "wage_gap": np.clip(np.nan_to_num(gap), -1.0, 1.0),
        "wage_mid_k": mid / 1000.0,
        "log_distance_km": np.log1p(distance),
        "far_no_housing": ((distance > FAR_KM) & ~housing).astype(float),
        "cross_province": (channel == 0).astype(float),
        "occupation_desired": (desired[code] & ~no_code).astype(float),
        "occupation_skilled": (skilled[code] & ~no_code).astype(float),
        "occupation_family": (family[code] & ~no_code).astype(float),
        "education_rank": np.full(m, one.edu),
        "housing": housing.astype(float),
        "meals": board.meals[cols],
        "contract_months": board.contract[cols],
        "paired": paired_c[vc].astype(float),
        "channel_agrees": np.array([preference == "any" or preference == _CHANNELS[c] for c in channel], dtype=float),
    }
    shift = board.shift[cols]
    ranker = board.ranker
    Z = np.column_stack([feats[f] for f in RANKER_NUMERIC_FEATURES] + [(shift == s).astype(float) for s in SHIFTS])
    contributions = (Z - ranker.mean_) / ranker.scale_ * ranker.coef_
    names, values = _merge_shift(list(ranker.feature_names_), contributions)
    feats["distance_km"] = distance
    keys = list(feats)
    rows = [{**{key: float(feats[key][i]) for key in keys}, "shift": str(shift[i])} for i in range(m)]
    return _reason_rows(names, values, rows, context or [None] * m, n)


class PreparedPool:
    """The worker side of `top_k_batch` for one (worker frame, ranker, pairings), built once per pool.

    A request for one vacancy's candidates then scores every pool worker against that vacancy with a few
    vector operations: per-worker constants, occupation evidence as inverted indexes (code -> workers), and
    blocked employers as employer -> workers are all computed here.
    """

    def __init__(
        self,
        workers: pd.DataFrame,
        ranker: RetentionRanker,
        pairs: frozenset[tuple[str, str]] = frozenset(),
        require_consent: bool = True,
    ) -> None:
        check_is_fitted(ranker, "coef_")
        keep = pd.to_numeric(workers["age"], errors="coerce").fillna(0).to_numpy() >= LEGAL_AGE
        if require_consent and "consent_to_share" in workers.columns:
            keep &= workers["consent_to_share"].fillna(False).to_numpy(dtype=bool)
        self.source = np.flatnonzero(keep)  # positions in the frame given
        wk = workers.iloc[self.source].reset_index(drop=True)
        self.ranker, self.pairs = ranker, pairs
        self.w, self.b = ranker.raw_weights()
        w, idx = self.w, {n: i for i, n in enumerate(EXPANDED)}
        self.idx = idx
        N = len(wk)
        self.ids = wk["worker_id"].to_numpy()
        county_ids, county_uniq = pd.factorize(wk["worker_county"].astype(str))
        self.county, self.county_codes = county_ids.astype(np.int64), list(county_uniq)
        first = pd.Series(np.arange(N)).groupby(county_ids).first().to_numpy() if N else np.zeros(0, np.int64)
        self.county_lon = wk["worker_lon"].to_numpy(float)[first]
        self.county_lat = wk["worker_lat"].to_numpy(float)[first]
        pref = wk["channel_preference"].fillna("any").astype(str).map({p: i for i, p in enumerate(_PREFS)})
        self.pref = pref.fillna(0).astype(int).to_numpy()
        self.widen = (
            wk["widen_local"].fillna(False).to_numpy(dtype=bool) if "widen_local" in wk.columns else np.zeros(N, bool)
        )
        expected = pd.to_numeric(wk["expected_wage"], errors="coerce").to_numpy(float)
        self.has_expected = expected > 0
        self.expected0 = np.nan_to_num(expected, nan=0.0)
        self.age = wk["age"].to_numpy(float)
        self.edu = wk["education"].map(EDUCATION_RANK).fillna(0).to_numpy(float)
        self.w_const = self.b + w[idx["education_rank"]] * self.edu
        self.desired = self._index(wk["desired_occupations"], lambda c: c)
        self.skilled = self._index(wk["skills"], lambda c: c)
        fams = [self._index(wk[c], lambda x: x[:7]) for c in ("desired_occupations", "skills")]
        self.family = {
            f: np.union1d(fams[0].get(f, []), fams[1].get(f, [])).astype(np.int64) for f in {*fams[0], *fams[1]}
        }
        blocked: dict[int, list[int]] = {}
        if "blocked_employers" in wk.columns:
            for row, items in enumerate(wk["blocked_employers"]):
                if isinstance(items, (list, tuple, set, np.ndarray)):
                    for employer in items:
                        blocked.setdefault(int(employer), []).append(row)
        self.blocked = {e: np.array(r, dtype=np.int64) for e, r in blocked.items()}

    @staticmethod
    def _index(lists: pd.Series, key: Any) -> dict[str, np.ndarray]:
        """item key -> rows whose list holds it (lists exploded once)."""
        out: dict[str, list[int]] = {}
        for row, items in enumerate(lists):
            for item in _items(items):
                out.setdefault(key(item), []).append(row)
        return {k: np.unique(np.array(v, dtype=np.int64)) for k, v in out.items()}

    def rank(self, vacancy: PreparedBoard, limit: int) -> dict[str, np.ndarray]:
        """The pool's best `limit` workers for a one-vacancy board: `top_k_batch(pool, vacancy, k=1)` sorted by
        score then worker id, computed over the pool's arrays. Returns `row` (positions in the frame given to
        the pool), `worker_id`, `score`, `logit`."""
        empty = {"row": np.zeros(0, np.int64), "worker_id": self.ids[:0], "score": np.zeros(0), "logit": np.zeros(0)}
        if len(vacancy.ids) != 1 and len(vacancy.ids) != 0:
            raise ValueError("rank scores one vacancy; use top_k_batch for many")
        if not len(vacancy.ids) or not len(self.ids):
            return empty
        w, idx = self.w, self.idx
        v_code = vacancy.county_codes[0]
        U = len(self.county_codes)
        dist_u = haversine_km(self.county_lon, self.county_lat, np.full(U, vacancy.county_lon[0]),
                              np.full(U, vacancy.county_lat[0]))  # fmt: skip
        dist_u = np.nan_to_num(dist_u, nan=0.0)
        homes = pd.Series(self.county_codes, dtype=object)
        east = pd.Series([v_code] * U, dtype=object)
        channel_u = pd.Series(channel_of(homes, east)).map(_CHANNELS.index).to_numpy(np.int64)
        paired_u = is_paired(homes, east, self.pairs)
        dist, ch, paired = dist_u[self.county], channel_u[self.county], paired_u[self.county]
        admit = np.where(self.widen, _WIDENED_ADMIT_TABLE[self.pref, ch], _ADMIT_TABLE[self.pref, ch])
        agrees = np.where(self.pref == 0, 1.0, (ch == _PREF_CHANNEL[self.pref]).astype(float))
        housing = bool(vacancy.housing[0])
        base = (
            w[idx["log_distance_km"]] * np.log1p(dist)
            + w[idx["far_no_housing"]] * ((dist > FAR_KM) & (not housing))
            + w[idx["cross_province"]] * (ch == 0)
            + w[idx["paired"]] * paired
            + w[idx["channel_agrees"]] * agrees
            + vacancy.const[0]
        )
        mid = vacancy.mid[0]
        with np.errstate(divide="ignore", invalid="ignore"):
            gap = np.where(self.has_expected, (mid - self.expected0) / self.expected0, 0.0)
        N = len(self.ids)
        code = vacancy.code[0]
        if code == vacancy.n_codes - 1:  # no code: matches nothing
            occ: np.ndarray | float = 0.0
        else:
            text = next(c for c, i in vacancy.code_vocab.items() if i == code)
            desired, skilled, family = np.zeros(N, bool), np.zeros(N, bool), np.zeros(N, bool)
            desired[self.desired.get(text, [])] = True
            skilled[self.skilled.get(text, [])] = True
            family[self.family.get(text[:7], [])] = True
            occ = w[idx["occupation_desired"]] * desired + w[idx["occupation_skilled"]] * skilled
            occ = occ + w[idx["occupation_family"]] * family
        logit = base + w[idx["wage_gap"]] * np.clip(np.nan_to_num(gap), -1.0, 1.0) + occ + self.w_const
        rule = vacancy.rules[vacancy.rule[0]]
        keep = admit & (self.age >= rule[0]) & (self.age <= rule[1]) & (self.edu >= rule[2])
        blocked = self.blocked.get(int(vacancy.employer[0]))
        if blocked is not None:
            keep[blocked] = False
        rows = np.flatnonzero(keep)
        score = 1.0 / (1.0 + np.exp(-logit[rows]))
        order = np.lexsort((self.ids[rows], -score))[:limit]
        rows = rows[order]
        return {"row": self.source[rows], "worker_id": self.ids[rows], "score": score[order], "logit": logit[rows]}


def pair_frame(
    workers: pd.DataFrame, vacancies: pd.DataFrame, pairs: frozenset[tuple[str, str]] = frozenset()
) -> pd.DataFrame:
    """Row-aligned worker and vacancy frames (equal length) as `pair_features` input, `paired` computed."""
    out = pd.concat([workers.reset_index(drop=True), vacancies.reset_index(drop=True)], axis=1)
    out = out.loc[:, ~out.columns.duplicated()]
    for column in WORKER_HISTORY_FEATURES:  # pair_features wants them (departure model); the ranker never reads them
        if column not in out.columns:
            out[column] = 0.0
    out["paired"] = is_paired(out["worker_county"], out["vacancy_county"], pairs)
    return out


def cross_pairs(workers: pd.DataFrame, vacancies: pd.DataFrame, pairs: frozenset[tuple[str, str]]) -> pd.DataFrame:
    """Every worker with every vacancy, as pair_features input (small inputs only: evaluation, tests)."""
    wi = np.repeat(np.arange(len(workers)), len(vacancies))
    vi = np.tile(np.arange(len(vacancies)), len(workers))
    return pair_frame(workers.iloc[wi], vacancies.iloc[vi], pairs)


__all__ = [
    "HORIZON_DAYS",
    "PreparedBoard",
    "PreparedPool",
    "RetentionRanker",
    "RuleBaseline",
    "cross_pairs",
    "explain_one",
    "outcome_known",
    "pair_frame",
    "prefecture_of",
    "rank_one",
    "reason_texts",
    "top_k_batch",
    "top_k_prepared",
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
        self.n_features_in_ = len(RANKER_FEATURES)
        return self
