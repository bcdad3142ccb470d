"""`laborbridge departure evaluate|train|score`: the command-line side of the departure model."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from app.config import get_settings


def add_parser(sub: Any) -> argparse.ArgumentParser:
    dep = sub.add_parser("departure", help="early-departure risk: evaluate, train, score")
    dep_sub = dep.add_subparsers(dest="action", required=True)
    ev = dep_sub.add_parser(
        "evaluate",
        help="one JSON line: n, events, c_index, auc_at_horizon, integrated_brier and the Cox baseline",
    )
    source = ev.add_mutually_exclusive_group(required=True)
    source.add_argument("--input", help="CSV with a duration column, an event column and feature columns")
    source.add_argument("--from-db", action="store_true", help="the placement history in LB_DATABASE_URL")
    ev.add_argument("--duration-col")
    ev.add_argument("--event-col")
    ev.add_argument("--horizon", type=float, help="default: the median time of the observed events")
    ev.add_argument("--folds", type=int, default=5)
    ev.add_argument("--drop", default="", help="comma-separated columns to leave out")
    dep_sub.add_parser("train", help="fit on the whole history and make it the active departure model")
    score = dep_sub.add_parser("score", help="score every active placement into placement_risks")
    score.add_argument("--retrain", action="store_true", help="fit a new model even if the active one is fresh")
    return dep


def _fail(message: str) -> int:
    print(json.dumps({"error": message}, ensure_ascii=False), file=sys.stderr)
    return 2


def run(args: argparse.Namespace) -> int:
    if args.action == "evaluate" and args.input:
        from app.departure.evaluate import TableError, evaluate_csv

        if not args.duration_col or not args.event_col:
            return _fail("--input needs --duration-col and --event-col")
        if args.horizon is not None and args.horizon <= 0:
            return _fail("--horizon must be positive")
        drop = [c.strip() for c in args.drop.split(",") if c.strip()]
        try:
            result = evaluate_csv(args.input, args.duration_col, args.event_col, args.horizon, args.folds, drop)
        except TableError as exc:
            return _fail(str(exc))
        print(json.dumps(result, ensure_ascii=False))
        return 0

    from app.db import Database
    from app.departure import service
    from app.errors import NotEnoughHistory

    db = Database(get_settings().database_url)
    holder = service.model_holder()
    try:
        with db.session() as session, session.begin():
            if args.action == "evaluate":
                try:
                    result = service.evaluate_from_db(session, folds=args.folds)
                except NotEnoughHistory as exc:
                    return _fail(str(exc))
            else:
                try:
                    if args.action == "train":
                        result = {"model_version": service.train_and_store(session, holder)[1]}
                    else:
                        result = service.score_active_placements(session, holder, retrain=args.retrain)
                except NotEnoughHistory as exc:
                    return _fail(str(exc))
        print(json.dumps(result, ensure_ascii=False))
    finally:
        db.dispose()
    return 0
