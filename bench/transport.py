"""The route-level transport problem behind the pairing proposals: `python -m bench --only transport`.

111 western counties × 21 eastern prefectures × 100 occupation families (233,100 arcs): random unplaced supply
(0–39 per county and family), open places (0–149 per prefecture and family) and route scores (0.30–0.95), every
route under one of 60 links. Solved free (a min-cost flow), then with every link capped at 2,000, which binds
and takes the integer programme.
"""

import time
from typing import Any

import numpy as np
import pandas as pd

from matching import transport

COUNTIES, PREFECTURES, FAMILIES, LINKS, CAP = 111, 21, 100, 60, 2000


def instance(seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    origins = [f"45{i:04d}" for i in range(COUNTIES)]
    destinations = [f"44{i:02d}00" for i in range(PREFECTURES)]
    families = [f"f{i:03d}" for i in range(FAMILIES)]
    supply = pd.DataFrame(
        [(o, f, int(n)) for o in origins for f, n in zip(families, rng.integers(0, 40, FAMILIES), strict=True)],
        columns=["origin", "family", "workers"],
    )
    demand = pd.DataFrame(
        [(d, f, int(n)) for d in destinations for f, n in zip(families, rng.integers(0, 150, FAMILIES), strict=True)],
        columns=["destination", "family", "places"],
    )
    pairs = [(o, d) for o in origins for d in destinations]
    scores = pd.DataFrame(
        [
            (o, d, float(s), f"k{i % LINKS}")
            for i, ((o, d), s) in enumerate(zip(pairs, rng.uniform(0.3, 0.95, len(pairs)), strict=True))
        ],
        columns=["origin", "destination", "score", "link"],
    )
    return supply, demand, scores


def run() -> dict[str, Any]:
    supply, demand, scores = instance()
    started = time.perf_counter()
    free = transport.solve(supply, demand, scores)
    free_seconds = time.perf_counter() - started
    started = time.perf_counter()
    capped = transport.solve(supply, demand, scores, {f"k{i}": CAP for i in range(LINKS)})
    capped_seconds = time.perf_counter() - started
    print(
        f"transport: {COUNTIES} counties × {PREFECTURES} prefectures × {FAMILIES} families: free {free_seconds:.1f} s "
        f"({free.solver}), {LINKS} links capped at {CAP:,} {capped_seconds:.1f} s ({capped.solver})",
        flush=True,
    )
    return {
        "arcs": COUNTIES * PREFECTURES * FAMILIES,
        "free_seconds": round(free_seconds, 2),
        "free_placed": free.placed,
        "free_expected_lasting": round(free.expected_lasting, 1),
        "capped_seconds": round(capped_seconds, 2),
        "capped_placed": capped.placed,
        "capped_expected_lasting": round(capped.expected_lasting, 1),
    }
