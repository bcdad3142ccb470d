"""Allocation at scale, and the batch ranking on Dask against one process (`python -m bench --only allocation`).

Allocation: 100,000 workers x 10,000 vacancies, synthetic edges (not from a database). Each worker has 20-50
candidate vacancies; a worker's score for a vacancy is sigmoid(worker effect + vacancy quality + noise), with
effects chosen so scores look like the trained ranker's on seeded data (mean ~0.75, most within 0.5-0.95),
and better vacancies appear on more shortlists (chosen with weight exp(quality)): the crowding that ranking
alone suffers from. Headcount 1-15 per vacancy (~80,000 places for 100,000 workers), so places are scarce.

Dask: the same `top_k_batch` on synthetic workers from 12 counties against synthetic vacancies, once in this
process and once on a 2-process LocalCluster partitioned by county; the two results are checked equal.
"""

import time
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from matching import allocation


def synthetic_edges(workers: int, vacancies: int, seed: int = 0) -> tuple[pd.DataFrame, pd.Series]:
    rng = np.random.default_rng(seed)
    per_worker = rng.integers(20, 51, workers)
    worker = np.repeat(np.arange(workers), per_worker)
    quality = rng.normal(0.0, 0.6, vacancies)
    weights = np.exp(quality)
    vacancy = rng.choice(vacancies, size=len(worker), p=weights / weights.sum())
    logit = rng.normal(1.1, 0.6, workers)[worker] + quality[vacancy] + rng.normal(0.0, 0.5, len(worker))
    edges = pd.DataFrame({"worker_id": worker, "vacancy_id": vacancy, "score": 1 / (1 + np.exp(-logit))})
    capacity = pd.Series(rng.integers(1, 16, vacancies), index=np.arange(vacancies))
    return edges, capacity


def run_allocation(
    workers: int = 100_000, vacancies: int = 10_000, log: Callable[[str], None] = print
) -> dict[str, Any]:
    edges, capacity = synthetic_edges(workers, vacancies)
    edges = edges.drop_duplicates(["worker_id", "vacancy_id"])
    out: dict[str, Any] = {
        "workers": workers,
        "vacancies": vacancies,
        "edges": len(edges),
        "places": int(capacity.sum()),
        "mean_edge_score": round(float(edges["score"].mean()), 3),
        "aim": "min_cost_flow <= 10 s",
    }
    runs = [
        ("min_cost_flow", lambda: allocation.min_cost_flow(edges, capacity)),
        ("min_cost_flow_placed_first", lambda: allocation.min_cost_flow(edges, capacity, objective="placed_first")),
        ("greedy", lambda: allocation.greedy(edges, capacity)),
        ("stable", lambda: allocation.stable(edges, capacity)),
    ]
    for name, run in runs:
        cpu = time.process_time()
        result = run()
        figures = {**result.summary(), "cpu_seconds": round(time.process_time() - cpu, 2)}
        out[name] = figures
        log(
            f"allocation/{name}: {figures['seconds']:.2f} s wall, {figures['cpu_seconds']:.2f} s CPU, "
            f"placed {figures['placed']:,}, expected retained {figures['expected_retained']:,.1f}"
        )
    return out


def run_dask(
    workers: int = 20_000, vacancies: int = 20_000, k: int = 20, log: Callable[[str], None] = print
) -> dict[str, Any]:
    from bench.matches import synthetic_ranker
    from matching import distributed
    from tests.matching.test_ranking import PAIRS, make_vacancies, make_workers

    rng = np.random.default_rng(0)
    ranker = synthetic_ranker(rng)  # draws from rng exactly as the inline fit did, so w and v are unchanged
    w, v = make_workers(workers, rng), make_vacancies(vacancies, rng)
    w["worker_county"] = [f"4502{c:02d}" for c in rng.integers(21, 33, workers)]  # 12 partitions
    v["headcount_left"] = 5
    options = {"pairs": PAIRS, "rerank": False, "chunk_size": 256}
    started = time.perf_counter()
    single = distributed.single_process(w, v, ranker, k, **options)
    single_s = time.perf_counter() - started
    rows, info = distributed.run_batch(w, v, ranker, k, n_workers=2, **options)
    equal = rows.equals(single)
    out = {
        "workers": workers,
        "vacancies": vacancies,
        "k": k,
        "partitions": info["partitions"],
        "single_process_s": round(single_s, 2),
        "dask_localcluster_2_processes_s": info["seconds"],
        "dask_ranking_only_s": info["seconds_ranking"],
        "same_rows": bool(equal),
    }
    log(
        f"dask batch: single process {single_s:.2f} s; LocalCluster (2 processes) {info['seconds']:.2f} s "
        f"({info['seconds_ranking']:.2f} s after start-up); same rows: {equal}"
    )
    return out


if __name__ == "__main__":
    import json

    print(json.dumps({"allocation": run_allocation(), "dask": run_dask()}), flush=True)
