"""The pairing proposals over 111 western counties × 21 eastern prefectures × 100 occupation families:
`python -m bench --only proposals`.

The supply, demand and route scores of bench/transport.py; 14 western prefectures (the counties' first four
digits, in eight groups) paired with 21 eastern ones in 40 prefecture-level pairings with targets of 400 to 8,000 a
year; 200,000 placements of the past year as evidence, stayers and leavers by route. It times the proposals
computed from these inputs (what `GET /api/v1/pairings/proposals` does after reading them).
"""

import time
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from app.pairings import proposals
from app.pairings.service import PairingAt
from app.reports.schemas import Quarter
from bench.transport import instance

PAIRINGS, PLACEMENTS = 40, 200_000


def inputs(seed: int = 0) -> proposals.Inputs:
    rng = np.random.default_rng(seed)
    supply, demand, scores = instance(seed)
    scores = scores.drop(columns="link")
    counties = sorted(supply["origin"].unique())
    prefectures = sorted(demand["destination"].unique())
    west = sorted({c[:4] + "00" for c in counties})
    pairs = sorted({(prefectures[int(rng.integers(len(prefectures)))], west[int(rng.integers(len(west)))])
                    for _ in range(PAIRINGS * 3)})[:PAIRINGS]  # fmt: skip
    pairings = [
        PairingAt(i + 1, 1, date(2025, 1, 1), east, w, "prefecture", int(rng.integers(400, 8000)), False, None, None,
                  None)
        for i, (east, w) in enumerate(pairs)
    ]  # fmt: skip
    origin = rng.choice(counties, PLACEMENTS)
    local = rng.random(PLACEMENTS) < 0.2
    destination = np.where(local, origin, rng.choice(prefectures, PLACEMENTS))
    left = rng.random(PLACEMENTS) < np.where(local, 0.2, 0.45)
    started = pd.DataFrame(
        {
            "hukou_county": origin,
            "vacancy_county": destination,
            "start_date": date(2025, 12, 1),
            "duration": np.where(left, rng.integers(5, 90, PLACEMENTS), 200).astype(float),
            "event": left,
        }
    )
    local_demand = pd.DataFrame(
        [(w, f, int(rng.integers(0, 50))) for w in west for f in sorted(supply["family"].unique())[:20]],
        columns=["destination", "family", "places"],
    )
    local_scores = pd.DataFrame({"origin": counties, "destination": [c[:4] + "00" for c in counties],
                                 "score": rng.uniform(0.6, 0.95, len(counties))})  # fmt: skip
    return proposals.Inputs(Quarter(2026, 3), pairings, supply, demand, local_demand, scores, local_scores, started,
                            {"kind": "bench"}, {})  # fmt: skip


def run() -> dict[str, Any]:
    data = inputs()
    started = time.perf_counter()
    proposer = proposals.Proposer(data)
    items = proposer.all()
    seconds = time.perf_counter() - started
    kinds = {k: sum(i["kind"] == k for i in items) for k in proposals.KINDS}
    print(
        f"proposals: 111 counties × 21 prefectures × 100 families, {PAIRINGS} pairings, {PLACEMENTS:,} placements: "
        f"{len(items)} proposals {kinds} in {seconds:.1f} s (aim < 10 s)",
        flush=True,
    )
    return {"seconds": round(seconds, 2), "proposals": len(items), **kinds, "aim": "< 10 s",
            "expected_lasting_now": round(proposer.before.expected_lasting, 1)}  # fmt: skip
