"""Command-line helpers for `laborbridge match batch` and `laborbridge evaluate allocation` (registered in app.cli)."""

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from app.config import get_settings


def _open() -> tuple[Any, Any, Any]:
    from app.db import Database
    from app.matching.cache import Matcher
    from app.pii import vault_for

    settings = get_settings()
    return Database(settings.database_url), Matcher(settings), vault_for(settings.pii_key)


def cmd_evaluate_allocation(args: argparse.Namespace) -> int:
    """One JSON line: min-cost flow, greedy and stable on the same unplaced workers and candidate edges."""
    from app.allocations import service

    db, matcher, vault = _open()
    try:
        with db.session(write=False) as session:
            result = service.evaluate(session, matcher, vault, args.county, args.k)
    finally:
        db.dispose()
    print(json.dumps(result, ensure_ascii=False, default=str))
    return 0


def cmd_match_batch(args: argparse.Namespace) -> int:
    """Top-k open vacancies for every unplaced worker, on Dask partitioned by county; rows to parquet or CSV."""
    from app.allocations import service
    from matching.distributed import run_batch

    output = Path(args.output)
    if output.suffix not in (".parquet", ".csv"):
        print(f"--output must end in .parquet or .csv: {output}", file=sys.stderr)
        return 2
    db, matcher, vault = _open()
    try:
        with db.session(write=False) as session:
            workers, board, ranker, model_info, pairs = service.batch_inputs(session, matcher, vault, args.county)
    finally:
        db.dispose()
    rows, info = run_batch(workers, board, ranker, args.k, scheduler=args.scheduler, pairs=pairs, rerank=False)
    output.parent.mkdir(parents=True, exist_ok=True)
    rows = rows[["worker_id", "vacancy_id", "score", "rank"]]
    if output.suffix == ".parquet":
        rows.to_parquet(output, index=False)
    else:
        rows.to_csv(output, index=False)
    print(json.dumps({**info, "k": args.k, "model": model_info, "output": str(output)}, ensure_ascii=False))
    return 0


def add_parsers(sub: Any, evaluate: argparse.ArgumentParser) -> None:
    """`match batch` and the --county/--k options of `evaluate allocation`."""
    evaluate.add_argument("--county", help="allocation: only this county's unplaced workers (GB/T 2260)")
    evaluate.add_argument("--k", type=int, default=20, help="allocation: candidate vacancies per worker")
    match = sub.add_parser("match", help="batch ranking of every unplaced worker")
    match_sub = match.add_subparsers(dest="action", required=True)
    batch = match_sub.add_parser("batch", help="top-k per worker on Dask (LocalCluster, or --scheduler tcp://...)")
    batch.add_argument("--scheduler", help="address of a running Dask scheduler, e.g. tcp://dask-scheduler:8786")
    batch.add_argument("--k", type=int, default=20)
    batch.add_argument("--county", help="only this county's workers")
    batch.add_argument("--output", required=True, help="FILE.parquet or FILE.csv")
    batch.set_defaults(func=cmd_match_batch)
