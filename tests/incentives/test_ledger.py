"""The ledger's own guarantees, in the database: no edit, no delete, no second accrual; sums reconcile."""

from collections import defaultdict
from datetime import date, timedelta

import pytest
from sqlalchemy import delete, insert, select, text, update
from sqlalchemy.exc import DBAPIError

from app.incentives.models import IncentiveEntry
from tests.incentives.conftest import accrue, post_rule


def _one_accrual(client, tenants, db, placed) -> int:
    post_rule(client, tenants["province"])
    assert accrue(db)["created"] == 1
    with db.session() as session:
        return int(session.scalar(select(IncentiveEntry.id)))


@pytest.mark.parametrize(
    "statement",
    [
        lambda i: update(IncentiveEntry).where(IncentiveEntry.id == i).values(amount_fen=1),
        lambda i: delete(IncentiveEntry).where(IncentiveEntry.id == i),
        lambda i: text("UPDATE incentive_ledger SET kind = 'payment'"),
        lambda i: text("DELETE FROM incentive_ledger"),
    ],
    ids=["orm-update", "orm-delete", "sql-update", "sql-delete"],
)
def test_the_database_refuses_to_edit_or_delete_an_entry(client, tenants, db, placed, statement):
    entry_id = _one_accrual(client, tenants, db, placed)
    with pytest.raises(DBAPIError, match="append-only"), db.session() as session, session.begin():
        session.execute(statement(entry_id))
    with db.session() as session:
        assert session.scalar(select(IncentiveEntry.amount_fen).where(IncentiveEntry.id == entry_id)) == 40_000


def test_truncate_is_refused_on_postgresql(client, tenants, db, placed, backend):
    if backend != "postgresql":
        pytest.skip("SQLite has no TRUNCATE")
    _one_accrual(client, tenants, db, placed)
    with pytest.raises(DBAPIError, match="append-only"), db.session() as session, session.begin():
        session.execute(text("TRUNCATE incentive_ledger CASCADE"))


def test_a_second_accrual_of_the_same_milestone_is_refused_whatever_the_version(client, tenants, db, placed):
    entry_id = _one_accrual(client, tenants, db, placed)
    with db.session() as session:
        row = session.get(IncentiveEntry, entry_id)
        assert row is not None
        twin = {c.name: getattr(row, c.name) for c in IncentiveEntry.__table__.columns if c.name != "id"}
    twin["rule_version"] = 2
    with pytest.raises(DBAPIError), db.session() as session, session.begin():
        session.execute(insert(IncentiveEntry).values(twin))


def test_accruals_reconcile_with_an_independent_count_from_the_raw_placements(client, tenants, db, placed):
    """Recompute every accrual from the placements and the rules, by hand, and compare sums per beneficiary."""
    rules = [
        post_rule(client, tenants["province"]),
        post_rule(client, tenants["province"], beneficiary="agency", conditions={}, exclusions=[], limits={}),
        post_rule(
            client,
            tenants["province"],
            beneficiary="worker",
            trigger="placement_started",
            days=None,
            amount_fen=5_000,
            conditions={},
            exclusions=[],
            limits={},
        ),
    ]
    as_of = date(2026, 12, 1)
    accrue(db, as_of.isoformat())
    placements = client.get("/api/v1/placements", headers=tenants["province"].headers).json()["items"]
    workers = {w["id"]: w for w in client.get("/api/v1/workers", headers=tenants["province"].headers).json()["items"]}
    expected: dict[str, int] = defaultdict(int)
    for rule in rules:
        days = rule["days"] if rule["trigger"] == "continuous_days" else 0
        for p in placements:
            reached = date.fromisoformat(p["start_date"]) + timedelta(days=days)
            if reached > as_of or (p["end_date"] and date.fromisoformat(p["end_date"]) < reached):
                continue
            if "free_transport" in rule["exclusions"] and p["free_transport"]:
                continue
            households = rule["conditions"].get("households")
            worker = workers[p["worker_id"]]
            if households and not (worker["registered_low_income"] or worker["monitored_household"]):
                continue
            if rule["beneficiary"] == "agency" and p["referred_by"] != tenants["agency"].org_id:
                continue
            expected[rule["beneficiary"]] += rule["amount_fen"]
    got: dict[str, int] = defaultdict(int)
    for e in client.get("/api/v1/incentives/ledger?kind=accrual&limit=500", headers=tenants["province"].headers).json()[
        "items"
    ]:
        got[e["beneficiary_kind"]] += e["amount_fen"]
    assert got == expected and expected["worker"] == 40_000 + 4 * 5_000 and expected["agency"] == 40_000
