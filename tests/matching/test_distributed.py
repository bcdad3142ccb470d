"""The Dask batch (partitioned by county) gives exactly the single-process top-k, on a LocalCluster."""

import numpy as np
import pandas as pd
import pytest

from matching import distributed
from matching.features import pair_features
from matching.ranking import RetentionRanker, cross_pairs
from tests.matching.test_ranking import PAIRS, make_vacancies, make_workers


@pytest.fixture(scope="module")
def frames():
    rng = np.random.default_rng(4)
    workers, vacancies = make_workers(900, rng), make_vacancies(300, rng)
    X = pair_features(cross_pairs(workers.head(40), vacancies.head(40), PAIRS))
    y = rng.random(len(X)) < 1 / (1 + np.exp(-(1.2 * X["wage_gap"] + 0.6 * X["occupation_desired"] - 0.3)))
    return workers, vacancies, RetentionRanker(random_state=0).fit(X, y)


@pytest.fixture(scope="module")
def client():
    # In-process workers: no network beyond loopback, no subprocess start-up on a 2-core machine.
    with distributed.dask_client(None, n_workers=2, processes=False) as c:
        yield c


@pytest.mark.parametrize("rerank", [False, True])
def test_dask_by_county_equals_single_process(frames, client, rerank):
    workers, vacancies, ranker = frames
    options = {"pairs": PAIRS, "rerank": rerank, "chunk_size": 128}
    expected = distributed.single_process(workers, vacancies, ranker, 10, **options)
    got = distributed.on_dask(client, workers, vacancies, ranker, 10, **options)
    assert len(expected) > 1000 and expected["worker_id"].nunique() > 500
    assert len(client.scheduler_info()["workers"]) == 2
    pd.testing.assert_frame_equal(got, expected)


def test_every_county_is_one_partition(frames):
    workers, _, _ = frames
    parts = distributed.partitions(workers)
    assert sorted(p["worker_county"].iloc[0] for p in parts) == sorted(workers["worker_county"].unique())
    assert all(p["worker_county"].nunique() == 1 for p in parts)
    assert sum(len(p) for p in parts) == len(workers)


def test_no_workers_gives_an_empty_frame_with_the_columns(frames, client):
    workers, vacancies, ranker = frames
    got = distributed.on_dask(client, workers.iloc[:0], vacancies, ranker, 5, pairs=PAIRS)
    assert got.empty and {"worker_id", "vacancy_id", "score", "rank"} <= set(got.columns)
