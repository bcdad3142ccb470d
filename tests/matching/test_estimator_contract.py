"""Every estimator in matching/ keeps scikit-learn's contract, as far as the contract applies to it.

`parametrize_with_checks` in full feeds random numeric arrays and 0/1 or real targets. These estimators refuse
those by design: the ranker and the departure models read named feature frames (`pair_features`, the
departure features), the departure models take a structured (event, duration) target as scikit-survival does,
and the normaliser reads job titles. So the suite runs the checks of the estimator API itself (construction,
get_params/set_params, cloning, repr, tags), and on their own data the checks that matter for fitting:
parameters untouched by fit, fitted state only in trailing-underscore attributes, NotFittedError before fit,
the same predictions from a clone fitted on the same data.
"""

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.utils import estimator_checks as checks

from matching.departure import CoxBaseline, DiscreteTimeHazard, KaplanMeierBaseline
from matching.features import pair_features
from matching.occupations import OccupationNormaliser
from matching.ranking import RetentionRanker, RuleBaseline, cross_pairs
from matching.survival import surv_target
from tests.matching.test_ranking import PAIRS, make_vacancies, make_workers

ESTIMATORS = [
    RetentionRanker(),
    RuleBaseline(),
    OccupationNormaliser(),
    KaplanMeierBaseline(),
    CoxBaseline(),
    DiscreteTimeHazard(),
]
API_CHECKS = [
    checks.check_no_attributes_set_in_init,
    checks.check_parameters_default_constructible,
    checks.check_get_params_invariance,
    checks.check_set_params,
    checks.check_estimator_cloneable,
    checks.check_estimator_repr,
    checks.check_estimator_tags_renamed,
    checks.check_do_not_raise_errors_in_init_or_set_params,
    checks.check_mixin_order,
]


@pytest.mark.parametrize("check", API_CHECKS, ids=lambda c: c.__name__)
@pytest.mark.parametrize("estimator", ESTIMATORS, ids=lambda e: type(e).__name__)
def test_the_estimator_api(estimator, check):
    check(type(estimator).__name__, clone(estimator))


def _survival_data() -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(3)
    n = 400
    x = rng.normal(size=n)
    t = rng.exponential(30 * np.exp(-0.8 * x))
    c = rng.uniform(0, 60, n)
    X = pd.DataFrame({"x": x, "group": rng.choice(["a", "b"], n)})
    return X, surv_target(t <= c, np.minimum(t, c))


def _ranker_data() -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(1)
    X = pair_features(cross_pairs(make_workers(30, rng), make_vacancies(20, rng), PAIRS))
    return X, rng.random(len(X)) < 0.6


FITTED = {
    "DiscreteTimeHazard": (DiscreteTimeHazard(C=0.5, boost_max_iter=20), _survival_data, "predict_survival"),
    "CoxBaseline": (CoxBaseline(penalizer=0.05), _survival_data, "predict_survival"),
    "KaplanMeierBaseline": (KaplanMeierBaseline(), _survival_data, "predict_survival"),
    "RetentionRanker": (RetentionRanker(C=0.5), _ranker_data, "predict_proba"),
}


@pytest.mark.parametrize("name", list(FITTED))
def test_fit_keeps_its_parameters_and_a_clone_fitted_alike_predicts_alike(name):
    estimator, data, method = FITTED[name]
    X, y = data()
    fresh = clone(estimator)
    with pytest.raises(NotFittedError):
        getattr(fresh, method)(*((X, [10.0, 30.0]) if method == "predict_survival" else (X,)))
    before = fresh.get_params()
    attributes = set(vars(fresh))
    fitted = fresh.fit(X, y)
    assert fitted is fresh and fresh.get_params() == before
    assert all(a.endswith("_") for a in set(vars(fresh)) - attributes), set(vars(fresh)) - attributes
    args = (X, [10.0, 30.0]) if method == "predict_survival" else (X,)
    again = clone(estimator).fit(X, y)
    np.testing.assert_allclose(getattr(fresh, method)(*args), getattr(again, method)(*args))


@pytest.mark.parametrize("estimator", [DiscreteTimeHazard(), CoxBaseline(), KaplanMeierBaseline()], ids=type)
def test_a_survival_estimator_refuses_a_target_that_is_not_event_and_duration(estimator):
    X, y = _survival_data()
    with pytest.raises(ValueError, match="event"):
        clone(estimator).fit(X, y["duration"])


def test_the_departure_models_settings_are_parameters_the_fit_uses():
    X, y = _survival_data()
    loose, tight = DiscreteTimeHazard(C=100.0).fit(X, y), DiscreteTimeHazard(C=0.001).fit(X, y)
    assert loose.lr_ is not None and tight.lr_ is not None
    assert np.abs(tight.lr_.coef_).sum() < np.abs(loose.lr_.coef_).sum()
    assert DiscreteTimeHazard(boost_max_iter=7).get_params()["boost_max_iter"] == 7
