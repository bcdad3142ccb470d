"""Pair features: the facts a clerk would check by hand come out of the frame."""

import numpy as np
import pandas as pd
import pytest

from matching.features import PAIR_FEATURES, channel_of, haversine_km, is_paired, pair_features, paired_lookup

BAOAN, DUAN, SHENZHEN = "440306", "451228", "440300"


def _pair(**overrides: object) -> dict[str, object]:
    row: dict[str, object] = {
        "worker_county": DUAN,
        "worker_lon": 108.1,
        "worker_lat": 23.93,
        "education": "junior_secondary",
        "skills": ["6-05-01-02"],
        "desired_occupations": ["6-28-02-01"],
        "channel_preference": "cross_region",
        "expected_wage": 5000,
        "dependants": 1,
        "monitored_household": False,
        "prior_placements": 0,
        "prior_early_exits": 0,
        "vacancy_county": BAOAN,
        "vacancy_lon": 113.88,
        "vacancy_lat": 22.55,
        "occupation_code": "6-28-02-01",
        "wage_min": 5000,
        "wage_max": 7000,
        "housing": False,
        "meals": True,
        "shift": "two_shift",
        "contract_months": None,
        "paired": True,
    }
    row.update(overrides)
    return row


def test_wage_gap_distance_and_occupation_match() -> None:
    out = pair_features(pd.DataFrame([_pair()]))
    assert list(out.columns[: len(PAIR_FEATURES)]) == list(PAIR_FEATURES)
    row = out.iloc[0]
    assert row["wage_gap"] == pytest.approx(0.2)
    assert 550 < row["distance_km"] < 700
    assert row["far_no_housing"] == 1.0
    assert row["occupation_desired"] == 1.0 and row["occupation_skilled"] == 0.0 and row["occupation_family"] == 1.0
    assert row["channel_agrees"] == 1.0 and row["cross_province"] == 1.0


def test_no_expectation_means_no_gap_and_housing_removes_the_far_flag() -> None:
    out = pair_features(pd.DataFrame([_pair(expected_wage=None, housing=True, occupation_code=None)]))
    assert out.iloc[0]["wage_gap"] == 0.0
    assert out.iloc[0]["far_no_housing"] == 0.0
    assert out.iloc[0]["occupation_desired"] == 0.0


def test_missing_column_is_named() -> None:
    with pytest.raises(ValueError, match="paired"):
        pair_features(pd.DataFrame([_pair()]).drop(columns=["paired"]))


def test_channels_and_pairings() -> None:
    workers = pd.Series([DUAN, DUAN, DUAN])
    vacancies = pd.Series([BAOAN, DUAN, "450102"])
    assert list(channel_of(workers, vacancies)) == ["cross_region", "local", "nearby"]
    pairs = paired_lookup([(SHENZHEN, "451200")])  # Shenzhen-Hechi at prefecture level
    assert list(is_paired(workers, vacancies, pairs)) == [True, False, False]
    assert haversine_km(np.array([0.0]), np.array([0.0]), np.array([1.0]), np.array([0.0]))[0] == pytest.approx(
        111.2, 0.01
    )
