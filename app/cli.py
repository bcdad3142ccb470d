"""The `laborbridge` command line: the database, organisations and keys, demo data, the server, models, reports."""

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from app.config import ROOT, get_settings
from app.orgs.models import ORG_KINDS


def _alembic_config(url: str):  # type: ignore[no-untyped-def]
    from alembic.config import Config

    cfg = Config(str(ROOT / "alembic.ini"))
    cfg.set_main_option("script_location", str(ROOT / "migrations"))
    cfg.attributes["database_url"] = url
    return cfg


def upgrade_database(url: str, revision: str = "head") -> None:
    """Run Alembic migrations on `url` (used by the CLI, the tests and `make run`)."""
    from alembic import command

    command.upgrade(_alembic_config(url), revision)


def cmd_db(args: argparse.Namespace) -> int:
    from alembic import command

    url = get_settings().database_url
    if args.action == "upgrade":
        upgrade_database(url, args.revision)
    elif args.action == "downgrade":
        command.downgrade(_alembic_config(url), args.revision)
    elif args.action == "current":
        command.current(_alembic_config(url))
    return 0


def cmd_org(args: argparse.Namespace) -> int:
    from app.db import Database
    from app.errors import AppError
    from app.orgs import service

    db = Database(get_settings().database_url)
    try:
        with db.session() as session, session.begin():
            if args.action == "create":
                org, key = service.create_org(session, args.kind, args.region, args.name, args.scope or [])
                print(json.dumps({"org_id": org.id, "api_key": key}))
            elif args.action == "add-key":
                print(
                    json.dumps(
                        {"org_id": args.org_id, "api_key": service.issue_key(session, args.org_id, args.scope or [])}
                    )
                )
            else:
                count = service.revoke(session, api_key=args.key, prefix=args.prefix, org_id=args.org_id)
                print(json.dumps({"revoked": count}))
                if count == 0:
                    return 1
    except AppError as exc:
        print(json.dumps(exc.body(), ensure_ascii=False), file=sys.stderr)
        return 2
    finally:
        db.dispose()
    return 0


def cmd_seed(args: argparse.Namespace) -> int:
    from app.seed.generator import SeedConfig, seed_database

    settings = get_settings()
    summary = seed_database(
        settings.database_url,
        settings.pii_key,
        SeedConfig(workers=args.workers, vacancies=args.vacancies, years=args.years, seed=args.seed),
        keys_file=Path(args.keys_file) if args.keys_file else None,
        only_if_empty=args.if_empty,
    )
    print(json.dumps(summary, ensure_ascii=False))
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from app.portcheck import advice, port_in_use

    settings = get_settings()
    host, port = args.host or settings.host, args.port or settings.port
    if port_in_use(host, port):  # say so plainly, before uvicorn loads the app and dies on "address in use"
        print(advice(port), file=sys.stderr)
        return 1
    print(f"Laborbridge API on http://{host}:{port}  ·  docs: http://{host}:{port}/docs", flush=True)
    uvicorn.run(
        "app.main:create_app",
        factory=True,
        host=host,
        port=port,
        workers=args.workers,
        log_level="info",
        access_log=not args.no_access_log,
        server_header=False,  # no need to tell a prober which server (and version) to look up
        # X-Forwarded-For and -Proto are believed only from the proxies the app itself trusts.
        proxy_headers=bool(settings.trusted_proxies.strip()),
        forwarded_allow_ips=settings.trusted_proxies or None,
    )
    return 0


def cmd_demo_keys(args: argparse.Namespace) -> int:
    path = Path(args.keys_file)
    if not path.exists():
        print(f"no demo keys yet ({path}); run `laborbridge seed` first", file=sys.stderr)
        return 1
    keys = json.loads(path.read_text())
    print("Demo API keys (send as `Authorization: Bearer <key>`):")
    for role, item in keys.items():
        print(f"  {role:<22} {item['api_key']}   # {item['name']}")
    return 0


def cmd_settings(args: argparse.Namespace) -> int:
    """Print every LB_ setting as a Markdown table, or rewrite the README's copy of it in place."""
    from app.config import settings_markdown, with_settings_table

    if args.readme:
        path = Path(args.readme)
        text = path.read_text(encoding="utf-8")
        updated = with_settings_table(text)
        if updated != text:
            path.write_text(updated, encoding="utf-8")
        print(f"{path}: settings table {'updated' if updated != text else 'already current'}")
    else:
        print(settings_markdown(), end="")
    return 0


def cmd_occupations(args: argparse.Namespace) -> int:
    """Classify or evaluate job titles with the occupation normaliser, trained on the shipped data on the fly."""
    import numpy as np
    import pandas as pd

    from matching.evaluate import cross_validate, holdout_evaluate, topk_metrics
    from matching.occupations import OccupationNormaliser, default_normaliser, load_labelled

    labelled = load_labelled()
    if args.action == "classify":
        try:
            frame = pd.read_csv(args.input, dtype=str, keep_default_na=False)
        except (OSError, ValueError) as exc:  # missing file, not a CSV
            print(f"{args.input}: {exc}", file=sys.stderr)
            return 2
        if args.top < 1:
            print("--top must be at least 1", file=sys.stderr)
            return 2
        if "title" not in frame.columns:
            print(f"{args.input}: no `title` column", file=sys.stderr)
            return 2
        model = default_normaliser()
        titles = list(frame["title"])
        codes, scores = model.predict_topk(titles, k=args.top)
        k = codes.shape[1]
        out = pd.DataFrame(
            {
                "title": np.repeat(titles, k),
                "rank": np.tile(np.arange(1, k + 1), len(titles)),
                "code": codes.ravel(),
                "name": model.name_of(codes.ravel()),
                "score": np.round(scores.ravel(), 4),
            }
        )
        out.to_csv(args.output, index=False)
        return 0
    try:
        test = load_labelled(args.input) if args.input else labelled
    except (ValueError, OSError) as exc:
        print(str(exc), file=sys.stderr)
        return 2
    if test.empty:
        print(f"{args.input}: no rows to evaluate", file=sys.stderr)
        return 2
    pairs = set(zip(test["title"], test["code"], strict=True))
    folds = args.cv
    if folds is None and pairs == set(zip(labelled["title"], labelled["code"], strict=True)):
        folds = 5  # judging the training file itself: only cross-validation says anything about unseen titles
    if folds is not None:
        if not 2 <= folds <= len(test):
            print(f"--cv must be between 2 and the number of rows ({len(test)})", file=sys.stderr)
            return 2
        try:
            result = cross_validate(test, n_splits=folds, make_model=lambda: OccupationNormaliser(n_jobs=-1))
        except ValueError as exc:  # e.g. a code that is not in CSCO 2022
            print(str(exc), file=sys.stderr)
            return 2
    else:
        # Train on everything the product would, minus the titles being judged, so the figure is for unseen titles.
        keep = ~labelled["title"].isin(set(test["title"]))
        if keep.all():  # no overlap: the product's own normaliser has not seen these titles
            model = default_normaliser()
            codes, _ = model.predict_topk(list(test["title"]), k=5)
            result = {"method": "holdout", "n": len(test), **topk_metrics(list(test["code"]), codes)}
        else:
            model = OccupationNormaliser(n_jobs=-1)
            result = {"method": "holdout", **holdout_evaluate(model, labelled[keep], test)}
    print(json.dumps(result, ensure_ascii=False))
    return 0


def cmd_train(args: argparse.Namespace) -> int:
    """Fit the normaliser and the ranker from the database and store them (the ranker behind a gate)."""
    from app.db import Database
    from app.errors import NotEnoughHistory
    from app.matching import training

    db = Database(get_settings().database_url)
    try:
        with db.session() as session:
            with session.begin():
                present = training.has_active_models(session)
            if args.if_missing and present:
                print(json.dumps({"skipped": True, "reason": "active occupations and ranker artefacts exist"}))
                return 0
            try:
                with session.begin():  # a failure rolls back everything, the normaliser included
                    summary = training.train(session, holdout_days=args.holdout_days)
            except NotEnoughHistory as exc:  # any other error is a bug and must fail the command
                if args.if_missing:  # `make run` on a young database: the API serves with the rule baseline
                    reason = f"not enough history to train: {exc}; the API ranks by rule until `laborbridge train`"
                    print(json.dumps({"skipped": True, "reason": reason}, ensure_ascii=False))
                    return 0
                print(json.dumps({"error": str(exc)}, ensure_ascii=False), file=sys.stderr)
                return 2
    finally:
        db.dispose()
    print(json.dumps(summary, ensure_ascii=False, default=str))
    return 0


def cmd_evaluate(args: argparse.Namespace) -> int:
    """One JSON line: the model against two baselines on the held-out window (and against the truth if seeded)."""
    if args.what == "allocation":
        from app.allocations.cli import cmd_evaluate_allocation

        return cmd_evaluate_allocation(args)
    from app.db import Database
    from app.matching import evaluation
    from app.pii import vault_for

    settings = get_settings()
    db = Database(settings.database_url)
    try:
        with db.session(write=False) as session:
            try:
                result = evaluation.evaluate(session, vault_for(settings.pii_key), holdout_days=args.holdout_days)
            except ValueError as exc:
                print(json.dumps({"error": str(exc)}, ensure_ascii=False), file=sys.stderr)
                return 2
    finally:
        db.dispose()
    print(json.dumps(result, ensure_ascii=False, default=str))
    return 0


def cmd_departure(args: argparse.Namespace) -> int:
    """Departure risk: evaluate on any CSV or on the database history, train, score active placements."""
    from app.departure import commands

    return commands.run(args)


def build_parser() -> argparse.ArgumentParser:
    default_keys = str(get_settings().data_dir / "demo_keys.json")
    parser = argparse.ArgumentParser(prog="laborbridge", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    db = sub.add_parser("db", help="migrate the database named by LB_DATABASE_URL")
    db.add_argument("action", choices=["upgrade", "downgrade", "current"])
    db.add_argument("revision", nargs="?", default="head")
    db.set_defaults(func=cmd_db)

    org = sub.add_parser("org", help="organisations and their API keys")
    org_sub = org.add_subparsers(dest="action", required=True)
    create = org_sub.add_parser("create", help='prints {"org_id": ..., "api_key": ...}; the key is shown once')
    create.add_argument("--kind", required=True, choices=ORG_KINDS)
    create.add_argument("--region", required=True, help="GB/T 2260 code of the organisation's region")
    create.add_argument("--name", required=True)
    create.add_argument("--scope", action="append", help="extra scope, e.g. pii:read (repeatable)")
    add_key = org_sub.add_parser("add-key", help="issue another key to an organisation")
    add_key.add_argument("--org-id", type=int, required=True)
    add_key.add_argument("--scope", action="append")
    revoke = org_sub.add_parser("revoke-key", help="revoke a key (by the key, its prefix, or all of an org's)")
    group = revoke.add_mutually_exclusive_group(required=True)
    group.add_argument("--key")
    group.add_argument("--prefix", help="the 8 hex characters after lb_")
    group.add_argument("--org-id", type=int)
    org.set_defaults(func=cmd_org)

    seed = sub.add_parser("seed", help="demo data from the behavioural model in seed_data/README.md")
    seed.add_argument("--workers", type=int, default=2000)
    seed.add_argument("--vacancies", type=int, default=300)
    seed.add_argument("--years", type=int, default=3)
    seed.add_argument("--seed", type=int, default=7)
    seed.add_argument("--keys-file", default=default_keys, help="where the demo keys (one per role) are written")
    seed.add_argument("--if-empty", action="store_true", help="do nothing if the database already has workers")
    seed.set_defaults(func=cmd_seed)

    serve = sub.add_parser("serve", help="serve the HTTP API with uvicorn")
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    serve.add_argument("--workers", type=int, default=1)
    serve.add_argument("--no-access-log", action="store_true")
    serve.set_defaults(func=cmd_serve)

    keys = sub.add_parser("demo-keys", help="print the demo keys written by `seed`")
    keys.add_argument("--keys-file", default=default_keys)
    keys.set_defaults(func=cmd_demo_keys)

    settings_cmd = sub.add_parser("settings", help="every LB_ setting with its default and meaning (Markdown)")
    settings_cmd.add_argument("--markdown", action="store_true", help="print the table (the default)")
    settings_cmd.add_argument("--readme", metavar="FILE", help="rewrite the table between the markers in FILE")
    settings_cmd.set_defaults(func=cmd_settings)

    occ = sub.add_parser("occupations", help="map free-text job titles to CSCO 2022 codes")
    occ_sub = occ.add_subparsers(dest="action", required=True)
    classify = occ_sub.add_parser("classify", help="write title,rank,code,name,score for each title of a CSV")
    classify.add_argument("--input", required=True, help="CSV with a `title` column")
    classify.add_argument("--output", required=True)
    classify.add_argument("--top", type=int, default=5)
    evaluate = occ_sub.add_parser(
        "evaluate",
        help="one JSON line: n, top1, top5, level3_top1 on titles the normaliser did not train on",
    )
    evaluate.add_argument(
        "--input", help="CSV with `title,code` columns (default: the shipped labelled titles, 5-fold cv)"
    )
    evaluate.add_argument(
        "--cv", type=int, metavar="K", help="K-fold cross-validation over the input instead of a hold-out"
    )
    occ.set_defaults(func=cmd_occupations)

    train = sub.add_parser("train", help="fit the occupation normaliser and the ranker; one JSON summary line")
    train.add_argument("--holdout-days", type=int, default=365, help="the later time window the ranker is judged on")
    train.add_argument(
        "--if-missing",
        action="store_true",
        help="do nothing if both models are already active; too little history is a skip (exit 0), not a failure",
    )
    train.set_defaults(func=cmd_train)
    ev = sub.add_parser("evaluate", help="figures for a model on the held-out time window")
    ev.add_argument("what", choices=["matcher", "allocation"])
    ev.add_argument("--holdout-days", type=int, default=365)
    ev.set_defaults(func=cmd_evaluate)
    from app.reports.cli import add_parser as add_report_parser  # weekly retention reports

    add_report_parser(sub)
    from app.departure.commands import add_parser as add_departure_parser

    add_departure_parser(sub).set_defaults(func=cmd_departure)
    from app.allocations.cli import add_parsers as add_allocation_parsers

    add_allocation_parsers(sub, ev)
    from app.incentives.cli import add_parser as add_incentives_parser  # incentives

    add_incentives_parser(sub)
    from app.rights.cli import add_parser as add_rights_parser  # rights cases

    add_rights_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
