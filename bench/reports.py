"""The whole-province weekly report over N synthetic placements (default 1,000,000) on SQLite.

The rows are inserted straight into the tables (raw executemany), not through the seed generator: the
generator simulates every job choice and would take far longer than the report it feeds. Workers are bare
rows (fake hashes, no real ID numbers); placements are spells of one worker after another (so the
one-active-placement index holds) over three years, ~70 % ended, across ~100 Guangxi counties and 2,000
employers in Guangdong and Guangxi.
"""

import sqlite3
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import numpy as np

from app.clock import today
from app.db import Database
from app.reports import cache
from app.reports.render import render
from app.reports.schemas import IsoWeek, Scope
from app.reports.service import build_report, report_for

STAMP = "2026-01-01 00:00:00.000000"
END_REASONS = ("quit_wage", "quit_conditions", "quit_family", "quit_homesick", "dismissed", "contract_ended")


def _counties(conn: sqlite3.Connection) -> tuple[list[str], list[str]]:
    rows = conn.execute("SELECT code FROM divisions WHERE level = 'county' ORDER BY code").fetchall()
    codes = [r[0] for r in rows]
    return [c for c in codes if c.startswith("45")], [c for c in codes if c.startswith("44")]


def populate(path: Path, placements: int, seed: int = 7, log: Callable[[str], None] = print) -> dict[str, Any]:
    """Bulk-insert orgs, workers, vacancies and `placements` placements ending by today (CST)."""
    rng = np.random.default_rng(seed)
    now = today()
    first = now - timedelta(days=3 * 365)
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=OFF")
    west, east = _counties(conn)
    west = west[:100]
    n_employers, n_workers = 2000, max(placements // 2, 1)
    started = time.perf_counter()
    with conn:
        conn.execute(
            "INSERT INTO orgs (id, kind, name, region_code, created_at, updated_at) VALUES "
            "(1, 'provincial_office', '广西东西部协作办公室', '450000', ?, ?)",
            (STAMP, STAMP),
        )
        employer_county = [east[i % len(east)] if i % 4 else west[i % len(west)] for i in range(n_employers)]
        conn.executemany(
            "INSERT INTO orgs (id, kind, name, region_code, created_at, updated_at) VALUES (?, 'employer', ?, ?, ?, ?)",
            [(10 + i, f"企业{i}", employer_county[i], STAMP, STAMP) for i in range(n_employers)],
        )
        conn.executemany(
            "INSERT INTO vacancies (id, employer_org_id, external_id, title, county_code, headcount, wage_min, "
            "wage_max, housing, meals, shift, min_age, education_min, status, version, created_at, updated_at) "
            "VALUES (?, ?, ?, '普工', ?, 1000, 4000, 6000, 1, 1, 'day', 16, 'none', 'open', 1, ?, ?)",
            [(i + 1, 10 + i, f"V{i}", employer_county[i], STAMP, STAMP) for i in range(n_employers)],
        )
        hukou = rng.choice(west, size=n_workers)
        conn.executemany(
            "INSERT INTO workers (id, owner_org_id, external_id, id_hash, id_number_enc, id_number_masked, name, sex, "
            "hukou_county, education, skills, past_jobs, desired_occupations, channel_preference, "
            "registered_low_income, monitored_household, dependants, consent_to_share, version, created_at, "
            "updated_at) VALUES (?, 1, ?, ?, 'x', '450225********0000', '某', 'F', ?, 'primary', '[]', '[]', '[]', "
            "'any', 0, 0, 0, 0, 1, ?, ?)",
            ((i + 1, f"W{i}", f"{i:064x}", hukou[i], STAMP, STAMP) for i in range(n_workers)),
        )
        log(f"reports: {n_workers:,} workers, {n_employers:,} employers in {time.perf_counter() - started:.1f} s")
        # Spells: each worker starts somewhere in the window, works, pauses, starts again, until today.
        horizon = (now - first).days
        worker = np.arange(n_workers)
        start = rng.integers(-120, horizon // 2, n_workers).clip(0)
        batches = []
        total = 0
        while total < placements and len(worker):
            length = np.where(
                rng.random(len(worker)) < 0.3,
                rng.integers(0, 90, len(worker)),
                rng.exponential(300, len(worker)).astype(int),
            )
            end = start + length
            active = end >= horizon
            batches.append((worker, start, np.where(active, -1, end)))
            total += len(worker)
            keep = ~active
            worker, start = worker[keep], end[keep] + rng.integers(3, 60, keep.sum())
            inside = start < horizon
            worker, start = worker[inside], start[inside]
        w = np.concatenate([b[0] for b in batches])[:placements]
        s = np.concatenate([b[1] for b in batches])[:placements]
        e = np.concatenate([b[2] for b in batches])[:placements]
        vac = rng.integers(1, n_employers + 1, len(w))
        reason = rng.integers(0, len(END_REASONS), len(w))
        day0 = np.datetime64(first, "D")
        starts = (day0 + s).astype(str)
        ends = (day0 + np.maximum(e, 0)).astype(str)
        rows = (
            (
                int(i) + 1,
                int(w[i]) + 1,
                int(vac[i]),
                starts[i],
                None if e[i] < 0 else ends[i],
                None if e[i] < 0 else END_REASONS[reason[i]],
                STAMP,
                STAMP,
            )
            for i in range(len(w))
        )
        conn.executemany(
            "INSERT INTO placements (id, worker_id, vacancy_id, start_date, end_date, end_reason, "
            "recorded_by_org_id, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, 1, ?, ?)",
            rows,
        )
    conn.execute("ANALYZE")
    conn.close()
    seconds = time.perf_counter() - started
    log(f"reports: {len(w):,} placements inserted in {seconds:.1f} s ({int((e < 0).sum()):,} active)")
    return {"placements": int(len(w)), "active": int((e < 0).sum()), "insert_seconds": round(seconds, 1)}


def time_report(url: str) -> dict[str, Any]:
    """Wall time of the whole-province report for last week, built and rendered to JSON."""
    db = Database(url)
    week = IsoWeek.last_complete(today())
    try:
        started = time.perf_counter()
        with db.session(False) as session:
            seen = cache.mark(session)
            report = build_report(session, Scope("province"), week)
        build_seconds = time.perf_counter() - started
        data = render(report, "json")
        total = time.perf_counter() - started
        with db.session() as session, session.begin():  # what a later request pays once the build is kept
            cache.store(session, [cache.Built(Scope("province").slug, str(week), seen, report)])
        started = time.perf_counter()
        with db.session(False) as session:
            served, again = report_for(session, Scope("province"), week)
        served_ms = (time.perf_counter() - started) * 1000
        assert again is None and served == report
    finally:
        db.dispose()
    return {
        "week": str(week),
        "build_seconds": round(build_seconds, 2),
        "seconds_with_json": round(total, 2),
        "json_bytes": len(data),
        "served_kept_ms": round(served_ms, 1),
        "active_at_week_end": report["totals"]["active_at_week_end"],
        "cases_open_at_week_end": report["cases"]["open_at_week_end"],
        "training_graduates_observed_90": report["training"]["retention"]["graduates"]["90"]["at_risk"],
        "aim": "< 60 s",
    }


def run(placements: int, workdir: Path, migrate: Callable[[Path, str], str], log: Callable[[str], None]) -> dict:
    url = migrate(workdir, "reports.db")
    made = populate(Path(url.split("///", 1)[1]), placements, log=log)
    figures = time_report(url)
    note = "synthetic rows bulk-inserted by bench/reports.py (not the seed generator)"
    print(
        f"report/sqlite: whole province, {made['placements']:,} placements ({note}): "
        f"{figures['seconds_with_json']:.1f} s (aim < 60 s); served from its kept build: "
        f"{figures['served_kept_ms']:.0f} ms",
        flush=True,
    )
    return {"database": "sqlite", "data": note, **made, **figures}
