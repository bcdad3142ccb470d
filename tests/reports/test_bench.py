"""bench/reports.py on a small scale: its synthetic rows keep the schema's rules and the report reads them."""

import sqlite3

from app.cli import upgrade_database
from app.clock import today
from app.reports.schemas import IsoWeek
from bench.reports import populate, time_report


def test_bench_rows_are_valid_and_the_report_counts_them(tmp_path):
    path = tmp_path / "bench.db"
    upgrade_database(f"sqlite:///{path}")
    made = populate(path, 5_000, log=lambda _m: None)
    assert made["placements"] == 5_000 and 0 < made["active"] < 5_000
    conn = sqlite3.connect(path)
    # One active placement per worker at most (the partial unique index would have refused the insert anyway).
    assert (
        conn.execute(
            "SELECT max(n) FROM (SELECT count(*) n FROM placements WHERE end_date IS NULL GROUP BY worker_id)"
        ).fetchone()[0]
        == 1
    )
    sunday = IsoWeek.last_complete(today()).sunday.isoformat()
    active = conn.execute(
        "SELECT count(*) FROM placements WHERE start_date <= ? AND (end_date IS NULL OR end_date > ?)",
        (sunday, sunday),
    ).fetchone()[0]
    conn.close()
    figures = time_report(f"sqlite:///{path}")
    assert figures["active_at_week_end"] == active > 0
