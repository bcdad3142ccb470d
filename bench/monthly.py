"""The monthly consultation pack at scale on SQLite: `python -m bench --only monthly [--placements N]`.

On the report bench's synthetic province (bench/reports.py: N placements, default 1,000,000), with the province
pairing and one pairing per (eastern prefecture, western prefecture) among the counties it uses, a case on
every 7th ended placement (bench/cases.py) and twelve consultation actions per pairing, one raised each month of the
past year, every other one closed a month later: the whole-province pack for last month, built and rendered to JSON.
"""

import sqlite3
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from app.clock import today
from app.db import Database
from app.reports.monthly import build_pack
from app.reports.monthly_render import render
from app.reports.schemas import Month

STAMP = "2026-01-01 00:00:00.000000"


def add_pairings(path: Path) -> int:
    """The province pairing and prefecture pairings between the prefectures the bench's placements use."""
    conn = sqlite3.connect(path)
    routes = conn.execute(
        "SELECT DISTINCT substr(v.county_code, 1, 4) || '00', substr(w.hukou_county, 1, 4) || '00' "
        "FROM placements p JOIN workers w ON w.id = p.worker_id JOIN vacancies v ON v.id = p.vacancy_id "
        "WHERE v.county_code LIKE '44%' AND w.hukou_county LIKE '45%' ORDER BY 1, 2"
    ).fetchall()
    known = {c for (c,) in conn.execute("SELECT code FROM divisions")}
    rows = [("440000", "450000", "province", 60000)] + [
        (east, west, "prefecture", 3000) for east, west in routes if east in known and west in known
    ]
    with conn:
        conn.executemany(
            "INSERT INTO pairings (east_code, west_code, level, annual_target, illustrative, version, "
            "effective_from, created_at, updated_at) VALUES (?, ?, ?, ?, 1, 1, '2020-01-01', ?, ?)",
            [(*r, STAMP, STAMP) for r in rows],
        )
    conn.close()
    return len(rows)


ACTIONS_PER_PAIRING = 12


def add_actions(path: Path, month: Month) -> int:
    """One action per pairing raised in each of the twelve months up to `month`; the even ones closed a month on."""
    conn = sqlite3.connect(path)
    pairings = [p for (p,) in conn.execute("SELECT id FROM pairings ORDER BY id")]
    actions, events = [], []
    for pairing in pairings:
        for back in range(ACTIONS_PER_PAIRING):
            raised = month.shift(-back).first
            due = month.shift(1 - back).first
            action_id = len(actions) + 1
            closed = back % 2 == 0 and back > 0
            status = "done" if closed else "in_progress"
            actions.append((action_id, pairing, f"bench {back}", due, status, raised, STAMP, STAMP))
            events.append((action_id, f"{raised} 04:00:00.000000", None, "in_progress", due, None))
            if closed:
                events.append((action_id, f"{due} 04:00:00.000000", "in_progress", "done", due, "done"))
    with conn:
        conn.executemany(
            "INSERT INTO consultation_actions (id, pairing_id, issue, owner_org_id, due_date, status, "
            "raised_by_org_id, raised_on, version, created_at, updated_at) VALUES (?, ?, ?, 1, ?, ?, 1, ?, 1, ?, ?)",
            actions,
        )
        conn.executemany(
            "INSERT INTO consultation_action_events (action_id, org_id, at, from_status, status, issue, "
            "owner_org_id, due_date, closing_note) VALUES (?, 1, ?, ?, ?, 'bench', 1, ?, ?)",
            events,
        )
    conn.close()
    return len(actions)


def prepare(
    placements: int, workdir: Path, migrate: Callable[[Path, str], str], log: Callable[[str], None], stride: int = 7
) -> tuple[str, dict[str, Any]]:
    """The bench's province with its cases, pairings and actions: the database URL and what was made."""
    from bench.cases import add_cases
    from bench.reports import populate

    url = migrate(workdir, "monthly.db")
    path = Path(url.split("///", 1)[1])
    made = populate(path, placements, log=log)
    made |= add_cases(path, stride)
    made["pairings"] = add_pairings(path)
    made["actions"] = add_actions(path, Month.of(today()).shift(-1))
    return url, made


def run(
    placements: int,
    workdir: Path,
    migrate: Callable[[Path, str], str],
    log: Callable[[str], None],
    prepared: tuple[str, dict[str, Any]] | None = None,
) -> dict[str, Any]:
    url, made = prepared or prepare(placements, workdir, migrate, log)
    month = Month.of(today()).shift(-1)
    db = Database(url)
    try:
        started = time.perf_counter()
        with db.session(False) as session:
            pack = build_pack(session, month)
        built = time.perf_counter() - started
        data = render(pack, "json")
        total = time.perf_counter() - started
    finally:
        db.dispose()
    print(
        f"monthly/sqlite: whole-province pack for {month}, {made['pairings']} pairings over "
        f"{made['placements']:,} placements, {made['cases']:,} cases and {made['actions']:,} actions: "
        f"{total:.1f} s (aim < 60 s)",
        flush=True,
    )
    return {
        "database": "sqlite",
        **made,
        "month": str(month),
        "build_seconds": round(built, 2),
        "seconds_with_json": round(total, 2),
        "json_bytes": len(data),
        "placements_in_month": sum(p["placements"]["month"] for p in pack["pairings"][:1]),
        "actions_in_pack": len(pack["actions"]),
        "actions_overdue": sum(a["overdue"] for a in pack["actions"]),
        "aim": "< 60 s",
    }
