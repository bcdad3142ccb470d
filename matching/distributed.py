"""The batch ranking job (top-k vacancies for every worker) on Dask, one task per worker county.

The single-process code runs in every task: the vacancy side (a ``PreparedBoard``) is built once here and
scattered to every Dask worker, and each task ranks one county's workers against it with ``top_k_prepared``.
A worker's ranking depends only on that worker and the board, so the result equals the single-process run
row for row (``tests/matching/test_distributed.py``).
Runs on a ``LocalCluster`` (no scheduler address) or on a real cluster (``tcp://host:8786``).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pandas as pd

from matching.ranking import PreparedBoard, top_k_batch, top_k_prepared

ORDER = ["worker_id", "rank", "vacancy_id"]


def single_process(workers: pd.DataFrame, vacancies: pd.DataFrame, ranker: Any, k: int, **options: Any) -> pd.DataFrame:
    """The reference: one call over every worker."""
    out = top_k_batch(workers, vacancies, ranker, k, **options)
    return out.sort_values(ORDER, kind="mergesort").reset_index(drop=True)


def partitions(workers: pd.DataFrame, by: str = "worker_county") -> list[pd.DataFrame]:
    """One frame per county, largest first so the long tasks start early."""
    groups = [g for _, g in workers.groupby(by, sort=True)]
    return sorted(groups, key=len, reverse=True)


def on_dask(
    client: Any,
    workers: pd.DataFrame,
    vacancies: pd.DataFrame,
    ranker: Any,
    k: int,
    *,
    by: str = "worker_county",
    **options: Any,
) -> pd.DataFrame:
    """Rank every worker on the cluster behind `client`: the board is prepared and sent once, not per task.

    ``top_k_batch(w, v, ranker, k, pairs=p, ...)`` is ``top_k_prepared(w, PreparedBoard(v, ranker, p), k, ...)``,
    so building the board here instead of in every task gives the same rows.
    """
    rest = dict(options)
    prepared = PreparedBoard(vacancies, ranker, rest.pop("pairs", frozenset()))
    board = client.scatter(prepared, broadcast=True)
    futures = [client.submit(top_k_prepared, part, board, k, pure=False, **rest) for part in partitions(workers, by)]
    parts = [p for p in client.gather(futures) if len(p)]
    if not parts:
        return single_process(workers.iloc[:0], vacancies, ranker, k, **options)
    return pd.concat(parts, ignore_index=True).sort_values(ORDER, kind="mergesort").reset_index(drop=True)


@contextmanager
def dask_client(scheduler: str | None = None, n_workers: int = 2, processes: bool = True) -> Iterator[Any]:
    """A client of the scheduler at `scheduler`, or of a LocalCluster made here and closed on exit."""
    from distributed import Client, LocalCluster

    if scheduler:
        with Client(scheduler, timeout="20s") as client:
            yield client
        return
    with (
        LocalCluster(n_workers=n_workers, threads_per_worker=1, processes=processes, dashboard_address=None) as cluster,
        Client(cluster) as client,
    ):
        yield client


def run_batch(
    workers: pd.DataFrame,
    vacancies: pd.DataFrame,
    ranker: Any,
    k: int,
    *,
    scheduler: str | None = None,
    n_workers: int = 2,
    **options: Any,
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Top-k for every worker on Dask; returns the rows and where and how long it ran."""
    started = time.perf_counter()
    with dask_client(scheduler, n_workers=n_workers) as client:
        ready = time.perf_counter()
        rows = on_dask(client, workers, vacancies, ranker, k, **options)
        cluster_workers = len(client.scheduler_info().get("workers", {}))
    return rows, {
        "scheduler": scheduler or "LocalCluster",
        "dask_workers": cluster_workers,
        "partitions": int(workers["worker_county"].nunique()),
        "workers": len(workers),
        "vacancies": len(vacancies),
        "rows": len(rows),
        "seconds": round(time.perf_counter() - started, 3),
        "seconds_ranking": round(time.perf_counter() - ready, 3),
    }
