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


# ------------------------------------------------------------------ vectorised == straightforward reference


def _ref_prefecture(code: str) -> str:
    return code[:4] + "00"


def _ref_channel(west: str, east: str) -> str:
    if west[:2] != east[:2]:
        return "cross_region"
    return "local" if west == east else "nearby"


def _ref_paired(west: str, east: str, pairs: frozenset[tuple[str, str]]) -> bool:
    wp, ep = _ref_prefecture(west), _ref_prefecture(east)
    return any(p in pairs for p in ((east, west), (ep, wp), (ep, west), (east, wp)))


def _ref_items(items: object) -> list[object]:
    return list(items) if isinstance(items, (list, tuple, np.ndarray)) else []


def _ref_contains(items: object, code: object, family: bool) -> bool:
    if not isinstance(code, str):
        return False
    if family:
        return code[:7] in {str(c)[:7] if isinstance(c, str) else "" for c in _ref_items(items)}
    return code in set(_ref_items(items))


def _random_pairs(n: int, seed: int) -> tuple[pd.DataFrame, frozenset[tuple[str, str]]]:
    rng = np.random.default_rng(seed)
    counties = ["451228", "450225", "450102", "451200", "440306", "441900", "440300", "450200", "450203"]
    codes = ["6-05-01-02", "6-05-01-03", "6-05-02-01", "4-03-02-05", "6-28-02-01", "4-07-01-03"]

    def some(low: int) -> object:
        pick = rng.random()
        if pick < 0.1:
            return None
        if pick < 0.15:
            return np.nan
        if pick < 0.25:
            return []
        items = list(rng.choice(codes, rng.integers(low, 4), replace=False))
        return tuple(items) if pick > 0.9 else items

    frame = pd.DataFrame(
        {
            "worker_county": rng.choice(counties[:4], n),
            "worker_lon": rng.uniform(106, 110, n),
            "worker_lat": np.where(rng.random(n) < 0.05, np.nan, rng.uniform(22, 26, n)),
            "education": rng.choice([*EDU_NAMES, None], n),
            "skills": [some(0) for _ in range(n)],
            "desired_occupations": [some(1) for _ in range(n)],
            "channel_preference": rng.choice(["any", "cross_region", "local", "nearby", None], n),
            "expected_wage": rng.choice([np.nan, 0, 3000, 4500, 5500], n),
            "dependants": rng.choice([np.nan, 0, 1, 2], n),
            "monitored_household": rng.choice([True, False, None], n),
            "prior_placements": rng.integers(0, 3, n),
            "prior_early_exits": rng.integers(0, 2, n),
            "vacancy_county": rng.choice(counties, n),
            "vacancy_lon": rng.uniform(106, 115, n),
            "vacancy_lat": rng.uniform(21, 26, n),
            "occupation_code": [
                None if rng.random() < 0.1 else (np.nan if rng.random() < 0.05 else rng.choice(codes)) for _ in range(n)
            ],  # fmt: skip
            "wage_min": rng.integers(2000, 5000, n),
            "wage_max": rng.integers(5000, 8000, n),
            "housing": rng.choice([True, False, None], n),
            "meals": rng.choice([True, False, None], n),
            "shift": rng.choice(["day", "two_shift", "three_shift", None], n),
            "contract_months": rng.choice([np.nan, 6, 12], n),
            "paired": rng.random(n) < 0.3,
        },
        index=rng.permutation(np.arange(1000, 1000 + n)),  # a non-default index is kept
    )
    pairs = paired_lookup([("440300", "451200"), ("441900", "450225"), ("440306", "450102")])
    return frame, pairs


EDU_NAMES = ["none", "primary", "junior_secondary", "senior_secondary", "vocational", "college", "bachelor_plus"]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_vectorised_features_equal_a_row_by_row_reference(seed: int) -> None:
    frame, pairs = _random_pairs(600, seed)
    got = pair_features(frame)
    assert list(got.index) == list(frame.index)
    for pos, (_, row) in enumerate(frame.iterrows()):
        west, east = str(row["worker_county"]), str(row["vacancy_county"])
        channel = _ref_channel(west, east)
        expected = row["expected_wage"]
        mid = (row["wage_min"] + row["wage_max"]) / 2
        gap = 0.0 if not (expected > 0) else max(-1.0, min(1.0, (mid - expected) / expected))
        pref = str(row["channel_preference"])
        want = {
            "wage_gap": gap,
            "cross_province": float(channel == "cross_region"),
            "channel_agrees": float(pref not in ("cross_region", "local", "nearby") or pref == channel),
            "occupation_desired": float(_ref_contains(row["desired_occupations"], row["occupation_code"], False)),
            "occupation_skilled": float(_ref_contains(row["skills"], row["occupation_code"], False)),
            "occupation_family": float(
                _ref_contains(row["desired_occupations"], row["occupation_code"], True)
                or _ref_contains(row["skills"], row["occupation_code"], True)
            ),
            "occupation_wish_family": float(_ref_contains(row["desired_occupations"], row["occupation_code"], True)),
            "occupation_skill_family": float(_ref_contains(row["skills"], row["occupation_code"], True)),
        }
        have = got.iloc[pos]
        for name, value in want.items():
            assert have[name] == pytest.approx(value), (pos, name, row.to_dict())
        assert channel_of(pd.Series([west]), pd.Series([east]))[0] == channel
    # Pairings, vectorised, against the row-by-row rule.
    paired = is_paired(frame["worker_county"], frame["vacancy_county"], pairs)
    homes, places = frame["worker_county"], frame["vacancy_county"]
    want_paired = [_ref_paired(str(w), str(v), pairs) for w, v in zip(homes, places, strict=True)]
    assert paired.tolist() == want_paired and any(want_paired) and not all(want_paired)
    assert got["occupation_desired"].sum() > 0 and got["occupation_family"].sum() > got["occupation_desired"].sum()
