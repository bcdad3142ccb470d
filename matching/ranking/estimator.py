"""The retention ranker: an additive logistic model of P(a placement lasts 90 days) whose signs are promised.

Each pair feature has one term, a function of that feature alone: a weight (binary and plain numbers), a
piecewise-linear shape between fixed knots (wage against expectation, distance), or one weight per level
(shift). The fit is the logistic loss plus an L2 penalty on standardised basis columns, minimised by L-BFGS-B
with a bound on each coefficient, so a term the domain signs can only go its way: more pay against what the
worker asked, a dormitory, meals, a paired county, an occupation the worker asked for or knows, and their
agreeing channel never lower the score; more distance, and being far without a dormitory, never raise it.

Additive on purpose: a pair's logit is the sum of its terms, so the reasons are exact contributions, and each
path (batch top-k, one worker, one vacancy) adds the same terms over its own array shapes (`term` broadcasts).
Each term's contribution is measured against a neutral pair (at home, paying what was asked, no dormitory,
no occupation match, day shift), so its sign says the fact's direction: "+ dormitory provided".
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy.optimize import minimize
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.validation import check_is_fitted

from matching.features import RANKER_FEATURES

RANKER_FORMAT = 2  # the stored shape of a fitted ranker; one of another format is refitted, never used
SHIFTS = ("day", "two_shift", "three_shift")
_KM = np.array([0.0, 20.0, 80.0, 200.0, 400.0, 700.0, 1000.0, 1500.0])


@dataclass(frozen=True)
class Term:
    """One feature's part of the logit: `sign` +1 never lowers the score as the feature grows, -1 never raises
    it, 0 is free; `knots` make a piecewise-linear shape (flat outside them); `levels` a categorical one;
    `neutral` is what contributions are measured against (None: the training median)."""

    feature: str
    sign: int = 0
    knots: tuple[float, ...] = ()
    levels: tuple[str, ...] = ()
    neutral: float | None = 0.0


TERMS: tuple[Term, ...] = (
    Term("wage_gap", +1, knots=(-1.0, -0.3, -0.15, 0.0, 0.15, 0.3, 1.0)),
    Term("wage_mid_k", +1, neutral=None),
    Term("log_distance_km", -1, knots=tuple(np.log1p(_KM))),
    Term("far_no_housing", -1),
    Term("housing", +1),
    Term("meals", +1),
    Term("paired", +1),
    Term("occupation_desired", +1),
    Term("occupation_wish_family", +1),
    Term("occupation_skilled", +1),
    Term("occupation_skill_family", +1),
    Term("channel_agrees", +1, neutral=1.0),
    Term("cross_province", 0),
    Term("contract_months", 0),
    Term("education_rank", 0, neutral=None),
    Term("shift", 0, levels=SHIFTS),
)
TERM_NAMES = tuple(t.feature for t in TERMS)
SIGNED = {t.feature: t.sign for t in TERMS if t.sign}
assert set(TERM_NAMES) == set(RANKER_FEATURES), "every ranker feature has exactly one term"


def shift_codes(values: Any) -> np.ndarray:
    """Shift names as indices into SHIFTS (anything unknown is a day shift, as pair_features fills it)."""
    text = pd.Series(np.asarray(values, dtype=object).ravel()).fillna("day").astype(str)
    codes = text.map({s: i for i, s in enumerate(SHIFTS)}).fillna(0).astype(np.int64).to_numpy()
    return codes.reshape(np.shape(values))


def _basis(term: Term, x: np.ndarray) -> np.ndarray:
    """The term's basis columns for raw values `x` (1-d): hinge pieces, one-hot levels, or `x` itself."""
    if term.levels:
        return np.stack([(x == i).astype(float) for i in range(len(term.levels))], axis=1)
    if term.knots:
        k = np.asarray(term.knots)
        return np.clip(x[:, None] - k[None, :-1], 0.0, np.diff(k)[None, :])
    return x[:, None].astype(float)


def _raw(term: Term, X: pd.DataFrame) -> np.ndarray:
    column = X[term.feature]
    return shift_codes(column.to_numpy()) if term.levels else column.to_numpy(dtype=float)


class RetentionRanker(ClassifierMixin, BaseEstimator):  # type: ignore[misc]
    """Additive, sign-bounded logistic model of P(placement lasts >= 90 days) on the shared pair features.

    Parameters
    ----------
    C : float, default=1.0
        Inverse L2 strength on the standardised basis coefficients (as in LogisticRegression).
    class_weight : None or "balanced", default=None
    random_state : int or None, default=0
        Unused (the fit is deterministic); kept for the estimator contract.

    Attributes
    ----------
    coef_ : ndarray of shape (n_basis,)
        Coefficients on the standardised basis columns, each within its term's sign bound.
    basis_names_ : list of str
        `feature` or `feature[knot_from,knot_to]` or `feature=level`, one per coefficient.
    weights_ : dict
        Per term, the tabulated shape on raw values: a weight, (knots, values at knots), or a value per level.
    intercept_ : float
        Raw intercept: logit = intercept_ + sum of terms.
    reference_ : dict
        Per term, the raw value contributions are measured against.
    base_ : float
        The logit of the reference pair: logit = base_ + sum of contributions.
    feature_names_ : list of str
        The terms, in TERMS order.
    format_ : int
        RANKER_FORMAT at fitting time.
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
        target = np.asarray(list(y), dtype=float)
        if len(target) != len(X) or len(np.unique(target)) < 2:
            raise ValueError("need one 0/1 outcome per row and both outcomes present")
        raws = {t.feature: _raw(t, X) for t in TERMS}
        blocks = [_basis(t, raws[t.feature]) for t in TERMS]
        B = np.hstack(blocks)
        mean, scale = B.mean(axis=0), B.std(axis=0)
        scale = np.where(scale > 1e-9, scale, 1.0)
        Z = (B - mean) / scale
        signs = np.concatenate([np.full(b.shape[1], t.sign) for t, b in zip(TERMS, blocks, strict=True)])
        weight = np.ones(len(target))
        if self.class_weight == "balanced":
            share = target.mean()
            weight = np.where(target == 1, 0.5 / share, 0.5 / (1 - share))
        coef, intercept = _fit_bounded_logistic(Z, target, weight, signs, float(self.C))
        raw = coef / scale  # slopes on the raw basis columns
        self.coef_ = coef
        self.intercept_ = float(intercept - np.dot(raw, mean))
        self.basis_names_ = [name for t, b in zip(TERMS, blocks, strict=True) for name in _basis_names(t, b)]
        self.weights_ = _tabulate(raw, blocks)
        self.reference_ = {
            t.feature: float(np.median(raws[t.feature]) if t.neutral is None else t.neutral) for t in TERMS
        }
        self._finish()
        return self

    def _finish(self) -> None:
        self.base_ = self.intercept_ + float(sum(self.term(n, np.asarray(self.reference_[n])) for n in TERM_NAMES))
        self.feature_names_ = list(TERM_NAMES)
        self.format_ = RANKER_FORMAT
        self.classes_ = np.array([0, 1])
        self.n_features_in_ = len(RANKER_FEATURES)

    # ------------------------------------------------------------------------------------- the scoring core

    def term(self, feature: str, values: Any) -> np.ndarray:
        """One term of the logit at raw feature values of any shape (shift as SHIFTS indices): every path's
        score and every reason is a sum of these."""
        table = self.weights_[feature]
        x = np.asarray(values)
        if isinstance(table, tuple):  # (knots, values at the knots): piecewise linear, flat outside
            return np.interp(x, table[0], table[1])
        if isinstance(table, np.ndarray):  # one value per level
            return table[x.astype(np.int64, copy=False)]
        return table * x  # type: ignore[no-any-return]

    def logit(self, features: Mapping[str, Any], names: Iterable[str] = TERM_NAMES) -> np.ndarray:
        """The sum of the named terms (without the intercept) over feature arrays that broadcast together."""
        total: Any = 0.0
        for name in names:
            total = total + self.term(name, features[name])
        return np.asarray(total, dtype=float)

    def contributions_of(self, features: Mapping[str, Any]) -> dict[str, np.ndarray]:
        """Each term's share of the logit against the reference pair (they sum to logit - base_)."""
        check_is_fitted(self, "weights_")
        return {n: self.term(n, features[n]) - self.term(n, np.asarray(self.reference_[n])) for n in TERM_NAMES}

    # ------------------------------------------------------------------------------------- frames

    def _frame_features(self, X: pd.DataFrame) -> dict[str, np.ndarray]:
        check_is_fitted(self, "weights_")
        return {t.feature: _raw(t, X) for t in TERMS}

    def decision_function(self, X: pd.DataFrame) -> np.ndarray:
        features = self._frame_features(X)  # first: an unfitted ranker says NotFittedError, not AttributeError
        return self.intercept_ + self.logit(features)

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        p = 1.0 / (1.0 + np.exp(-self.decision_function(X)))
        return np.column_stack([1 - p, p])

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        return (self.predict_proba(X)[:, 1] >= 0.5).astype(int)

    def contributions(self, X: pd.DataFrame) -> pd.DataFrame:
        """`contributions_of` for `pair_features` rows (rows sum to decision_function - base_)."""
        parts = self.contributions_of(self._frame_features(X))
        return pd.DataFrame({n: np.broadcast_to(parts[n], (len(X),)) for n in TERM_NAMES}, index=X.index)

    def signed_weights(self) -> dict[str, float]:
        """Per signed term, its effect from the reference to the far end of its range (for reports)."""
        out = {}
        for t in TERMS:
            if t.sign:
                table = self.weights_[t.feature]
                out[t.feature] = float(table[1][-1] if isinstance(table, tuple) else table)
        return out


def _basis_names(term: Term, block: np.ndarray) -> list[str]:
    if term.levels:
        return [f"{term.feature}={level}" for level in term.levels]
    if term.knots:
        k = term.knots
        return [f"{term.feature}[{k[i]:.2f},{k[i + 1]:.2f}]" for i in range(len(k) - 1)]
    return [term.feature]


def _tabulate(raw: np.ndarray, blocks: list[np.ndarray]) -> dict[str, Any]:
    """Raw slopes per basis column as each term's shape: weight, (knots, values), or values per level."""
    out: dict[str, Any] = {}
    at = 0
    for term, block in zip(TERMS, blocks, strict=True):
        slopes = raw[at : at + block.shape[1]]
        at += block.shape[1]
        if term.levels:
            out[term.feature] = slopes.astype(float).copy()
        elif term.knots:
            knots = np.asarray(term.knots, dtype=float)
            out[term.feature] = (knots, np.concatenate([[0.0], np.cumsum(slopes * np.diff(knots))]))
        else:
            out[term.feature] = float(slopes[0])
    return out


def _fit_bounded_logistic(
    Z: np.ndarray, y: np.ndarray, weight: np.ndarray, signs: np.ndarray, C: float
) -> tuple[np.ndarray, float]:
    """argmin mean weighted logistic loss + |coef|^2 / (2 C n) with coef_j >= 0 (sign +1) or <= 0 (sign -1)."""
    n, d = Z.shape
    total = weight.sum()
    penalty = 1.0 / (C * n)

    def loss(theta: np.ndarray) -> tuple[float, np.ndarray]:
        coef, b = theta[:d], theta[d]
        z = Z @ coef + b
        p = 0.5 * (1.0 + np.tanh(0.5 * z))  # the logistic, without overflow
        value = float(np.dot(weight, np.logaddexp(0.0, z) - y * z) / total + 0.5 * penalty * np.dot(coef, coef))
        r = weight * (p - y) / total
        return value, np.concatenate([Z.T @ r + penalty * coef, [r.sum()]])

    bounds = [(0.0, None) if s > 0 else (None, 0.0) if s < 0 else (None, None) for s in signs] + [(None, None)]
    share = float(np.clip(np.dot(weight, y) / total, 1e-6, 1 - 1e-6))
    start = np.concatenate([np.zeros(d), [np.log(share / (1 - share))]])
    result = minimize(loss, start, jac=True, method="L-BFGS-B", bounds=bounds, options={"maxiter": 2000})
    return result.x[:d], float(result.x[d])


class RuleBaseline(RetentionRanker):
    """Occupation match plus wage, fixed weights: the baseline of `evaluate matcher` and the API's fallback.

    Its score is a logistic squash of a hand-weighted sum, not a probability; it needs no training data.
    """

    WEIGHTS = {
        "occupation_desired": 2.0,
        "occupation_skilled": 1.0,
        "occupation_wish_family": 0.5,
        "occupation_skill_family": 0.5,
    }
    WAGE_GAP_SLOPE = 2.0

    def fit(self, X: pd.DataFrame | None = None, y: Iterable[Any] | None = None) -> RuleBaseline:
        weights: dict[str, Any] = {}
        for t in TERMS:
            if t.levels:
                weights[t.feature] = np.zeros(len(t.levels))
            elif t.knots:
                knots = np.asarray(t.knots, dtype=float)
                slope = self.WAGE_GAP_SLOPE if t.feature == "wage_gap" else 0.0
                weights[t.feature] = (knots, slope * (knots - knots[0]))
            else:
                weights[t.feature] = self.WEIGHTS.get(t.feature, 0.0)
        self.weights_ = weights
        self.coef_ = np.zeros(0)
        self.basis_names_: list[str] = []
        self.intercept_ = -1.0 - self.WAGE_GAP_SLOPE  # the wage shape starts at gap -1: logit = -1 at gap 0
        self.reference_ = {t.feature: 0.0 if t.neutral is None else float(t.neutral) for t in TERMS}
        self._finish()
        return self
