"""The ranker library: censoring, the estimator contract, reasons, and the batch top-k against brute force."""

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone

from matching.features import pair_features
from matching.ranking import (
    RetentionRanker,
    cross_pairs,
    outcome_known,
    reason_texts,
    top_k_batch,
    training_rows,
)

COUNTIES = [  # (code, lon, lat): Guangxi homes, Guangdong and Guangxi workplaces
    ("450225", 109.26, 25.07),
    ("451228", 108.10, 23.93),
    ("450100", 108.37, 22.82),
    ("441900", 113.75, 23.05),
    ("440306", 113.88, 22.55),
]
CODES = ["6-05-01-02", "6-05-02-01", "4-03-02-05", "6-25-04-01", "4-07-01-03"]
PAIRS = frozenset({("441900", "450200"), ("440306", "451228")})


def make_workers(n: int, rng: np.random.Generator) -> pd.DataFrame:
    home = rng.integers(0, 3, n)
    return pd.DataFrame(
        {
            "worker_id": np.arange(1, n + 1),
            "worker_county": [COUNTIES[h][0] for h in home],
            "worker_lon": [COUNTIES[h][1] for h in home],
            "worker_lat": [COUNTIES[h][2] for h in home],
            "education": rng.choice(["primary", "junior_secondary", "senior_secondary"], n),
            "skills": [list(rng.choice(CODES, rng.integers(0, 3), replace=False)) for _ in range(n)],
            "desired_occupations": [list(rng.choice(CODES, rng.integers(1, 3), replace=False)) for _ in range(n)],
            "channel_preference": rng.choice(["any", "cross_region", "local", "nearby"], n),
            "expected_wage": rng.choice([np.nan, 3000, 4500, 5500], n),
            "dependants": rng.integers(0, 3, n),
            "monitored_household": rng.random(n) < 0.1,
            "prior_placements": rng.integers(0, 3, n),
            "prior_early_exits": rng.integers(0, 2, n),
            "age": rng.integers(15, 60, n),
        }
    )


def make_vacancies(n: int, rng: np.random.Generator) -> pd.DataFrame:
    where = rng.integers(1, len(COUNTIES), n)
    wmin = rng.integers(2000, 5000, n)
    return pd.DataFrame(
        {
            "vacancy_id": np.arange(101, 101 + n),
            "employer_id": rng.integers(1, 6, n),
            "vacancy_county": [COUNTIES[h][0] for h in where],
            "vacancy_lon": [COUNTIES[h][1] for h in where],
            "vacancy_lat": [COUNTIES[h][2] for h in where],
            "occupation_code": [None if rng.random() < 0.1 else rng.choice(CODES) for _ in range(n)],
            "wage_min": wmin,
            "wage_max": wmin + rng.integers(0, 2000, n),
            "housing": rng.random(n) < 0.6,
            "meals": rng.random(n) < 0.5,
            "shift": rng.choice(["day", "two_shift", "three_shift"], n),
            "contract_months": rng.choice([np.nan, 6, 12], n),
            "min_age": rng.choice([16, 18], n),
            "max_age": rng.choice([np.nan, 35, 45], n),
            "education_min": rng.choice(["none", "junior_secondary"], n),
            "headcount_left": rng.integers(0, 5, n),
        }
    )


@pytest.fixture(scope="module")
def ranker() -> RetentionRanker:
    rng = np.random.default_rng(1)
    w, v = make_workers(60, rng), make_vacancies(40, rng)
    X = pair_features(cross_pairs(w, v, PAIRS))
    logit = 1.5 * X["wage_gap"] - 0.8 * X["far_no_housing"] + 0.7 * X["occupation_desired"] + 0.5 * X["paired"]
    y = rng.random(len(X)) < 1 / (1 + np.exp(-(logit - 0.2)))
    return RetentionRanker(random_state=0).fit(X, y)


def test_censored_placements_are_neither_success_nor_failure() -> None:
    start = pd.Series(pd.to_datetime(["2025-01-01", "2025-05-01", "2025-05-01", "2025-01-01", "2025-01-01"]))
    end = pd.Series(pd.to_datetime([None, None, "2025-05-20", "2025-02-01", "2025-07-01"]))
    known, lasted = outcome_known(start, end, "2025-06-01")
    # Running 151 days: lasted. Running 31 days: censored. Ended at 19 days: failed. Ended at 31: failed.
    # Ended after the cutoff (day 181): at the cutoff it had run 151 days, so lasted.
    assert known.tolist() == [True, False, True, True, True]
    assert lasted.tolist() == [True, False, False, False, True]
    assert training_rows(start, end, "2025-06-01").tolist() == [True, False, False, True, True]


def test_an_end_after_the_cutoff_is_not_seen_at_the_cutoff() -> None:
    start = pd.Series(pd.to_datetime(["2025-05-01"]))
    end = pd.Series(pd.to_datetime(["2025-05-20"]))
    known, _ = outcome_known(start, end, "2025-05-10")
    assert known.tolist() == [False]


def test_estimator_contract_and_learned_direction(ranker: RetentionRanker) -> None:
    assert clone(ranker).get_params() == ranker.get_params()
    coef = ranker.signed_weights()
    assert coef["wage_gap"] > 0 and coef["far_no_housing"] < 0 and coef["occupation_desired"] > 0
    with pytest.raises(ValueError):
        RetentionRanker().fit(pd.DataFrame({"wage_gap": [0.1]}), [1])


def test_contributions_add_up_to_the_logit(ranker: RetentionRanker) -> None:
    rng = np.random.default_rng(3)
    X = pair_features(cross_pairs(make_workers(5, rng), make_vacancies(5, rng), PAIRS))
    contrib = ranker.contributions(X)
    assert np.allclose(contrib.sum(axis=1) + ranker.base_, ranker.decision_function(X))


def test_reasons_are_bilingual_and_say_the_numbers(ranker: RetentionRanker) -> None:
    rng = np.random.default_rng(4)
    X = pair_features(cross_pairs(make_workers(4, rng), make_vacancies(6, rng), PAIRS))
    reasons = reason_texts(X, ranker.contributions(X), n=4)
    assert len(reasons) == len(X)
    flat = [r for rs in reasons for r in rs]
    assert flat and all(r["zh"] and r["en"] for r in flat)
    assert all(len(rs) <= 4 for rs in reasons) and np.mean([len(rs) for rs in reasons]) >= 2
    # Each says its direction, and the direction is the sign of the contribution behind it.
    assert all(r["zh"][:2] == r["en"][:2] == r["direction"] + " " for r in flat)
    assert all((r["effect"] > 0) == (r["direction"] == "+") for r in flat)
    wage = [r for r in flat if r["factor"] == "wage_gap" and "%" in r["en"]]
    assert wage, flat
    far = [r for r in flat if "km from home" in r["en"]]
    assert far and all("公里" in r["zh"] for r in far)


def brute_force(workers: pd.DataFrame, vacancies: pd.DataFrame, ranker: RetentionRanker, k: int) -> pd.DataFrame:
    """Every allowed pair scored through pair_features, hard rules applied row by row."""
    rows = []
    for _, wr in workers.iterrows():
        if wr["age"] < 16:
            continue
        for _, vr in vacancies.iterrows():
            if vr["headcount_left"] <= 0 or wr["age"] < vr["min_age"]:
                continue
            if not np.isnan(vr["max_age"]) and wr["age"] > vr["max_age"]:
                continue
            edu = {"none": 0, "primary": 1, "junior_secondary": 2, "senior_secondary": 3}
            if edu[wr["education"]] < edu[vr["education_min"]]:
                continue
            channel = (
                "cross_region"
                if wr["worker_county"][:2] != vr["vacancy_county"][:2]
                else ("local" if wr["worker_county"] == vr["vacancy_county"] else "nearby")
            )
            pref = wr["channel_preference"]
            admits = {"any": 3 * [True], "cross_region": [True, False, False], "local": [False, True, False]}
            admits["nearby"] = [False, True, True]
            if not admits[pref][("cross_region", "local", "nearby").index(channel)]:
                continue
            rows.append((wr, vr))
    if not rows:
        return pd.DataFrame()
    frame = pd.concat(
        [cross_pairs(pd.DataFrame([w]), pd.DataFrame([v]), PAIRS) for w, v in rows],
        ignore_index=True,
    )
    frame["score"] = ranker.predict_proba(pair_features(frame))[:, 1]
    frame = frame.sort_values(["worker_id", "score", "vacancy_id"], ascending=[True, False, True])
    frame["rank"] = frame.groupby("worker_id").cumcount() + 1
    return frame[frame["rank"] <= k]


def test_batch_top_k_equals_brute_force(ranker: RetentionRanker) -> None:
    rng = np.random.default_rng(7)
    workers, vacancies = make_workers(30, rng), make_vacancies(50, rng)
    got = top_k_batch(workers, vacancies, ranker, k=5, pairs=PAIRS, chunk_size=7)
    want = brute_force(workers, vacancies, ranker, 5)
    assert len(got) == len(want) > 0
    merged = got.merge(want[["worker_id", "vacancy_id", "score", "rank"]], on=["worker_id", "vacancy_id"])
    assert len(merged) == len(want)
    assert np.allclose(merged["score_x"], merged["score_y"])
    assert (merged["rank_x"] == merged["rank_y"]).all()
    # Stage (a) alone (no rerank) is the same model in matrix form: same scores.
    fast = top_k_batch(workers, vacancies, ranker, k=5, pairs=PAIRS, rerank=False)
    assert np.allclose(
        fast.sort_values(["worker_id", "rank"])["score"], got.sort_values(["worker_id", "rank"])["score"]
    )
    assert got.loc[got["worker_id"].isin(workers.loc[workers["age"] < 16, "worker_id"])].empty


def test_blocked_employers_and_boosts(ranker: RetentionRanker) -> None:
    rng = np.random.default_rng(8)
    workers, vacancies = make_workers(6, rng), make_vacancies(40, rng)
    workers["age"] = 30
    workers["channel_preference"] = "any"
    workers["education"] = "senior_secondary"
    plain = top_k_batch(workers, vacancies, ranker, k=40, pairs=PAIRS)
    blocked = workers.assign(blocked_employers=[[1, 2]] * len(workers))
    out = top_k_batch(blocked, vacancies, ranker, k=40, pairs=PAIRS)
    employers = vacancies.set_index("vacancy_id")["employer_id"]
    assert not out["vacancy_id"].map(employers).isin([1, 2]).any()
    assert plain["vacancy_id"].map(employers).isin([1, 2]).any()
    local = top_k_batch(workers.assign(boost_local=5.0), vacancies, ranker, k=3, pairs=PAIRS)
    county = vacancies.set_index("vacancy_id")["vacancy_county"]
    assert local["vacancy_id"].map(county).str.startswith("45").all()


def test_ties_go_to_the_lower_vacancy_id_whatever_the_chunking(ranker: RetentionRanker, monkeypatch) -> None:
    from matching.ranking import batch as ranking

    rng = np.random.default_rng(9)
    workers, vacancies = make_workers(40, rng), make_vacancies(30, rng)
    vacancies = pd.concat([vacancies] * 4, ignore_index=True)  # every vacancy four times: exact ties
    vacancies["vacancy_id"] = rng.permutation(np.arange(1000, 1000 + len(vacancies)))
    whole = top_k_batch(workers, vacancies, ranker, k=6, pairs=PAIRS)
    monkeypatch.setattr(ranking, "_CELLS", 16)  # a few workers per chunk
    monkeypatch.setattr(ranking, "_BATCH_ROWS", 10)  # rerank and cut in many small batches
    pieces = top_k_batch(workers, vacancies, ranker, k=6, pairs=PAIRS, chunk_size=3)
    pd.testing.assert_frame_equal(whole, pieces)
    want = brute_force(workers, vacancies, ranker, 6)
    merged = whole.merge(want[["worker_id", "vacancy_id", "rank"]], on=["worker_id", "vacancy_id"])
    assert len(merged) == len(want) == len(whole) and (merged["rank_x"] == merged["rank_y"]).all()


# ---- worker history and household never rank one worker against another


def test_the_ranker_reads_no_worker_history_or_household(ranker: RetentionRanker) -> None:
    from matching.features import PAIR_FEATURES, RANKER_FEATURES, WORKER_HISTORY_FEATURES

    history = {"prior_early_exits", "prior_placements", "monitored_household", "dependants"}
    assert set(WORKER_HISTORY_FEATURES) == history
    assert history <= set(PAIR_FEATURES)  # still there for the departure model
    assert not history & set(RANKER_FEATURES)
    assert not history & set(ranker.feature_names_) and len(ranker.coef_) == len(ranker.basis_names_)
    # Fitting on outcomes driven only by early exits learns nothing from them: the column is not an input.
    rng = np.random.default_rng(9)
    X = pair_features(cross_pairs(make_workers(40, rng), make_vacancies(20, rng), PAIRS))
    y = (X["prior_early_exits"].to_numpy() == 0) | (rng.random(len(X)) < 0.1)
    model = RetentionRanker().fit(X, y)
    moved = X.assign(prior_early_exits=3.0, monitored_household=1.0, dependants=4.0, prior_placements=5.0)
    assert np.array_equal(model.decision_function(X), model.decision_function(moved))


def test_two_workers_differing_only_in_history_get_the_same_candidate_score(ranker: RetentionRanker) -> None:
    from matching.ranking import PreparedBoard, PreparedPool

    rng = np.random.default_rng(11)
    w = make_workers(2, rng)
    w.loc[1, ["worker_county", "worker_lon", "worker_lat", "education", "channel_preference", "expected_wage"]] = w.loc[
        0, ["worker_county", "worker_lon", "worker_lat", "education", "channel_preference", "expected_wage"]
    ]
    w.at[1, "skills"], w.at[1, "desired_occupations"] = w.at[0, "skills"], w.at[0, "desired_occupations"]
    w["age"] = 30
    w["channel_preference"] = "any"
    w.loc[0, ["prior_placements", "prior_early_exits", "monitored_household", "dependants"]] = [0, 0, False, 0]
    w.loc[1, ["prior_placements", "prior_early_exits", "monitored_household", "dependants"]] = [3, 3, True, 4]
    v = make_vacancies(1, rng).assign(headcount_left=2, min_age=16, max_age=np.nan, education_min="none")
    ranked = PreparedPool(w, ranker, PAIRS, require_consent=False).rank(PreparedBoard(v, ranker, PAIRS), 10)
    assert sorted(ranked["worker_id"].tolist()) == [1, 2]
    assert ranked["score"][0] == ranked["score"][1]
    batch = top_k_batch(w, v, ranker, k=1, pairs=PAIRS, rerank=False)
    assert batch["score"].nunique() == 1
    X = pair_features(cross_pairs(w, v, PAIRS))
    flat = [r for rs in reason_texts(X, ranker.contributions(X), n=10) for r in rs]
    assert not {r["factor"] for r in flat} & {"prior_early_exits", "monitored_household", "dependants"}


# ---- the label: ends that are not the worker leaving are censored


def test_a_contract_or_a_closure_ending_before_day_90_is_censored_not_a_failure() -> None:
    from matching.ranking import censored_ends

    placements = pd.DataFrame(
        {
            "vacancy_id": [1, 2, 3, 3, 4, 4, 5],
            "start_date": pd.to_datetime(["2025-01-01"] * 7),
            "end_date": pd.to_datetime(
                ["2025-02-01", "2025-02-01", "2025-02-10", "2025-02-10", "2025-02-10", None, "2025-02-01"]
            ),
            "end_reason": ["contract_ended", "quit_wage", "other", "quit_wage", "other", None, "other"],
        }
    )
    # Vacancy 3 closed on 2025-02-10 (its last end); 4 is "closed" but someone still works there; 5 is open.
    planned = censored_ends(placements, closed_vacancies=[3, 4])
    assert planned.tolist() == [True, False, True, False, False, False, False]
    known, lasted = outcome_known(placements["start_date"], placements["end_date"], "2025-06-01", censored_end=planned)
    # The contract end and the closure: unknown (censored at their end). The quits and the "other" ends that
    # are no closure: failures. The one still running 151 days: lasted.
    assert known.tolist() == [False, True, False, True, True, True, True]
    assert lasted.tolist() == [False, False, False, False, False, True, False]
    # A planned end after day 90 does not hide a known success.
    late = pd.Series(pd.to_datetime(["2025-05-01"]))
    known, lasted = outcome_known(placements["start_date"][:1], late, "2025-06-01", censored_end=np.array([True]))
    assert known.tolist() == [True] and lasted.tolist() == [True]


def test_the_fit_keeps_its_promised_signs_even_against_the_data() -> None:
    """Outcomes made to favour far jobs without a dormitory, low pay and no meals: the bounds hold at zero."""
    from matching.ranking import TERMS

    rng = np.random.default_rng(5)
    X = pair_features(cross_pairs(make_workers(80, rng), make_vacancies(40, rng), PAIRS))
    logit = 2.0 * X["far_no_housing"] - 1.5 * X["wage_gap"] - 1.0 * X["meals"] - 1.0 * X["housing"]
    y = rng.random(len(X)) < 1 / (1 + np.exp(-logit))
    model = RetentionRanker().fit(X, y)
    for term in TERMS:
        if term.sign:
            assert model.signed_weights()[term.feature] * term.sign >= 0, term.feature
    assert model.signed_weights()["far_no_housing"] == 0.0 and model.signed_weights()["meals"] == 0.0


def test_places_held_for_graduates_are_offered_to_them_only(ranker: RetentionRanker) -> None:
    rng = np.random.default_rng(8)
    workers, vacancies = make_workers(6, rng), make_vacancies(40, rng)
    workers["age"] = 30
    workers["channel_preference"] = "any"
    workers["education"] = "senior_secondary"
    vacancies["headcount_left"] = 2
    plain = top_k_batch(workers, vacancies, ranker, k=40, pairs=PAIRS)
    held = vacancies.assign(reserved_left=0, graduates=[[] for _ in range(len(vacancies))])
    held.loc[held["vacancy_id"] == 101, ["reserved_left"]] = 2  # every place left: graduates only
    held.loc[held["vacancy_id"] == 102, ["reserved_left"]] = 1  # one place still open to everyone
    held["graduates"] = [[1, 2] if v in (101, 102) else [] for v in held["vacancy_id"]]
    out = top_k_batch(workers, held, ranker, k=40, pairs=PAIRS)
    on_101 = set(out.loc[out["vacancy_id"] == 101, "worker_id"])
    assert set(plain.loc[plain["vacancy_id"] == 101, "worker_id"]) - {1, 2}  # others were offered it before
    assert on_101 == set(plain.loc[plain["vacancy_id"] == 101, "worker_id"]) & {1, 2}
    assert set(out.loc[out["vacancy_id"] == 102, "worker_id"]) == set(
        plain.loc[plain["vacancy_id"] == 102, "worker_id"]
    )
