"""The unchanged pipeline on classic survival tables it was never tuned on: within a sane band of Cox."""

import numpy as np
import pandas as pd
import pytest
from lifelines import datasets

from matching.departure import DiscreteTimeHazard, cross_validate
from matching.survival import surv_target

TABLES = {
    "rossi": (datasets.load_rossi, "week", "arrest"),
    "gbsg2": (datasets.load_gbsg2, "time", "cens"),
}


@pytest.mark.parametrize("name", list(TABLES))
def test_unseen_table_matches_cox_and_is_not_implausible(name):
    loader, d, e = TABLES[name]
    frame = loader()
    result = cross_validate(frame.drop(columns=[d, e]), frame[d], frame[e], folds=3)
    cox = result["baseline"]
    assert result["n"] == len(frame) and result["events"] == int(frame[e].sum())
    assert result["c_index"] >= cox["c_index"] - 0.03, result
    assert result["c_index"] < 0.85  # higher would suggest leakage on these tables
    assert result["integrated_brier"] <= result["kaplan_meier"]["integrated_brier"] + 0.005, result


def test_survival_is_monotone_and_the_risk_rises_with_a_harmful_feature():
    rng = np.random.default_rng(0)
    n = 600
    x = rng.normal(size=n)
    t = rng.exponential(30 * np.exp(-0.8 * x))
    c = rng.uniform(0, 60, n)
    X = pd.DataFrame({"x": x, "noise": rng.choice(["a", "b", "c"], n)})
    model = DiscreteTimeHazard().fit(X, surv_target(t <= c, np.minimum(t, c)))
    surv = model.predict_survival(pd.DataFrame({"x": [-1.0, 1.0], "noise": ["a", "a"]}), [5, 10, 20, 40])
    assert np.all(np.diff(surv, axis=1) <= 1e-12)
    assert surv[1, -1] < surv[0, -1]  # x = 1 leaves sooner
