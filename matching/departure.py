"""Time to departure as right-censored data: a discrete-time hazard model, its baselines and IPCW metrics.

Why a discrete-time hazard model: each placement becomes one row per period it was at risk (person-period
rows); a classifier learns h_k(x) = P(leave in period k | still there at its start). Censored placements
contribute exactly the periods they were observed (the period in which they were censored with a weight equal
to the share of it observed, the actuarial convention), so a running placement is never counted as stayed or
left. Survival is S(t) = prod(1 - h_k) and the risk of leaving by H given tenure a is 1 - S(H) / S(a).
The rows can carry features that change with time (follow-ups seen before the period start, the calendar),
which a Cox model cannot use without the same expansion. The classifier is a fixed blend, never tuned per table:
a penalised logistic regression with one dummy per period (a discrete proportional-odds model: Cox-like and
stable on a few hundred rows) averaged with a small histogram gradient boosting model (interactions and
non-linear effects when the table is big enough to show them). The boosting share is a fixed function of the
number of events, events / (events + 1000), and it is left out below 250 events: on the classic small tables
(rossi, lung, GBSG2) it alone fell below Cox while the logistic part matched it.

Baselines: Kaplan-Meier (no features) and lifelines' Cox model on the same automatic encoding.
Metrics (IPCW, censoring distribution G from the training fold's Kaplan-Meier): Uno's C-index truncated at
tau, cumulative/dynamic AUC at a horizon (Uno 2007, Hung & Chiang 2010), and Graf's integrated Brier score.
"""

from __future__ import annotations

import re
import warnings
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import KFold, StratifiedKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler
from sklearn.utils.validation import check_is_fitted

from matching.survival import KaplanMeier, surv_target, unpack

PERIOD = "_period"  # the period index column of person-period rows
TENURE = "_tenure"  # time at the period start (same unit as the durations)
MAX_INTERVALS = 16  # grid for tables without a product grid: quantiles of the event times
BOOST_MIN_EVENTS = 250  # below this many events the boosting model is left out (it overfits small tables)
BOOST_HALF_EVENTS = 1000  # boosting's share of the blend is events / (events + this)
MAX_CATEGORIES = 20  # rarer categories share one "infrequent" column
ID_NAME = re.compile(r"(^|_)(id|no|number|key|uuid)$|^unnamed", re.IGNORECASE)


# ----------------------------------------------------------------------------------------------- encoding
Columns = dict[str, Any]  # {"numeric": [...], "categorical": [...], "dropped": {column: why}}; plain for skops


def infer_columns(X: pd.DataFrame) -> Columns:
    """Numeric (incl. booleans) vs categorical; drop constant columns and identifiers (all values distinct)."""
    numeric: list[str] = []
    categorical: list[str] = []
    dropped: dict[str, str] = {}
    n = len(X)
    for col in X.columns:
        s = X[col]
        non_null = s.dropna()
        if non_null.nunique() <= 1:
            dropped[col] = "constant"
            continue
        is_num = pd.api.types.is_numeric_dtype(s) or pd.api.types.is_bool_dtype(s)
        if n >= 20 and non_null.nunique() == n:
            if not is_num:
                dropped[col] = "identifier"
                continue
            values = np.sort(non_null.to_numpy(dtype=float))
            consecutive = bool(np.all(np.diff(values) == 1))
            if consecutive or ID_NAME.search(str(col)):
                dropped[col] = "identifier"
                continue
        if is_num:
            numeric.append(col)
        else:
            categorical.append(col)
    return {"numeric": numeric, "categorical": categorical, "dropped": dropped}


def clean_frame(X: pd.DataFrame, columns: Columns) -> pd.DataFrame:
    """Booleans as 0/1 floats, categoricals as strings with one token for missing."""
    out = pd.DataFrame(index=X.index)
    for col in columns["numeric"]:
        out[col] = pd.to_numeric(X[col].astype("float64") if X[col].dtype == bool else X[col], errors="coerce")
    for col in columns["categorical"]:
        out[col] = X[col].astype("object").where(X[col].notna(), "__missing__").astype(str)
    return out


def make_encoder(columns: Columns, period_column: bool) -> ColumnTransformer:
    """Median-impute (with missing indicators) and scale numbers; one-hot categories with an infrequent bucket."""
    parts: list[tuple[str, Any, list[str]]] = []
    if columns["numeric"]:
        parts.append(
            (
                "num",
                make_pipeline(SimpleImputer(strategy="median", add_indicator=True), StandardScaler()),
                columns["numeric"],
            )
        )
    if columns["categorical"]:
        parts.append(
            (
                "cat",
                OneHotEncoder(
                    handle_unknown="infrequent_if_exist",
                    min_frequency=5,
                    max_categories=MAX_CATEGORIES,
                    sparse_output=False,
                ),
                columns["categorical"],
            )
        )
    if period_column:
        parts.append(("period", OneHotEncoder(handle_unknown="ignore", sparse_output=False), [PERIOD]))
        parts.append(("tenure", StandardScaler(), [TENURE]))
    return ColumnTransformer(parts, remainder="drop", verbose_feature_names_out=False)


# ------------------------------------------------------------------------------------- Kaplan-Meier
class KaplanMeierBaseline(BaseEstimator):
    """The no-feature baseline: everyone gets the population survival curve."""

    def fit(self, X: pd.DataFrame, y: Any) -> KaplanMeierBaseline:
        """`y`: the structured (event, duration) target of `matching.survival.surv_target`; X is ignored."""
        duration, event = unpack(y)
        self.km_ = KaplanMeier().fit(duration, event)
        return self

    def predict_survival(self, X: pd.DataFrame, times: Any) -> np.ndarray:
        check_is_fitted(self, "km_")
        row = self.km_.survival(np.atleast_1d(np.asarray(times, float)))
        return np.tile(row, (len(X), 1))


# ----------------------------------------------------------------------------------------------- Cox
class CoxBaseline(BaseEstimator):
    """lifelines' CoxPHFitter (small ridge penalty) on the same automatic encoding as the hazard model."""

    def __init__(self, penalizer: float = 0.01) -> None:
        self.penalizer = penalizer

    def fit(self, X: pd.DataFrame, y: Any) -> CoxBaseline:
        """`y`: the structured (event, duration) target of `matching.survival.surv_target`."""
        duration, event = unpack(y)
        from lifelines import CoxPHFitter

        self.columns_ = infer_columns(X)
        self.encoder_ = make_encoder(self.columns_, period_column=False)
        Z = self._design(X, fit=True)
        Z["_T"] = np.asarray(duration, float)
        Z["_E"] = np.asarray(event).astype(int)
        last: Exception | None = None
        for penalty in (self.penalizer, self.penalizer * 10, 1.0):  # fall back only if the fit does not converge
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    self.cox_ = CoxPHFitter(penalizer=penalty).fit(Z, "_T", "_E")
                self.penalty_used_ = penalty
                return self
            except Exception as exc:  # lifelines raises ConvergenceError and friends
                last = exc
        raise RuntimeError(f"Cox baseline did not converge: {last}")

    def _design(self, X: pd.DataFrame, fit: bool = False) -> pd.DataFrame:
        frame = clean_frame(X, self.columns_)
        if not self.columns_["numeric"] and not self.columns_["categorical"]:
            return pd.DataFrame({"_const": np.zeros(len(X))}, index=range(len(X)))
        Z = self.encoder_.fit_transform(frame) if fit else self.encoder_.transform(frame)
        names = [f"f{i}" for i in range(Z.shape[1])]
        out = pd.DataFrame(np.asarray(Z, float), columns=names)
        if fit:
            self.keep_ = [c for c in names if out[c].std() > 0]
        return out[self.keep_] if self.keep_ else pd.DataFrame({"_const": np.zeros(len(X))})

    def predict_survival(self, X: pd.DataFrame, times: Any) -> np.ndarray:
        check_is_fitted(self, "cox_")
        times = np.atleast_1d(np.asarray(times, float))
        surv = self.cox_.predict_survival_function(self._design(X), times=times)
        return np.asarray(surv, float).T


# ------------------------------------------------------------------------------------ hazard model
class DiscreteTimeHazard(BaseEstimator):
    """Discrete-time hazard model on person-period rows (see the module docstring for why).

    Parameters
    ----------
    cuts : sequence of float, optional
        Period boundaries starting at 0 (e.g. days). None: up to ``MAX_INTERVALS`` quantiles of the event times.
        Time beyond the last cut continues in periods of the last width, with the last period's hazard.
    random_state : int
        Seed of the boosting model.

    Attributes
    ----------
    cuts_ : ndarray of period boundaries; columns_ : the inferred column roles; lr_, gb_ : the two classifiers.
    """

    def __init__(
        self,
        cuts: Any = None,
        random_state: int = 0,
        C: float = 1.0,
        boost_learning_rate: float = 0.05,
        boost_max_iter: int = 150,
        boost_max_leaf_nodes: int = 15,
        boost_min_samples_leaf: int = 40,
        boost_l2_regularization: float = 1.0,
    ) -> None:
        self.cuts = cuts
        self.random_state = random_state
        self.C = C
        self.boost_learning_rate = boost_learning_rate
        self.boost_max_iter = boost_max_iter
        self.boost_max_leaf_nodes = boost_max_leaf_nodes
        self.boost_min_samples_leaf = boost_min_samples_leaf
        self.boost_l2_regularization = boost_l2_regularization

    # -- grid and rows
    def _grid(self, duration: np.ndarray, event: np.ndarray) -> np.ndarray:
        if self.cuts is not None:
            cuts = np.asarray(self.cuts, dtype=float)
        else:
            ev = duration[event] if event.any() else duration
            # About ten events per period at most 16 periods: a tiny table gets a coarse, stable grid.
            k = int(np.clip(len(ev) // 10, 3, MAX_INTERVALS))
            qs = np.quantile(ev, np.linspace(0, 1, k + 1)[1:])
            cuts = np.concatenate([[0.0], qs])
        cuts = np.unique(cuts)
        if cuts[0] > 0:
            cuts = np.concatenate([[0.0], cuts])
        if len(cuts) < 2:
            cuts = np.array([0.0, max(float(duration.max()), 1.0)])
        return cuts

    def period_of(self, t: np.ndarray) -> np.ndarray:
        """Index of the period (c_k, c_k+1] holding each time; 0 for t = 0; beyond the grid periods keep counting."""
        cuts = self.cuts_
        t = np.asarray(t, float)
        last = len(cuts) - 1
        inside = np.maximum(np.searchsorted(cuts, t, side="left") - 1, 0)
        width = cuts[-1] - cuts[-2]
        beyond = last + np.ceil((t - cuts[-1]) / width).astype(int) - 1
        return np.where(t > cuts[-1], beyond, inside)

    def period_bounds(self, k: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Start and end of each period index."""
        cuts = self.cuts_
        k = np.asarray(k, int)
        last = len(cuts) - 1
        width = cuts[-1] - cuts[-2]
        start = np.where(k < last, cuts[np.minimum(k, last)], cuts[-1] + (k - last) * width)
        end = np.where(k < last, cuts[np.minimum(k + 1, last)], start + width)
        return start, end

    def expand(self, duration: np.ndarray, event: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Person-period rows: (row index, period, target, weight); censored rows' last period weighted by exposure."""
        duration = np.asarray(duration, float)
        event = np.asarray(event, bool)
        # An event at time t falls in the period containing t; a zero duration counts as the first period.
        last = self.period_of(duration)
        counts = last + 1
        rows = np.repeat(np.arange(len(duration)), counts)
        offsets = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
        is_last = offsets == np.repeat(last, counts)
        target = (is_last & np.repeat(event, counts)).astype(int)
        weight = np.ones(len(rows))
        start, end = self.period_bounds(offsets)
        share = np.clip((duration[rows] - start) / np.maximum(end - start, 1e-12), 0.0, 1.0)
        censored_last = is_last & ~np.repeat(event, counts)
        weight[censored_last] = share[censored_last]
        keep = weight > 0
        return rows[keep], offsets[keep], target[keep], weight[keep]

    def _period_frame(self, X: pd.DataFrame, periods: np.ndarray) -> pd.DataFrame:
        frame = X.reset_index(drop=True).copy()
        frame[PERIOD] = np.minimum(periods, len(self.cuts_) - 1).astype(str)
        frame[TENURE] = np.minimum(self.period_bounds(periods)[0], self.cuts_[-1])
        return frame

    # -- fitting
    def fit(self, X: pd.DataFrame, y: Any) -> DiscreteTimeHazard:
        """X holds features known at the start (time-fixed), `y` the structured (event, duration) target of
        `matching.survival.surv_target`; see `fit_periods` for time-varying features."""
        duration, event = unpack(y)
        if len(X) != len(duration):
            raise ValueError("X and y must have the same length")
        self.cuts_ = self._grid(duration, event)
        rows, periods, target, weight = self.expand(duration, event)
        long = X.reset_index(drop=True).iloc[rows].reset_index(drop=True)
        return self.fit_periods(long, periods, target, weight)

    def fit_periods(
        self, X: pd.DataFrame, periods: Any, target: Any, weight: Any, cuts: Any = None
    ) -> DiscreteTimeHazard:
        """Fit on person-period rows the caller built (features as of each period start: no look-ahead)."""
        if cuts is not None:
            self.cuts_ = np.asarray(cuts, float)
        check_is_fitted(self, "cuts_")
        target = np.asarray(target, int)
        weight = np.asarray(weight, float)
        self.columns_ = infer_columns(X)
        frame = self._period_frame(clean_frame(X, self.columns_), np.asarray(periods, int))
        self.encoder_ = make_encoder(self.columns_, period_column=True)
        Z = self.encoder_.fit_transform(frame)
        self.base_rate_ = float(np.average(target, weights=weight))
        self.lr_: LogisticRegression | None = None
        self.gb_: HistGradientBoostingClassifier | None = None
        self.boost_share_ = 0.0
        if target.min() == target.max():  # no events (or only events): a constant hazard is all there is
            return self
        self.lr_ = LogisticRegression(C=self.C, max_iter=2000).fit(Z, target, sample_weight=weight)
        events = float(np.sum(target * weight))
        self.boost_share_ = events / (events + BOOST_HALF_EVENTS) if events >= BOOST_MIN_EVENTS else 0.0
        if self.boost_share_ == 0.0:
            return self
        self.gb_ = HistGradientBoostingClassifier(
            learning_rate=self.boost_learning_rate,
            max_iter=self.boost_max_iter,
            max_leaf_nodes=self.boost_max_leaf_nodes,
            min_samples_leaf=self.boost_min_samples_leaf,
            l2_regularization=self.boost_l2_regularization,
            early_stopping=False,
            random_state=self.random_state,
        ).fit(Z, target, sample_weight=weight)
        return self

    # -- prediction
    def hazard_periods(self, X: pd.DataFrame, periods: Any) -> np.ndarray:
        """h_k(x) for person-period rows (X as of each period start)."""
        check_is_fitted(self, "encoder_")
        if self.lr_ is None:
            return np.full(len(X), self.base_rate_)
        Z = self.encoder_.transform(self._period_frame(clean_frame(X, self.columns_), np.asarray(periods, int)))
        h = self.lr_.predict_proba(Z)[:, 1]
        if self.gb_ is not None:
            h = (1 - self.boost_share_) * h + self.boost_share_ * self.gb_.predict_proba(Z)[:, 1]
        return np.clip(h, 1e-6, 1 - 1e-6)

    def predict_survival(self, X: pd.DataFrame, times: Any) -> np.ndarray:
        """S(t | x) for time-fixed X at each of `times`: shape (n, len(times))."""
        check_is_fitted(self, "cuts_")
        times = np.atleast_1d(np.asarray(times, float))
        n_periods = int(self.period_of(np.array([times.max()]))[0]) + 1
        periods = np.tile(np.arange(n_periods), len(X))
        long = X.reset_index(drop=True).iloc[np.repeat(np.arange(len(X)), n_periods)].reset_index(drop=True)
        hazard = self.hazard_periods(long, periods).reshape(len(X), n_periods)
        log_surv = np.log1p(-hazard)
        start, end = self.period_bounds(np.arange(n_periods))
        frac = np.clip((times[:, None] - start[None, :]) / (end - start)[None, :], 0.0, 1.0)  # (T, K)
        return np.exp(log_surv @ frac.T)


# -------------------------------------------------------------------------------------------- metrics
def _censoring_km(duration: np.ndarray, event: np.ndarray) -> KaplanMeier:
    return KaplanMeier().fit(duration, ~np.asarray(event, bool))


def uno_c_index(
    train_duration: Any,
    train_event: Any,
    duration: Any,
    event: Any,
    risk: Any,
    tau: float | None = None,
) -> float:
    """Uno's IPCW C: P(risk_i > risk_j | T_i < T_j, T_i < tau), weights 1/G(T_i-)^2 from the training censoring."""
    d = np.asarray(duration, float)
    e = np.asarray(event, bool)
    r = np.asarray(risk, float)
    G = _censoring_km(np.asarray(train_duration, float), np.asarray(train_event, bool))
    tau = float(np.max(d)) if tau is None else float(tau)
    g = G.survival_before(d)
    num = den = 0.0
    for i in np.flatnonzero(e & (d < tau) & (g > 0)):
        later = d > d[i]
        if not later.any():
            continue
        w = 1.0 / g[i] ** 2
        conc = (r[i] > r[later]).sum() + 0.5 * (r[i] == r[later]).sum()
        num += w * conc
        den += w * later.sum()
    return float(num / den) if den > 0 else float("nan")


def cumulative_dynamic_auc(
    train_duration: Any, train_event: Any, duration: Any, event: Any, risk: Any, horizon: float
) -> float:
    """AUC(t): cases left by t (weight 1/G(T_i-)), controls still there after t; ties count a half."""
    d = np.asarray(duration, float)
    e = np.asarray(event, bool)
    r = np.asarray(risk, float)
    G = _censoring_km(np.asarray(train_duration, float), np.asarray(train_event, bool))
    cases = e & (d <= horizon)
    controls = d > horizon
    g = G.survival_before(d)
    cases &= g > 0
    if not cases.any() or not controls.any():
        return float("nan")
    w = 1.0 / g[cases]
    rc = r[controls]
    rc_sorted = np.sort(rc)
    below = np.searchsorted(rc_sorted, r[cases], side="left")
    equal = np.searchsorted(rc_sorted, r[cases], side="right") - below
    score = (below + 0.5 * equal) / len(rc)
    return float(np.sum(w * score) / np.sum(w))


def brier_scores(
    train_duration: Any, train_event: Any, duration: Any, event: Any, survival: np.ndarray, times: Any
) -> np.ndarray:
    """Graf's IPCW Brier score at each time; survival has shape (n, len(times))."""
    d = np.asarray(duration, float)
    e = np.asarray(event, bool)
    times = np.atleast_1d(np.asarray(times, float))
    G = _censoring_km(np.asarray(train_duration, float), np.asarray(train_event, bool))
    g_i = G.survival_before(d)
    g_t = G.survival(times)
    out = np.empty(len(times))
    for k, t in enumerate(times):
        s = survival[:, k]
        died = e & (d <= t)
        alive = d > t
        with np.errstate(divide="ignore", invalid="ignore"):
            term = np.where(died & (g_i > 0), s**2 / np.where(g_i > 0, g_i, 1.0), 0.0)
            term = term + (np.where(alive, (1 - s) ** 2 / g_t[k], 0.0) if g_t[k] > 0 else 0.0)
        out[k] = term.mean()
    return out


def integrated_brier(
    train_duration: Any, train_event: Any, duration: Any, event: Any, survival: np.ndarray, times: Any
) -> float:
    """Trapezoid integral of the Brier score over `times`, divided by their span."""
    times = np.asarray(times, float)
    bs = brier_scores(train_duration, train_event, duration, event, survival, times)
    if len(times) < 2:
        return float(bs[0])
    return float(np.trapezoid(bs, times) / (times[-1] - times[0]))


# ---------------------------------------------------------------------------------------- evaluation
def default_horizon(duration: Any, event: Any) -> float:
    """The rule when no horizon is given: the median time of the observed events (half the departures by then).

    Not the median of all durations: where most rows are censored at the end of follow-up (rossi: week 52)
    that would leave no one still observed after the horizon, and the AUC there would be undefined.
    """
    d = np.asarray(duration, float)
    e = np.asarray(event).astype(bool)
    return float(np.median(d[e] if e.any() else d))


def evaluation_times(train_duration: np.ndarray, horizon: float) -> tuple[np.ndarray, float]:
    """Brier grid (20 points, 5th to 80th percentile of training durations) and Uno's tau (80th percentile).

    Truncating at a time where a fifth of the training rows are still observed keeps 1/G finite and honest.
    """
    lo, hi = np.quantile(train_duration, [0.05, 0.8])
    if hi <= lo:
        hi = lo + 1.0
    return np.linspace(lo, hi, 20), float(hi)


def score_fold(
    model: Any,
    X_train: pd.DataFrame,
    d_train: np.ndarray,
    e_train: np.ndarray,
    X_test: pd.DataFrame,
    d_test: np.ndarray,
    e_test: np.ndarray,
    horizon: float,
) -> dict[str, float]:
    """Fit on the training fold, score the test fold: C (risk = 1 - S(tau)), AUC at the horizon, IBS."""
    model.fit(X_train, surv_target(e_train, d_train))
    grid, tau = evaluation_times(d_train, horizon)
    times = np.concatenate([grid, [horizon, tau]])
    surv = model.predict_survival(X_test, times)
    risk_tau = 1.0 - surv[:, -1]
    risk_h = 1.0 - surv[:, -2]
    return {
        "c_index": uno_c_index(d_train, e_train, d_test, e_test, risk_tau, tau=tau),
        "auc_at_horizon": cumulative_dynamic_auc(d_train, e_train, d_test, e_test, risk_h, horizon),
        "integrated_brier": integrated_brier(d_train, e_train, d_test, e_test, surv[:, : len(grid)], grid),
    }


def cross_validate(
    X: pd.DataFrame,
    duration: Any,
    event: Any,
    horizon: float | None = None,
    folds: int = 5,
    random_state: int = 0,
) -> dict[str, Any]:
    """K-fold (stratified by event where each class has `folds` rows) for the model, Cox and Kaplan-Meier."""
    d = np.asarray(duration, float)
    e = np.asarray(event).astype(bool)
    horizon = default_horizon(d, e) if horizon is None else float(horizon)
    X = X.reset_index(drop=True)
    if min(e.sum(), (~e).sum()) >= folds:
        splits = list(StratifiedKFold(folds, shuffle=True, random_state=random_state).split(X, e))
    else:
        splits = list(KFold(folds, shuffle=True, random_state=random_state).split(X))
    models = {"model": DiscreteTimeHazard, "cox": CoxBaseline, "kaplan_meier": KaplanMeierBaseline}
    results: dict[str, list[dict[str, float]]] = {name: [] for name in models}
    for train, test in splits:
        for name, cls in models.items():
            results[name].append(
                score_fold(cls(), X.iloc[train], d[train], e[train], X.iloc[test], d[test], e[test], horizon)
            )

    def mean(rows: list[dict[str, float]]) -> dict[str, float | None]:
        out: dict[str, float | None] = {}
        for key in rows[0]:
            vals = np.array([r[key] for r in rows], float)
            out[key] = round(float(np.nanmean(vals)), 4) if np.isfinite(vals).any() else None
        return out

    summary = mean(results["model"])
    return {
        "n": len(d),
        "events": int(e.sum()),
        "horizon": horizon,
        "folds": folds,
        **summary,
        "baseline": {"model": "cox", **mean(results["cox"])},
        "kaplan_meier": mean(results["kaplan_meier"]),
        "dropped_columns": infer_columns(X)["dropped"],
    }


def precision_at_top(risk: np.ndarray, left: np.ndarray, share: float = 0.1) -> float:
    """Share of the `share` highest-risk rows that did leave (only rows whose outcome is known)."""
    k = max(1, int(round(share * len(risk))))
    top = np.argsort(-np.asarray(risk, float), kind="stable")[:k]
    return float(np.asarray(left, bool)[top].mean())


__all__ = [
    "Columns",
    "CoxBaseline",
    "DiscreteTimeHazard",
    "KaplanMeier",
    "KaplanMeierBaseline",
    "cross_validate",
    "cumulative_dynamic_auc",
    "default_horizon",
    "infer_columns",
    "integrated_brier",
    "precision_at_top",
    "uno_c_index",
]
