"""Enrolling from one XLSX beside the worker import, on SQLite: `python -m bench.training_enrol [--rows 10000]`.

Both go through the real routes of one in-process app (FastAPI's TestClient, so the figure leaves out the
network and the server's HTTP parsing), each timed over the whole request, upload and commit included.
"""

import argparse
import io
import tempfile
import time
from pathlib import Path

from fastapi.testclient import TestClient
from openpyxl import Workbook

from app.config import Settings
from app.db import Database
from app.main import create_app
from app.orgs import service as orgs
from bench.data import BENCH_PII_KEY, COUNTY, generate_workers, make_county_office, to_csv
from bench.dbs import migrated_sqlite


def _xlsx(external_ids: list[str]) -> bytes:
    wb = Workbook(write_only=True)
    sheet = wb.create_sheet()
    sheet.append(["外部编号 external_id"])
    for ext in external_ids:
        sheet.append([ext])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def run(rows: int, workdir: Path) -> dict[str, float]:
    url = migrated_sqlite(workdir, "training.db")
    _, county_key = make_county_office(url)
    db = Database(url)
    with db.session() as session, session.begin():
        _, school_key = orgs.create_org(session, "training_school", COUNTY, "bench school", [])
    workers = generate_workers(rows)
    app = create_app(Settings(database_url=url, pii_key=BENCH_PII_KEY, data_dir=workdir), db)
    county, school = ({"Authorization": f"Bearer {k}"} for k in (county_key, school_key))
    with TestClient(app) as client:
        started = time.perf_counter()
        resp = client.post("/api/v1/workers/import", headers=county, files={"file": ("w.csv", to_csv(workers))})
        import_s = time.perf_counter() - started
        assert resp.status_code == 201, resp.text[:500]
        body = {"mode": "short_course", "occupation_code": "6-25-04-00", "title": "bench", "county_code": COUNTY,
                "start_date": "2027-01-04", "end_date": "2027-02-26", "planned_hours": 120, "capacity": rows,
                "status": "enrolling"}  # fmt: skip
        class_id = client.post("/api/v1/training/classes", headers=school, json=body).json()["id"]
        content = _xlsx([w["external_id"] for w in workers])
        started = time.perf_counter()
        resp = client.post(
            f"/api/v1/training/classes/{class_id}/enrolments/import",
            headers=county,
            files={"file": ("e.xlsx", content)},
        )
        enrol_s = time.perf_counter() - started
        assert resp.status_code == 201 and resp.json()["created"] == rows, resp.text[:500]
    db.dispose()
    return {"rows": rows, "worker_import_rows_per_s": rows / import_s, "enrol_xlsx_rows_per_s": rows / enrol_s}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=10_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        figures = run(args.rows, Path(tmp))
    print(
        f"training/sqlite: enrolment from XLSX {figures['enrol_xlsx_rows_per_s']:,.0f} rows/s; worker import (CSV) "
        f"{figures['worker_import_rows_per_s']:,.0f} rows/s; {figures['rows']:,} rows each"
    )


if __name__ == "__main__":
    main()
