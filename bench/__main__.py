"""`python -m bench [--only NAME]`: figures, then JSON (without --only: all but the two heavy quality runs)."""

import argparse
import json
import os
import platform
import shutil
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from app.cli import upgrade_database
from bench.dbs import migrated_sqlite


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def bench_import(rows: int, workdir: Path) -> dict[str, Any]:
    from bench.data import generate_workers
    from bench.imports import RAW_NOTE, run_import
    from tests.support.pgcluster import start_cluster

    log(f"generating {rows:,} workers")
    workers = generate_workers(rows)
    out: dict[str, Any] = {"rows": rows, "raw_baseline": RAW_NOTE}

    log("SQLite: migrating two fresh databases (one for the import route, one for the raw baseline)")
    figures = run_import("sqlite", migrated_sqlite(workdir, "import.db"), migrated_sqlite(workdir, "raw.db"), workers,
                         workdir)  # fmt: skip
    out["sqlite"] = figures.as_dict()
    for line in figures.lines():
        print(line, flush=True)

    log("PostgreSQL: starting a throwaway cluster")
    try:
        cluster = start_cluster()
    except FileNotFoundError as exc:
        print(f"import/postgresql: SKIPPED: {exc} (apt-get install postgresql-15)", flush=True)
        out["postgresql"] = {"error": str(exc)}
        return out
    try:
        http_url, raw_url = cluster.create_database("bench_import"), cluster.create_database("bench_raw")
        upgrade_database(http_url)
        upgrade_database(raw_url)
        figures = run_import("postgresql", http_url, raw_url, workers, workdir)
        out["postgresql"] = figures.as_dict()
        for line in figures.lines():
            print(line, flush=True)
    finally:
        cluster.stop()
    return out


def bench_reads(seconds: float, connections: int, workdir: Path) -> dict[str, Any]:
    from bench.reads import run_reads

    log("reads: migrating a SQLite database and inserting 10,000 workers")
    url = migrated_sqlite(workdir, "reads.db")
    tool, results = run_reads(url, workdir, seconds, connections, log=lambda m: print(m, flush=True))
    return {
        "tool": tool,
        "database": "sqlite",
        "route": "GET /api/v1/workers/{id}",
        "aim": ">= 1000 req/s, p99 < 100 ms",
        "by_server_workers": {str(r.server_workers): r.as_dict() for r in results},
    }


def bench_occupations(titles: int) -> dict[str, Any]:
    from bench.occupations import lines, run_occupations

    log(f"occupations: fitting the normaliser and classifying {titles:,} titles")
    figures = run_occupations(titles)
    for line in lines(figures):
        print(line, flush=True)
    return figures


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--rows", type=int, default=100_000, help="workers in the bulk-import file")
    parser.add_argument("--seconds", type=float, default=15, help="duration of each read load test")
    parser.add_argument("--connections", type=int, default=32, help="concurrent connections for the read test")
    parser.add_argument(
        "--only",
        choices=[
            "import",
            "reads",
            "occupations",
            "occupation-corrections",
            "matches",
            "allocation",
            "reports",
            "departure",
            "matcher-quality",
            "incentives",  # incentives
            "training",  # training
            "training-report",  # the weekly report with its training section
            "cases",  # rights cases
            "monthly",  # the monthly consultation pack
            "quarterly",  # the quarterly evaluation
            "transport",  # the route-level transport problem of the pairing proposals
            "proposals",  # the pairing proposals
        ],
        help="run one of the benchmarks",
    )
    parser.add_argument("--placements", type=int, default=1_000_000, help="placements behind the weekly report")
    parser.add_argument("--match-workers", type=int, default=100_000, help="workers in the batch top-20 figure")
    parser.add_argument("--match-server-workers", type=int, default=1, help="uvicorn processes for /matches")
    parser.add_argument("--titles", type=int, default=100_000, help="job titles for the occupation normaliser")
    args = parser.parse_args(argv)
    if args.rows < 1 or args.seconds <= 0 or args.connections < 1 or args.titles < 1:
        parser.error("--rows, --seconds, --connections and --titles must be positive")

    figures: dict[str, Any] = {
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
    }
    workdir = Path(tempfile.mkdtemp(prefix="lb-bench-"))
    try:
        if args.only in (None, "import"):
            figures["import"] = bench_import(args.rows, workdir)
        if args.only in (None, "reads"):
            figures["reads"] = bench_reads(args.seconds, args.connections, workdir)
        if args.only in (None, "occupations"):
            figures["occupations"] = bench_occupations(args.titles)
        if args.only == "occupation-corrections":  # five normaliser fits: only when asked
            from bench.occupation_corrections import lines as correction_lines
            from bench.occupation_corrections import run as run_corrections

            log("occupation-corrections: learning curve, shipped labelled titles fed as corrections")
            figures["occupation_corrections"] = run_corrections()
            for line in correction_lines(figures["occupation_corrections"]):
                print(line, flush=True)
        if args.only == "matcher-quality":  # heavy (four databases seeded and trained): only when asked
            from bench.data import BENCH_PII_KEY
            from bench.matcher_quality import run as run_quality

            figures["matcher_quality"] = run_quality(workdir, BENCH_PII_KEY, log)
        if args.only in (None, "matches"):
            from bench.matches import run_batch, run_http

            log(f"matches: batch top-20, {args.match_workers:,} workers x 100,000 vacancies (one process)")
            figures["matches_batch"] = run_batch(args.match_workers)
            log(f"matches batch: {figures['matches_batch']}")
            figures["matches_http"] = run_http(
                migrated_sqlite(workdir, "matches.db"),
                workdir,
                args.seconds,
                log=lambda m: print(m, flush=True),
                server_workers=args.match_server_workers,
            )
        if args.only in (None, "reports"):
            from bench.reports import run as run_reports

            figures["reports"] = run_reports(args.placements, workdir, migrated_sqlite, log)
        if args.only in (None, "departure"):
            from bench.data import BENCH_PII_KEY
            from bench.departure import bench as bench_departure

            figures["departure"] = bench_departure(workdir, BENCH_PII_KEY, 100_000, log)
        if args.only in (None, "allocation"):
            from bench.allocation import run_allocation, run_dask

            figures["allocation"] = run_allocation(log=lambda m: print(m, flush=True))
            figures["allocation_dask_batch"] = run_dask(log=lambda m: print(m, flush=True))
        if args.only in (None, "incentives"):  # incentives
            from bench.incentives import run as run_incentives

            figures["incentives"] = run_incentives(args.placements, workdir, migrated_sqlite, log)
        if args.only in (None, "training"):  # training
            from bench.training_enrol import run as run_training

            log("training: 10,000 enrolments from one XLSX, beside the worker import of the same rows")
            figures["training"] = run_training(10_000, workdir)
            log(f"training: {figures['training']}")
        if args.only in (None, "training-report"):
            from bench.training_report import run as run_training_report

            figures["training_report"] = run_training_report(args.placements, workdir, migrated_sqlite, log)
        if args.only in (None, "cases"):  # rights cases
            from bench.cases import run as run_cases

            figures["cases"] = run_cases(args.placements, workdir, migrated_sqlite, log)
        if args.only in (None, "monthly", "quarterly"):  # the monthly pack and the quarterly evaluation: one province
            from bench.monthly import prepare
            from bench.monthly import run as run_monthly
            from bench.quarterly import run as run_quarterly

            prepared = prepare(args.placements, workdir, migrated_sqlite, log)
            if args.only != "quarterly":
                figures["monthly"] = run_monthly(args.placements, workdir, migrated_sqlite, log, prepared)
            if args.only != "monthly":
                figures["quarterly"] = run_quarterly(args.placements, workdir, migrated_sqlite, log, prepared)
        if args.only in (None, "transport"):  # the route-level transport problem of the pairing proposals
            from bench.transport import run as run_transport

            figures["transport"] = run_transport()
        if args.only in (None, "proposals"):  # the pairing proposals
            from bench.proposals import run as run_proposals

            figures["proposals"] = run_proposals()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    print(json.dumps(figures, ensure_ascii=False), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
