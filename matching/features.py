"""Worker-vacancy pair features shared by the ranker and the departure model: one definition of "a good fit".

Everything here is pure pandas/numpy. The caller (the service layer) builds one row per (worker, vacancy) pair
with the columns in ``PAIR_INPUT_COLUMNS`` and gets back the model inputs in ``PAIR_FEATURES``. Sex, ethnicity
and age are deliberately absent: they are not model inputs.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

# What the caller supplies, one row per pair (list columns hold occupation codes such as "6-05-01-02").
PAIR_INPUT_COLUMNS = (
    "worker_county",  # hukou county code (GB/T 2260)
    "worker_lon",
    "worker_lat",
    "education",  # see EDUCATION_RANK
    "skills",  # list of occupation codes
    "desired_occupations",  # list of occupation codes
    "channel_preference",  # cross_region, local, nearby, any
    "expected_wage",  # CNY/month or NaN
    "dependants",
    "monitored_household",
    "prior_placements",  # placements that ended before this one started
    "prior_early_exits",  # of them, ended within 90 days
    "vacancy_county",
    "vacancy_lon",
    "vacancy_lat",
    "occupation_code",  # the vacancy's (may be NaN)
    "wage_min",
    "wage_max",
    "housing",
    "meals",
    "shift",  # day, two_shift, three_shift
    "contract_months",  # NaN when none
    "paired",  # the worker's county or prefecture is paired with the vacancy's county or city
)

# What the models see.
NUMERIC_FEATURES = (
    "wage_gap",  # (mid wage - expected) / expected, clipped to [-1, 1]; 0 when no expectation
    "wage_mid_k",  # mid wage in thousands
    "log_distance_km",
    "far_no_housing",  # > 150 km from home and no dormitory
    "cross_province",
    "occupation_desired",  # vacancy occupation is one the worker asked for
    "occupation_skilled",  # ... or one they have worked in
    "occupation_family",  # same level-3 group as a desired or skilled one
    "education_rank",
    "dependants",
    "monitored_household",
    "housing",
    "meals",
    "contract_months",
    "paired",
    "prior_placements",
    "prior_early_exits",
    "channel_agrees",  # the vacancy's channel is the one the worker prefers (or they said any)
)
CATEGORICAL_FEATURES = ("shift",)
PAIR_FEATURES = NUMERIC_FEATURES + CATEGORICAL_FEATURES
# Worker history and household: the departure model reads them for risk and support; the ranker never does,
# because across workers (a vacancy's candidates, allocations) they would sink earlier leavers and monitored
# households, and a flag must never lower a worker's standing.
WORKER_HISTORY_FEATURES = ("dependants", "monitored_household", "prior_placements", "prior_early_exits")
# The ranker splits `occupation_family` by its evidence: a wish's family is not experience, and a reason about
# experience needs a skill or past job behind it. Extra columns, so the departure model's inputs stay as they are.
OCCUPATION_SPLIT_FEATURES = (
    "occupation_wish_family",  # same level-3 group as an occupation the worker asked for
    "occupation_skill_family",  # same level-3 group as a skill or past job
)
RANKER_NUMERIC_FEATURES = (
    tuple(f for f in NUMERIC_FEATURES if f not in WORKER_HISTORY_FEATURES and f != "occupation_family")
    + OCCUPATION_SPLIT_FEATURES
)
RANKER_FEATURES = RANKER_NUMERIC_FEATURES + CATEGORICAL_FEATURES

EDUCATION_RANK = {
    "none": 0,
    "primary": 1,
    "junior_secondary": 2,
    "senior_secondary": 3,
    "vocational": 3,
    "college": 4,
    "bachelor_plus": 5,
}
CHANNEL_NAMES = ("cross_region", "local", "nearby")
FAR_KM = 150.0  # beyond this a daily commute is impossible: the worker lives where the job is


def haversine_km(lon1: np.ndarray, lat1: np.ndarray, lon2: np.ndarray, lat2: np.ndarray) -> np.ndarray:
    """Great-circle distance; good to a few km, which is all a commute question needs."""
    lon1, lat1, lon2, lat2 = (np.radians(np.asarray(a, dtype=float)) for a in (lon1, lat1, lon2, lat2))
    a = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6371.0 * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


def far_no_housing(distance_km: np.ndarray, housing: np.ndarray) -> np.ndarray:
    """Too far to go home at night and no dormitory: the one place the two facts combine."""
    return (np.asarray(distance_km) > FAR_KM) & ~np.asarray(housing, dtype=bool)


def wage_gap(mid: np.ndarray, expected: np.ndarray) -> np.ndarray:
    """(mid wage - expected) / expected clipped to [-1, 1]; 0 when the worker named no expectation."""
    with np.errstate(divide="ignore", invalid="ignore"):
        gap = np.where(expected > 0, (mid - expected) / expected, 0.0)
    return np.clip(np.nan_to_num(gap), -1.0, 1.0)


def _as_str(codes: pd.Series | np.ndarray) -> np.ndarray:
    return pd.Series(codes).astype(str).to_numpy()


def channel_of(worker_county: pd.Series, vacancy_county: pd.Series) -> np.ndarray:
    """cross_region: another province; local: the home county; nearby: elsewhere in the home province."""
    w_ids, w_uniq = pd.factorize(_as_str(worker_county))
    e_ids, e_uniq = pd.factorize(_as_str(vacancy_county))
    provinces = {code[:2]: 0 for code in (*w_uniq, *e_uniq)}  # the few distinct codes, numbered
    provinces = {p: i for i, p in enumerate(provinces)}
    counties = {code: i for i, code in enumerate(dict.fromkeys((*w_uniq, *e_uniq)))}
    w_prov = np.array([provinces[c[:2]] for c in w_uniq], dtype=np.int64)[w_ids]
    e_prov = np.array([provinces[c[:2]] for c in e_uniq], dtype=np.int64)[e_ids]
    same_county = (
        np.array([counties[c] for c in w_uniq], dtype=np.int64)[w_ids]
        == np.array([counties[c] for c in e_uniq], dtype=np.int64)[e_ids]
    )
    return np.where(w_prov != e_prov, "cross_region", np.where(same_county, "local", "nearby"))


def prefecture_of(code: str) -> str:
    """GB/T 2260: a county's prefecture is its first four digits; Dongguan/Zhongshan are their own."""
    return code[:4] + "00"


def paired_lookup(pairings: Iterable[tuple[str, str]]) -> frozenset[tuple[str, str]]:
    """(east_code, west_code) pairs at county or prefecture level, for `is_paired`."""
    return frozenset((str(east), str(west)) for east, west in pairings)


def is_paired(worker_county: pd.Series, vacancy_county: pd.Series, pairs: frozenset[tuple[str, str]]) -> np.ndarray:
    """True where the worker's county or its prefecture is paired with the vacancy's county or its city.

    Integer-coded: the few distinct codes are numbered once, each pair becomes one integer key, and the rows
    are tested with one `np.isin` per level instead of a Python loop over rows.
    """
    west, east = _as_str(worker_county), _as_str(vacancy_county)
    if not pairs or not len(west):
        return np.zeros(len(west), dtype=bool)
    w_ids, w_uniq = pd.factorize(west)
    e_ids, e_uniq = pd.factorize(east)
    names: dict[str, int] = {}
    for code in (*w_uniq, *e_uniq, *(c for pair in pairs for c in pair)):
        names.setdefault(code, len(names))
        names.setdefault(prefecture_of(code), len(names))
    size = len(names)

    def ids(uniq: np.ndarray, codes: np.ndarray, prefecture: bool) -> np.ndarray:
        table = np.array([names[prefecture_of(c) if prefecture else c] for c in uniq], dtype=np.int64)
        return table[codes]

    keys = np.array([names[e] * size + names[w] for e, w in pairs], dtype=np.int64)
    out = np.zeros(len(west), dtype=bool)
    for e_pref in (False, True):
        for w_pref in (False, True):
            out |= np.isin(ids(e_uniq, e_ids, e_pref) * size + ids(w_uniq, w_ids, w_pref), keys)
    return out


def _family(code: object) -> str:
    return str(code)[:7] if isinstance(code, str) else ""


def _explode(lists: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """(row position, item) for every item of every list-like cell; None, NaN and empty lists give nothing."""
    items = pd.Series(lists.to_numpy(dtype=object), dtype=object).explode()  # Cython, not a Python loop
    keep = items.notna().to_numpy()
    return items.index.to_numpy()[keep], items.to_numpy(dtype=object)[keep]


def _contains(lists: pd.Series, codes: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Row-wise (`code in list`, same level-3 family) on integer-coded lists exploded once.

    Only the distinct codes and items are touched in Python (to number them); the rows are compared as
    integers, so the cost per pair is a few array operations.
    """
    code_ids, code_uniq = pd.factorize(codes.to_numpy(dtype=object))  # None/NaN -> -1: never a match
    rows, items = _explode(lists)
    item_ids, item_uniq = pd.factorize(items)
    row_code = code_ids[rows]
    known = row_code >= 0
    found = []
    for key in (lambda c: c, _family):
        vocab: dict[object, int] = {}
        item_keys = np.array([vocab.setdefault(key(c), len(vocab)) for c in item_uniq], dtype=np.int64)
        code_keys = np.array([vocab.get(key(c), -1) if isinstance(c, str) else -1 for c in code_uniq], dtype=np.int64)
        hit = np.zeros(len(rows), dtype=bool)
        hit[known] = code_keys[row_code[known]] == item_keys[item_ids[known]]  # -1 (not a code) never equals
        out = np.zeros(len(code_ids), dtype=bool)
        out[rows[hit]] = True
        found.append(out)
    return found[0], found[1]


def _filled(column: pd.Series, default: float) -> np.ndarray:
    """Floats with missing values as `default`; object columns (bools with None) without pandas' downcast."""
    values = pd.to_numeric(column, errors="coerce").to_numpy(dtype=float)
    return np.where(np.isnan(values), default, values)


def pair_features(pairs: pd.DataFrame) -> pd.DataFrame:
    """Model inputs for each worker-vacancy row; index preserved so callers can join back."""
    missing = [c for c in PAIR_INPUT_COLUMNS if c not in pairs.columns]
    if missing:
        raise ValueError(f"pair_features needs columns {missing}")
    expected = pd.to_numeric(pairs["expected_wage"], errors="coerce").to_numpy(dtype=float)
    mid = (pairs["wage_min"].to_numpy(dtype=float) + pairs["wage_max"].to_numpy(dtype=float)) / 2
    distance = haversine_km(pairs["worker_lon"], pairs["worker_lat"], pairs["vacancy_lon"], pairs["vacancy_lat"])
    distance = np.nan_to_num(distance, nan=0.0)
    housing = _filled(pairs["housing"], 0.0).astype(bool)
    vacancy_channel = channel_of(pairs["worker_county"], pairs["vacancy_county"])
    cross_province = vacancy_channel == "cross_region"
    preference = pairs["channel_preference"].astype(str).to_numpy()
    codes = pairs["occupation_code"]
    desired, desired_family = _contains(pairs["desired_occupations"], codes)
    skilled, skilled_family = _contains(pairs["skills"], codes)
    family = desired_family | skilled_family
    out = pd.DataFrame(
        {
            "wage_gap": wage_gap(mid, expected),
            "wage_mid_k": mid / 1000.0,
            "log_distance_km": np.log1p(distance),
            "far_no_housing": far_no_housing(distance, housing).astype(float),
            "cross_province": cross_province.astype(float),
            "occupation_desired": desired.astype(float),
            "occupation_skilled": skilled.astype(float),
            "occupation_family": family.astype(float),
            "education_rank": pairs["education"].map(EDUCATION_RANK).fillna(0).to_numpy(dtype=float),
            "dependants": _filled(pairs["dependants"], 0.0),
            "monitored_household": _filled(pairs["monitored_household"], 0.0),
            "housing": housing.astype(float),
            "meals": _filled(pairs["meals"], 0.0),
            "contract_months": pd.to_numeric(pairs["contract_months"], errors="coerce").fillna(0).to_numpy(float),
            "paired": _filled(pairs["paired"], 0.0),
            "prior_placements": _filled(pairs["prior_placements"], 0.0),
            "prior_early_exits": _filled(pairs["prior_early_exits"], 0.0),
            # "any", or no usable preference (the hard rule admits everything then too), always agrees.
            "channel_agrees": (~np.isin(preference, CHANNEL_NAMES) | (preference == vacancy_channel)).astype(float),
            "shift": pairs["shift"].fillna("day").astype(str).to_numpy(),
        },
        index=pairs.index,
    )
    out["occupation_wish_family"] = desired_family.astype(float)
    out["occupation_skill_family"] = skilled_family.astype(float)
    out["distance_km"] = distance  # kept for reasons ("620 km from home"), not a model input
    return out
