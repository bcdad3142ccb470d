"""The quarterly evaluation at scale on SQLite: `python -m bench --only quarterly [--placements N]`.

On the monthly bench's province (bench/monthly.py: N placements, default 1,000,000, its cases and 248 pairings),
with every other worker from a low-income or monitored household and a tenth of the past year's hires following a
completed training: last quarter's evaluation of every pairing in force, drafted, then recomputed once (the second
run of the Monday job finds every draft unchanged).
"""

import sqlite3
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

from app.clock import today
from app.db import Database
from app.evaluations.service import evaluate_quarter
from app.reports.schemas import Quarter


def add_households_and_training(path: Path) -> dict[str, int]:
    """Flag every other worker's household; link every tenth placement of the past year to a completed training."""
    conn = sqlite3.connect(path)
    since = (today() - timedelta(days=365)).isoformat()
    with conn:
        households = conn.execute("UPDATE workers SET registered_low_income = 1 WHERE id % 2 = 0").rowcount
        school = conn.execute("SELECT id FROM orgs ORDER BY id LIMIT 1").fetchone()[0]
        conn.execute(
            "INSERT INTO training_classes (school_org_id, mode, occupation_code, title, county_code, start_date, "
            "end_date, planned_hours, capacity, status, version, created_at, updated_at) "
            "SELECT ?, 'short_course', code, 'bench', '450225', '2025-01-01', '2025-02-01', 80, 1000000, "
            "'completed', 1, '2026-01-01', '2026-01-01' FROM occupations LIMIT 1",
            (school,),
        )
        class_id = conn.execute("SELECT max(id) FROM training_classes").fetchone()[0]
        hires = conn.execute(  # one per worker: an enrolment is a worker's place in a class, once
            "SELECT min(id), worker_id FROM placements WHERE start_date >= ? AND id % 10 = 0 GROUP BY worker_id",
            (since,),
        ).fetchall()
        conn.executemany(
            "INSERT INTO training_enrolments (id, class_id, worker_id, status, attended_hours, enrolled_by_org_id, "
            "version, created_at, updated_at) VALUES (?, ?, ?, 'completed', 80, ?, 1, '2026-01-01', '2026-01-01')",
            [(pid, class_id, worker, school) for pid, worker in hires],
        )
        conn.executemany("UPDATE placements SET training_enrolment_id = id WHERE id = ?", [(p,) for p, _ in hires])
    conn.close()
    return {"household_workers": households, "trained_hires": len(hires)}


def run(
    placements: int,
    workdir: Path,
    migrate: Callable[[Path, str], str],
    log: Callable[[str], None],
    prepared: tuple[str, dict[str, Any]] | None = None,
) -> dict[str, Any]:
    from bench.monthly import prepare

    url, made = prepared or prepare(placements, workdir, migrate, log)
    made = made | add_households_and_training(Path(url.split("///", 1)[1]))
    quarter = Quarter.of(today()).shift(-1)
    db = Database(url)
    try:
        started = time.perf_counter()
        with db.session() as session, session.begin():
            first = evaluate_quarter(session, None, quarter)
        drafted = time.perf_counter() - started
        started = time.perf_counter()
        with db.session() as session, session.begin():
            again = evaluate_quarter(session, None, quarter)
        rerun = time.perf_counter() - started
    finally:
        db.dispose()
    print(
        f"quarterly/sqlite: {quarter} evaluation of {first.created} pairings over {made['placements']:,} placements "
        f"and {made['cases']:,} cases: {drafted:.1f} s drafted, {rerun:.1f} s rerun (aim < 30 s)",
        flush=True,
    )
    return {
        "database": "sqlite",
        **made,
        "quarter": str(quarter),
        "evaluations": first.created,
        "draft_seconds": round(drafted, 2),
        "rerun_seconds": round(rerun, 2),
        "rerun_kept": again.kept,
        "placements_in_quarter": sum(e.indicators["placements"] for e in first.evaluations[:1]),
        "lifted_in_quarter": sum(e.indicators["lifted"] for e in first.evaluations[:1]),
        "trained_in_quarter": sum(e.indicators["training_graduates_placed"] for e in first.evaluations[:1]),
        "aim": "< 30 s",
    }
