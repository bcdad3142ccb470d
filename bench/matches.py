"""Batch top-20 wall time: synthetic workers x 100,000 synthetic open vacancies, projected to a million workers.

Synthetic frames (made here, not read from a database) with the real county coordinates and CSCO codes; the
ranker is fitted on synthetic outcomes (its weights do not change the cost). The /matches latency figure with
100,000 vacancies in the database is NOT measured yet (see the README).
"""

import time
from typing import Any

import numpy as np
import pandas as pd

from matching.features import pair_features
from matching.ranking import RetentionRanker, cross_pairs, top_k_batch
from tests.matching.test_ranking import PAIRS, make_vacancies, make_workers


def run_batch(workers: int = 20_000, vacancies: int = 100_000, k: int = 20) -> dict[str, Any]:
    rng = np.random.default_rng(0)
    X = pair_features(cross_pairs(make_workers(60, rng), make_vacancies(40, rng), PAIRS))
    ranker = RetentionRanker().fit(X, rng.random(len(X)) < 0.6)
    w, v = make_workers(workers, rng), make_vacancies(vacancies, rng)
    v["headcount_left"] = 5
    started = time.perf_counter()
    out = top_k_batch(w, v, ranker, k=k, pairs=PAIRS, chunk_size=256)
    seconds = time.perf_counter() - started
    per_worker = seconds / workers
    return {
        "workers": workers,
        "vacancies": vacancies,
        "k": k,
        "rows": len(out),
        "seconds": round(seconds, 2),
        "projected_100k_workers_s": round(per_worker * 100_000, 1),
        "projected_1m_workers_s": round(per_worker * 1_000_000, 1),
    }


if __name__ == "__main__":
    import json
    import sys

    n = int(sys.argv[1]) if len(sys.argv) > 1 else 20_000
    print(json.dumps(run_batch(n)), flush=True)
    pd.set_option("display.width", 120)
