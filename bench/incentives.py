"""Accrual over N synthetic placements (default 1,000,000) with the demo rules, on SQLite; then a re-run.

The placements are bench/reports.py's rows; a third of the workers are made registered low-income households and a
quarter of the placements referred by an agency or a broker, so every demo rule has work to do.
"""

import sqlite3
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from app.authz import OrgKind
from app.clock import today
from app.db import Database
from app.incentives import demo, service
from app.orgs.service import Principal
from bench.reports import STAMP, populate


def _prepare(path: Path) -> None:
    conn = sqlite3.connect(path)
    with conn:
        conn.execute(
            "INSERT INTO orgs (id, kind, name, region_code, created_at, updated_at) VALUES "
            "(2, 'provincial_office', '广东省东西部协作办公室', '440000', ?, ?), "
            "(3, 'agency', '柳州劳务中介', '450200', ?, ?), (4, 'broker', '经纪人韦某', '450225', ?, ?)",
            (STAMP,) * 6,
        )
        conn.execute("UPDATE workers SET registered_low_income = (id % 3 = 0)")
        conn.execute("UPDATE placements SET referred_by = CASE id % 8 WHEN 0 THEN 3 WHEN 4 THEN 4 END")
    conn.close()


def run(placements: int, workdir: Path, migrate: Callable[[Path, str], str], log: Callable[[str], None]) -> dict:
    url = migrate(workdir, "incentives.db")
    path = Path(url.split("///", 1)[1])
    made = populate(path, placements, log=log)
    _prepare(path)
    db = Database(url)
    out: dict[str, Any] = {"database": "sqlite", **made}
    try:
        with db.session() as session, session.begin():
            for org_id, region in ((1, "450000"), (2, "440000")):
                office = Principal(org_id, OrgKind.provincial_office, region, key_id=0, scopes=frozenset())
                demo.install(session, office)
        for run_name in ("first", "second"):
            started = time.perf_counter()
            with db.session() as session, session.begin():
                result = service.accrue(session, today(), None)
            seconds = time.perf_counter() - started
            out[run_name] = {"seconds": round(seconds, 1), "created": result.created, "amount_fen": result.amount_fen}
            log(f"incentives: {run_name} accrual run: {result.created:,} entries in {seconds:.1f} s")
    finally:
        db.dispose()
    print(
        f"incentives/sqlite: accrual over {made['placements']:,} placements with the demo rules: "
        f"{out['first']['seconds']:.1f} s, {out['first']['created']:,} entries (aim < 60 s, 20 s); "
        f"re-run {out['second']['seconds']:.1f} s, {out['second']['created']} new (aim < 10 s)",
        flush=True,
    )
    return out
