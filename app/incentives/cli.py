"""`laborbridge incentives accrue | demo-rules | cost` (registered in app.cli)."""

import argparse
import json
from datetime import date, timedelta

from app.config import get_settings


def cmd_incentives(args: argparse.Namespace) -> int:
    from app.authz import OrgKind
    from app.clock import today
    from app.db import Database
    from app.incentives import demo, service
    from app.orgs import repository as orgs
    from app.orgs.service import Principal
    from app.pii import vault_for

    settings = get_settings()
    db = Database(settings.database_url)
    try:
        with db.session() as session, session.begin():
            if args.action == "accrue":
                as_of = args.as_of or today()
                result: object = service.accrue(session, as_of, vault_for(settings.pii_key)).model_dump()
            elif args.action == "demo-rules":
                org = orgs.get_org(session, args.org_id)
                if org is None:
                    print(json.dumps({"error": f"no organisation {args.org_id}"}))
                    return 2
                # The command acts as that office (no key): the rules go through the same wall as the API.
                office = Principal(org.id, OrgKind(org.kind), org.region_code, key_id=0, scopes=frozenset())
                result = {"rule_ids": demo.install(session, office)}
            else:
                as_of = args.as_of or today()
                date_to = args.date_to or as_of - timedelta(days=service.LASTING_DAYS)
                date_from = args.date_from or date_to - timedelta(days=365)
                result = service.cost_per_lasting_placement(session, date_from, date_to, as_of)
    finally:
        db.dispose()
    print(json.dumps(result, ensure_ascii=False, default=str))
    return 0


def add_parser(sub: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    parser = sub.add_parser("incentives", help="four-party incentives: accrue the ledger, demo rules, spend per job")
    actions = parser.add_subparsers(dest="action", required=True)
    accrue = actions.add_parser("accrue", help="turn milestones reached into accruals (idempotent); one JSON line")
    accrue.add_argument("--as-of", type=date.fromisoformat, help="YYYY-MM-DD, default today (China time)")
    demo_rules = actions.add_parser("demo-rules", help="write the illustrative rules of a provincial office")
    demo_rules.add_argument("--org-id", type=int, required=True, help="the provincial office's org id")
    cost = actions.add_parser("cost", help="net incentive spend per placement that lasted 180 days; one JSON line")
    cost.add_argument("--from", dest="date_from", type=date.fromisoformat, help="first start date counted")
    cost.add_argument("--to", dest="date_to", type=date.fromisoformat, help="last start date (default: 180 days ago)")
    cost.add_argument("--as-of", type=date.fromisoformat)
    parser.set_defaults(func=cmd_incentives)
