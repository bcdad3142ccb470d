"""Rights cases at scale on SQLite: `python -m bench --only cases [--placements N]`.

On the report bench's synthetic province (bench/reports.py: N placements, default 1,000,000) every placement
whose id is a multiple of STRIDE among the ended ones gets a case (about 100,000 at the default size), opened
within two weeks of the end, with its events; about a third are still running, most of those overdue. Then:
- the whole-province weekly report, now with its `cases` section, built and rendered to JSON;
- `GET /api/v1/cases?overdue=true` through the real route (FastAPI's TestClient in process, so the figure
  leaves out the network), as the provincial office (reads every case) and as one employer (its own), p50/p99.
"""

import sqlite3
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from app.config import Settings
from app.db import Database
from app.main import create_app
from app.orgs import service as orgs
from bench.data import BENCH_PII_KEY

KINDS = ("wage_arrears", "contract", "work_injury", "insurance_unpaid", "other")
REQUESTS = 200


def add_cases(path: Path, stride: int) -> dict[str, Any]:
    """Cases for the ended placements whose id is a multiple of `stride`, and their events, in SQL."""
    conn = sqlite3.connect(path)
    started = time.perf_counter()
    kinds = " ".join(f"WHEN {i} THEN '{k}'" for i, k in enumerate(KINDS))
    # id % 3: 0 open (never contacted, overdue once its two days pass), 1 in progress, 2 resolved
    with conn:
        conn.execute(
            f"""
            INSERT INTO rights_cases (id, kind, status, placement_id, worker_id, worker_owner_org_id, employer_id,
                opened_by_org_id, opened_by_kind, assigned_org_id, jurisdiction_county, home_county, summary,
                amount_claimed_fen, amount_recovered_fen, workers_affected, confidential, opened_on, clocks,
                due_on, due_provisional, overdue_escalated, version, created_at, updated_at)
            SELECT p.id / {stride}, CASE p.id % {len(KINDS)} {kinds} END,
                CASE p.id % 3 WHEN 0 THEN 'open' WHEN 1 THEN 'in_progress' ELSE 'resolved' END,
                p.id, p.worker_id, w.owner_org_id, v.employer_org_id, 1, 'provincial_office', 1, v.county_code,
                w.hukou_county, 'bench', 500000, CASE p.id % 3 WHEN 2 THEN 300000 END, 1, 0,
                date(p.end_date, '+' || (p.id % 14) || ' days'), '{{}}',
                CASE p.id % 3 WHEN 0 THEN date(p.end_date, '+' || (p.id % 14 + 2) || ' days')
                              WHEN 1 THEN date(p.end_date, '+' || (p.id % 14 + 90) || ' days') END,
                0, 0, 1, '2026-01-01 00:00:00.000000', '2026-01-01 00:00:00.000000'
            FROM placements p JOIN workers w ON w.id = p.worker_id JOIN vacancies v ON v.id = p.vacancy_id
            WHERE p.end_date IS NOT NULL AND p.id % {stride} = 0
            """
        )
        conn.execute(
            """
            INSERT INTO rights_case_events (case_id, action, from_status, to_status, org_id, org_kind, at)
            SELECT id, 'open', NULL, 'open', 1, 'provincial_office', datetime(opened_on, '+2 hours') || '.000000'
            FROM rights_cases
            """
        )
        for action, before, after, days in (
            ("accept", "open", "accepted", 3),
            ("refer", "accepted", "in_progress", 5),
            ("resolve", "in_progress", "resolved", 40),
        ):
            conn.execute(
                "INSERT INTO rights_case_events (case_id, action, from_status, to_status, org_id, org_kind, at, "
                "amount_recovered_fen) SELECT id, ?, ?, ?, 1, 'provincial_office', "
                "datetime(opened_on, '+' || ? || ' days', '+2 hours') || '.000000', "
                "CASE ? WHEN 'resolve' THEN amount_recovered_fen END FROM rights_cases WHERE status != 'open' "
                + ("AND status = 'resolved'" if action == "resolve" else ""),
                (action, before, after, days, action),
            )
    cases = conn.execute("SELECT count(*) FROM rights_cases").fetchone()[0]
    events = conn.execute("SELECT count(*) FROM rights_case_events").fetchone()[0]
    conn.execute("ANALYZE")
    conn.close()
    return {"cases": cases, "case_events": events, "insert_seconds": round(time.perf_counter() - started, 1)}


def _latencies(client: TestClient, headers: dict[str, str], path: str) -> dict[str, Any]:
    client.get(path, headers=headers)  # warm the caches the first request fills
    times, sizes = [], []
    for _ in range(REQUESTS):
        started = time.perf_counter()
        resp = client.get(path, headers=headers)
        times.append((time.perf_counter() - started) * 1000)
        assert resp.status_code == 200, resp.text[:300]
        sizes.append(len(resp.json()["items"]))
    times.sort()
    return {
        "requests": REQUESTS,
        "items_per_page": max(sizes),
        "p50_ms": round(statistics.median(times), 1),
        "p99_ms": round(times[int(len(times) * 0.99) - 1], 1),
    }


def time_overdue_list(url: str, workdir: Path) -> dict[str, Any]:
    db = Database(url)
    with db.session() as session, session.begin():
        province_key = orgs.issue_key(session, 1, [])
        employer_key = orgs.issue_key(session, 10, [])
    app = create_app(Settings(database_url=url, pii_key=BENCH_PII_KEY, data_dir=workdir), db)
    path = "/api/v1/cases?overdue=true"
    with TestClient(app) as client:
        return {
            "route": f"GET {path}",
            "provincial_office": _latencies(client, {"Authorization": f"Bearer {province_key}"}, path),
            "employer": _latencies(client, {"Authorization": f"Bearer {employer_key}"}, path),
            "aim": "p99 < 50 ms",
        }


def run(
    placements: int, workdir: Path, migrate: Callable[[Path, str], str], log: Callable[[str], None], stride: int = 7
) -> dict[str, Any]:
    from bench.reports import populate, time_report

    url = migrate(workdir, "cases.db")
    made = populate(Path(url.split("///", 1)[1]), placements, log=log)
    made |= add_cases(Path(url.split("///", 1)[1]), stride)
    log(f"cases: {made['cases']:,} cases, {made['case_events']:,} events in {made['insert_seconds']} s")
    report = time_report(url)
    listing = time_overdue_list(url, workdir)
    print(
        f"cases/sqlite: weekly report with the cases section over {made['placements']:,} placements and "
        f"{made['cases']:,} cases: {report['seconds_with_json']:.1f} s (aim < 60 s)",
        flush=True,
    )
    for who in ("provincial_office", "employer"):
        figures = listing[who]
        print(
            f"cases/sqlite: {listing['route']} as {who} over {made['cases']:,} cases: p50 {figures['p50_ms']} ms, "
            f"p99 {figures['p99_ms']} ms (aim p99 < 50 ms, in-process client)",
            flush=True,
        )
    return {"database": "sqlite", **made, "report": report, "overdue_list": listing}
