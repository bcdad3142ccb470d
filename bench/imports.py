"""Bulk import: the real upload route against a raw bulk insert of the same rows, per backend."""

import sqlite3
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import httpx
import psycopg
from sqlalchemy.engine import make_url

from bench.data import BENCH_PII_KEY, copy_rows, make_county_office, prepared_columns, sqlite_params, to_csv
from bench.server import ApiServer

IMPORT_PATH = "/api/v1/workers/import"
RAW_NOTE = "prepared values: ID/phone hashed+encrypted beforehand, not timed"


@dataclass
class ImportFigures:
    backend: str
    rows: int
    raw_method: str
    raw_seconds: float
    raw_rows_per_s: float
    prep_seconds: float
    http_seconds: float | None = None
    http_rows_per_s: float | None = None
    http_status: int | None = None
    http_created: int | None = None
    ratio: float | None = None
    ratio_vs_raw_with_prep: float | None = None
    error: str | None = None

    def lines(self) -> list[str]:
        with_prep = self.rows / (self.raw_seconds + self.prep_seconds)
        out = [
            f"import/{self.backend}: raw {self.raw_method}: {self.raw_rows_per_s:,.0f} rows/s "
            f"({self.rows:,} rows in {self.raw_seconds:.2f}s; {RAW_NOTE}; "
            f"with the hashing/encryption timed too: {with_prep:,.0f} rows/s)"
        ]
        if self.error:
            out.append(f"import/{self.backend}: POST {IMPORT_PATH} FAILED: {self.error}")
        else:
            out.append(
                f"import/{self.backend}: POST {IMPORT_PATH}: {self.http_rows_per_s:,.0f} rows/s "
                f"({self.http_created:,} created in {self.http_seconds:.2f}s); "
                f"import/raw = {self.ratio:.2f} (aim >= 0.5; {self.ratio_vs_raw_with_prep:.2f} vs raw with hashing)"
            )
        return out

    def as_dict(self) -> dict[str, Any]:
        return {k: (round(v, 3) if isinstance(v, float) else v) for k, v in asdict(self).items()}


def http_import(url: str, csv_bytes: bytes, rows: int, workdir: Path, timeout: float) -> dict[str, Any]:
    """Upload the CSV to a fresh server on `url`'s database; the figure is the whole request, upload included."""
    _, key = make_county_office(url)
    with ApiServer(url, BENCH_PII_KEY, workdir) as server:
        started = time.perf_counter()
        try:
            resp = httpx.post(
                server.url + IMPORT_PATH,
                headers={"Authorization": f"Bearer {key}"},
                files={"file": ("workers.csv", csv_bytes, "text/csv")},
                timeout=timeout,
            )
        except httpx.HTTPError as exc:
            return {"error": f"{type(exc).__name__}: {exc}"}
        elapsed = time.perf_counter() - started
        if resp.status_code != 201:
            detail = resp.text[:300].replace("\n", " ")
            hint = " (the import route is not there yet?)" if resp.status_code in (404, 405, 500) else ""
            server.stop()  # the traceback is logged after the 500 is sent: stop first, then read it
            tail = server.error_tail() if resp.status_code >= 500 else ""
            return {
                "http_status": resp.status_code,
                "error": f"HTTP {resp.status_code}{hint}: {detail}\n{tail}".strip(),
            }
        body = resp.json()
        created = int(body.get("created", 0))
        if created != rows:
            return {"http_status": 201, "http_created": created, "error": f"created {created} of {rows} rows: {body}"}
        return {"http_status": 201, "http_created": created, "http_seconds": elapsed, "http_rows_per_s": rows / elapsed}


def raw_sqlite(path: str, columns: list[dict[str, Any]]) -> float:
    """One executemany in one transaction, with the app's pragmas (WAL, synchronous=NORMAL, foreign keys)."""
    names = list(columns[0])
    params = sqlite_params(columns, names)
    sql = f"INSERT INTO workers ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})"
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "foreign_keys=ON"):
            conn.execute(f"PRAGMA {pragma}")
        started = time.perf_counter()
        conn.execute("BEGIN IMMEDIATE")
        conn.executemany(sql, params)
        conn.execute("COMMIT")
        return time.perf_counter() - started
    finally:
        conn.close()


def raw_postgres(url: str, columns: list[dict[str, Any]]) -> float:
    """COPY workers (...) FROM STDIN through psycopg 3, one transaction."""
    names = list(columns[0])
    rows = copy_rows(columns, names)
    conninfo = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(conninfo) as conn:
        started = time.perf_counter()
        with conn.cursor() as cur, cur.copy(f"COPY workers ({', '.join(names)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        conn.commit()
        return time.perf_counter() - started


def run_import(
    backend: str,
    http_url: str,
    raw_url: str,
    workers: list[dict[str, Any]],
    workdir: Path,
    timeout: float = 900,
) -> ImportFigures:
    """`http_url` and `raw_url` are two freshly migrated databases, so both runs start from the same empty table."""
    from app.pii import vault_for

    rows = len(workers)
    owner_id, _ = make_county_office(raw_url)
    started = time.perf_counter()
    columns = prepared_columns(workers, owner_id, vault_for(BENCH_PII_KEY))
    prep_seconds = time.perf_counter() - started
    if backend == "sqlite":
        raw_seconds = raw_sqlite(make_url(raw_url).database or "", columns)
        method = "sqlite3 executemany"
    else:
        raw_seconds = raw_postgres(raw_url, columns)
        method = "psycopg COPY FROM STDIN"
    figures = ImportFigures(backend, rows, method, raw_seconds, rows / raw_seconds, prep_seconds)
    result = http_import(http_url, to_csv(workers), rows, workdir, timeout)
    for name, value in result.items():
        setattr(figures, name, value)
    if figures.http_rows_per_s:
        figures.ratio = figures.http_rows_per_s / figures.raw_rows_per_s
        figures.ratio_vs_raw_with_prep = figures.http_rows_per_s * (raw_seconds + prep_seconds) / rows
    return figures
