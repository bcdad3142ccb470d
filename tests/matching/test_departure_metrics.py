"""The censoring-aware metrics and the person-period expansion, against cases worked out by hand."""

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from matching.departure import (
    DiscreteTimeHazard,
    KaplanMeier,
    brier_scores,
    cumulative_dynamic_auc,
    infer_columns,
    precision_at_top,
    uno_c_index,
)


def test_kaplan_meier_by_hand():
    # times 1 (event), 2 (censored), 3 (event), 4 (event): S(1)=3/4, S(3)=3/4*1/2, S(4)=0
    km = KaplanMeier().fit(np.array([1, 2, 3, 4]), np.array([1, 0, 1, 1]))
    assert km.survival([0.5, 1, 2, 3, 4]).tolist() == pytest.approx([1, 0.75, 0.75, 0.375, 0.0])
    assert km.survival_before([1, 3]).tolist() == pytest.approx([1.0, 0.75])


def test_uno_c_without_censoring_is_harrell():
    d = np.array([1.0, 2, 3, 4])
    e = np.ones(4, bool)
    # Pairs (i earlier): (1,2) (1,3) (1,4) (2,3) (2,4) (3,4). Risks make 5 concordant and 1 discordant.
    risk = np.array([4.0, 2, 3, 1])
    assert uno_c_index(d, e, d, e, risk) == pytest.approx(5 / 6)
    # A tie in risk counts a half.
    assert uno_c_index(d, e, d, e, np.array([4.0, 3, 3, 1])) == pytest.approx(5.5 / 6)


def test_uno_c_weights_by_the_censoring_distribution():
    # Training censoring: at t=2 one of the 3 rows still observed is censored -> G = 1 before 2, 2/3 from 2 on.
    d_train = np.array([1.0, 2, 3, 4])
    e_train = np.array([1, 0, 1, 1], bool)
    d = np.array([1.0, 3, 4])
    e = np.array([1, 1, 0], bool)
    risk = np.array([1.0, 3, 2])  # pair (1, 3): discordant, (1, 4): discordant, (3, 4): concordant
    # weights: subject at t=1 -> 1/G(1-)^2 = 1, two comparable pairs; at t=3 -> 1/(2/3)^2, one pair.
    w3 = 1 / (2 / 3) ** 2
    assert uno_c_index(d_train, e_train, d, e, risk) == pytest.approx(w3 / (2 + w3))


def test_auc_without_censoring_is_the_plain_roc_auc():
    rng = np.random.default_rng(1)
    d = rng.exponential(10, 200)
    e = np.ones(200, bool)
    risk = -d + rng.normal(0, 5, 200)
    t = 8.0
    expected = roc_auc_score(d <= t, risk)
    assert cumulative_dynamic_auc(d, e, d, e, risk, t) == pytest.approx(expected)


def test_brier_without_censoring_is_the_squared_error_of_survival():
    d = np.array([1.0, 2, 3, 4])
    e = np.ones(4, bool)
    s = np.array([[0.2], [0.5], [0.9], [0.6]])
    # at t=2.5: rows 1, 2 have left (target 0), rows 3, 4 are still there (target 1)
    expected = np.mean([0.2**2, 0.5**2, 0.1**2, 0.4**2])
    assert brier_scores(d, e, d, e, s, [2.5])[0] == pytest.approx(expected)


def test_brier_reweights_censored_rows_out():
    d_train = np.array([1.0, 2, 3, 4])
    e_train = np.array([1, 0, 1, 1], bool)  # G = 2/3 from t = 2
    d = np.array([1.0, 2, 3])
    e = np.array([1, 0, 0], bool)
    s = np.array([[0.5], [0.5], [0.8]])
    # t=2.5: row 1 left (weight 1/G(1-)=1), row 2 censored before t (weight 0), row 3 still there (1/G(2.5)=3/2)
    expected = (0.5**2 + 0.2**2 * 3 / 2) / 3
    assert brier_scores(d_train, e_train, d, e, s, [2.5])[0] == pytest.approx(expected)


def test_person_period_rows_never_count_a_censored_row_as_left():
    model = DiscreteTimeHazard(cuts=[0, 10, 20, 30])
    model.cuts_ = np.array([0.0, 10, 20, 30])
    rows, periods, target, weight = model.expand(np.array([25.0, 25.0, 0.0, 10.0]), np.array([1, 0, 1, 0]))
    by_row = {r: list(zip(periods[rows == r], target[rows == r], weight[rows == r], strict=True)) for r in range(4)}
    assert by_row[0] == [(0, 0, 1.0), (1, 0, 1.0), (2, 1, 1.0)]  # left in (20, 30]
    assert by_row[1] == [(0, 0, 1.0), (1, 0, 1.0), (2, 0, pytest.approx(0.5))]  # censored half-way: half a period
    assert by_row[2] == [(0, 1, 1.0)]  # a duration of 0 that is an event: the first period
    assert by_row[3] == [(0, 0, 1.0)]  # censored at exactly 10: the whole first period, nothing more


def test_columns_are_typed_and_identifiers_dropped():
    import pandas as pd

    n = 40
    frame = pd.DataFrame(
        {
            "id": [f"A{i}" for i in range(n)],
            "row": range(n),
            "const": 1,
            "flag": [True, False] * 20,
            "group": ["a", "b", None, "c"] * 10,
            "x": np.linspace(0, 1, n),
        }
    )
    cols = infer_columns(frame)
    assert cols["dropped"] == {"id": "identifier", "row": "identifier", "const": "constant"}
    assert cols["numeric"] == ["flag", "x"] and cols["categorical"] == ["group"]


def test_precision_at_top():
    risk = np.arange(20, dtype=float)
    left = np.zeros(20, bool)
    left[[19, 5]] = True
    assert precision_at_top(risk, left, 0.1) == pytest.approx(0.5)  # the two highest: 19 (left) and 18
