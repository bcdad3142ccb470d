"""Scoring 100,000 active placements in the batch: wall time of features + hazards + reasons, then the upsert.

The history comes from the seed generator (3,000 workers, 3 years) in a SQLite file; the model is trained on
it. The 100,000 active placements are SYNTHETIC: the seeded active placements' rows resampled with new ids
(static features and follow-ups copied), because the seed does not produce that many workers.
"""

from __future__ import annotations

import time
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd


def run_departure(url: str, pii_key: str, active: int, log: Any) -> dict[str, Any]:
    from sqlalchemy import delete

    from app.clock import today
    from app.db import Database
    from app.departure import repository, service
    from app.departure.models import PlacementRisk
    from app.seed.generator import SeedConfig, seed_database

    log("departure: seeding 3,000 workers / 400 vacancies / 3 years")
    seed_database(url, pii_key, SeedConfig(3000, 400, 3, seed=7))
    db = Database(url)
    on = today()
    try:
        with db.session() as s, s.begin():
            t0 = time.perf_counter()
            model, version = service.train_and_store(s, service.model_holder(), on)
            train_s = time.perf_counter() - t0
            inputs = service.load_inputs(s)
        bulk = synthetic_inputs(inputs, active, on)
        log(f"departure: scoring {active:,} synthetic active placements")
        t0 = time.perf_counter()
        rows = service.score_rows(model, version, bulk, on)
        score_s = time.perf_counter() - t0
        # placement_risks has a foreign key to placements: time the upsert on the real ids, repeated in chunks.
        real = inputs.placements[inputs.placements["end_date"].isna()]["placement_id"].to_numpy()
        with db.session() as s, s.begin():
            t0 = time.perf_counter()
            for start in range(0, len(rows), len(real)):
                chunk = rows[start : start + len(real)]
                for row, pid in zip(chunk, real, strict=False):
                    row["placement_id"] = int(pid)
                repository.upsert_risks(s, chunk)
            write_s = time.perf_counter() - t0
            s.execute(delete(PlacementRisk))
    finally:
        db.dispose()
    figures = {
        "active_placements": active,
        "synthetic": True,
        "train_seconds": round(train_s, 2),
        "score_seconds": round(score_s, 2),
        "write_seconds_sqlite": round(write_s, 2),
        "total_seconds": round(score_s + write_s, 2),
    }
    print(
        f"departure: train {train_s:.1f} s on the seeded history; score {active:,} placements {score_s:.1f} s;"
        f" write {write_s:.1f} s (SQLite)",
        flush=True,
    )
    return figures


def synthetic_inputs(inputs: Any, active: int, on: date) -> Any:
    """Resample seeded active placements (with their follow-ups) to `active` rows with fresh ids."""
    from app.departure.service import Inputs

    rng = np.random.default_rng(0)
    src = inputs.placements[inputs.placements["end_date"].isna()]
    pick = rng.choice(src["placement_id"].to_numpy(), size=active, replace=True)
    new_ids = np.arange(10_000_000, 10_000_000 + active)
    placements = src.loc[pick].copy()
    placements["placement_id"] = new_ids
    placements.index = new_ids
    static = inputs.static.loc[pick].copy()
    static.index = new_ids
    fu = inputs.follow_ups.set_index("placement_id")
    mapping = pd.DataFrame({"placement_id": new_ids, "old": pick})
    follow_ups = mapping.merge(fu, left_on="old", right_index=True).drop(columns="old")
    return Inputs(placements, static, follow_ups.reset_index(drop=True))


def bench(workdir: Path, pii_key: str, active: int, log: Any) -> dict[str, Any]:
    from bench.dbs import migrated_sqlite

    return run_departure(migrated_sqlite(workdir, "departure.db"), pii_key, active, log)
