"""The per-request paths (one worker against a prepared board, one vacancy against a prepared pool) give exactly
what the batch path gives on the same data: same vacancies or workers, same order, same scores, same reasons."""

import numpy as np
import pandas as pd
import pytest

from matching.features import pair_features
from matching.ranking import (
    PreparedBoard,
    PreparedPool,
    RetentionRanker,
    explain_one,
    pair_frame,
    rank_one,
    reason_texts,
    top_k_batch,
)
from tests.matching.test_ranking import PAIRS, make_vacancies, make_workers


@pytest.fixture(scope="module")
def ranker() -> RetentionRanker:
    rng = np.random.default_rng(0)
    from matching.ranking import cross_pairs

    X = pair_features(cross_pairs(make_workers(60, rng), make_vacancies(40, rng), PAIRS))
    return RetentionRanker().fit(X, rng.random(len(X)) < 0.6)


def _data(seed: int, n_workers: int = 80, n_vacancies: int = 300) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    workers, vacancies = make_workers(n_workers, rng), make_vacancies(n_vacancies, rng)
    vacancies.loc[rng.random(len(vacancies)) < 0.1, "occupation_code"] = None
    vacancies.loc[rng.random(len(vacancies)) < 0.1, "headcount_left"] = 0
    workers["blocked_employers"] = [[int(e)] if rng.random() < 0.2 else [] for e in rng.integers(1, 6, n_workers)]
    workers["boost_wage_met"] = np.where(rng.random(n_workers) < 0.2, 1.5, 0.0)
    workers["boost_local"] = np.where(rng.random(n_workers) < 0.2, 1.5, 0.0)
    workers["widen_local"] = rng.random(n_workers) < 0.2
    workers["consent_to_share"] = rng.random(n_workers) < 0.7
    return workers, vacancies


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_rank_one_equals_the_batch_top_k(ranker: RetentionRanker, seed: int) -> None:
    workers, vacancies = _data(seed)
    k = 7
    want = top_k_batch(workers, vacancies, ranker, k=k, pairs=PAIRS, shortlist=k, rerank=False)
    board = PreparedBoard(vacancies, ranker, PAIRS)
    compared = 0
    for worker in workers.to_dict("records"):
        got = rank_one(worker, board, k)
        expected = want[want["worker_id"] == worker["worker_id"]]
        assert got["vacancy_id"].tolist() == expected["vacancy_id"].tolist()
        assert got["score"].tolist() == expected["score"].tolist()  # bit for bit: same arithmetic, same order
        assert got["rank_key"].tolist() == expected["rank_key"].tolist()
        compared += len(expected)
    assert compared > 200  # most workers have matches: the comparison is not vacuous


def test_rank_one_ties_go_to_the_lower_vacancy_id(ranker: RetentionRanker) -> None:
    workers, vacancies = _data(4, n_workers=30, n_vacancies=40)
    vacancies = pd.concat([vacancies] * 3, ignore_index=True)  # every vacancy three times: exact ties
    vacancies["vacancy_id"] = np.random.default_rng(0).permutation(np.arange(1000, 1000 + len(vacancies)))
    want = top_k_batch(workers, vacancies, ranker, k=5, pairs=PAIRS, shortlist=5, rerank=False)
    board = PreparedBoard(vacancies, ranker, PAIRS)
    for worker in workers.to_dict("records"):
        expected = want.loc[want["worker_id"] == worker["worker_id"], "vacancy_id"].tolist()
        assert rank_one(worker, board, 5)["vacancy_id"].tolist() == expected


def test_rank_one_skips_excluded_vacancies(ranker: RetentionRanker) -> None:
    workers, vacancies = _data(5)
    board = PreparedBoard(vacancies, ranker, PAIRS)
    worker = next(w for w in workers.to_dict("records") if len(rank_one(w, board, 5)["vacancy_id"]) == 5)
    first = rank_one(worker, board, 5)["vacancy_id"].tolist()
    gone = first[:2]
    again = rank_one(worker, board, 5, exclude=gone)["vacancy_id"].tolist()
    assert not set(gone) & set(again) and again[:3] == first[2:]
    # ... exactly as if those vacancies had no headcount left.
    full = vacancies.assign(headcount_left=np.where(vacancies["vacancy_id"].isin(gone), 0, vacancies["headcount_left"]))
    assert again == rank_one(worker, PreparedBoard(full, ranker, PAIRS), 5)["vacancy_id"].tolist()


def test_explain_one_equals_reason_texts_on_pair_features(ranker: RetentionRanker) -> None:
    workers, vacancies = _data(6)
    board = PreparedBoard(vacancies, ranker, PAIRS)
    compared = 0
    for worker in workers.to_dict("records"):
        top = rank_one(worker, board, 6)
        if not len(top["col"]):
            continue
        rows = board.vacancies.iloc[top["col"]]
        frame = pair_frame(pd.DataFrame([worker] * len(rows)), rows, PAIRS)
        feats = pair_features(frame)
        context = pd.DataFrame({"vacancy_city": [f"city {c}" for c in rows["vacancy_county"]]})
        want = reason_texts(feats, ranker.contributions(feats), context, n=3)
        got = explain_one(worker, board, top["col"], context.to_dict("records"), n=3)
        assert got == want
        compared += sum(len(r) for r in want)
    assert compared > 300


@pytest.mark.parametrize("seed", [7, 8])
def test_pool_rank_equals_the_batch_path_for_one_vacancy(ranker: RetentionRanker, seed: int) -> None:
    workers, vacancies = _data(seed, n_workers=400, n_vacancies=25)
    workers = workers.drop(columns=["boost_wage_met", "boost_local"])  # the pool has no after-departure boosts
    pool = PreparedPool(workers, ranker, PAIRS, require_consent=True)
    compared = 0
    for v in range(len(vacancies)):
        one = vacancies.iloc[[v]]
        want = top_k_batch(workers, one, ranker, k=1, pairs=PAIRS, shortlist=1, rerank=False, require_consent=True)
        want = want.sort_values(["score", "worker_id"], ascending=[False, True]).head(15)
        got = pool.rank(PreparedBoard(one, ranker, PAIRS), 15)
        assert got["worker_id"].tolist() == want["worker_id"].tolist()
        assert got["score"].tolist() == want["score"].tolist()
        assert workers["worker_id"].to_numpy()[got["row"]].tolist() == got["worker_id"].tolist()
        compared += len(want)
    assert compared > 150
