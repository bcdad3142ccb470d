"""A week's at-risk section is frozen by its run: later rescoring or follow-ups do not rewrite it."""

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, insert, select, update

from app.models import PlacementRisk, RiskSnapshot
from app.reports.facts import snapshot_week
from app.reports.schemas import IsoWeek
from tests.reports import helpers as h

URL = "/api/v1/reports/weekly"
SUNDAY_NIGHT = datetime(2025, 3, 9, 15, 59, tzinfo=UTC)  # 23:59 CST
LATER = datetime(2025, 3, 20, 2, 0, tzinfo=UTC)  # after W10's cutoff (the end of W11)


@pytest.fixture
def history(client, tenants, db):
    history = h.build_history(client, tenants, db)
    p = history.placements
    with db.session() as session, session.begin():
        for pid, r90 in ((p["local"], 0.71), (p["last_sunday"], 0.55), (p["sunday_start"], 0.2)):
            session.execute(
                insert(PlacementRisk),
                {
                    "placement_id": pid,
                    "risk_30": 0.1,
                    "risk_90": r90,
                    "risk_180": 0.8,
                    "reasons": [{"code": "wage_gap", "zh": "工资低于期望", "en": "pay below what was expected"}],
                    "action": "call",
                    "model_version": "test-1",
                    "scored_at": SUNDAY_NIGHT,
                },
            )
    return history


def _at_risk(client, tenant, week: str = h.WEEK) -> dict:
    resp = client.get(URL, params={"week": week}, headers=tenant.headers)
    assert resp.status_code == 200, resp.text
    return resp.json()["at_risk"]


def _rescore(db, placement_id: int, risk_90: float) -> None:
    with db.session() as session, session.begin():
        session.execute(
            update(PlacementRisk)
            .where(PlacementRisk.placement_id == placement_id)
            .values(risk_90=risk_90, model_version="test-2", scored_at=LATER)
        )


def test_rescoring_and_new_follow_ups_do_not_change_a_snapshotted_week(client, tenants, history, db):
    p, province = history.placements, tenants["province"]
    live = _at_risk(client, province)
    assert live["source"] == "live" and [i["placement_id"] for i in live["items"]] == [p["local"], p["last_sunday"]]
    with db.session() as session, session.begin():
        assert snapshot_week(session, IsoWeek.parse(h.WEEK)) == {"week": h.WEEK, "snapshot": "written", "placements": 3}
    _rescore(db, p["local"], 0.1)  # a follow-up after the cutoff lowers its risk: it drops out of the live list
    h.add_follow_up(db, p["local"], date(2025, 3, 19), "ok", tenants["county"].org_id)
    frozen = _at_risk(client, province)
    assert frozen["source"] == "snapshot"
    assert {k: v for k, v in frozen.items() if k != "source"} == {k: v for k, v in live.items() if k != "source"}
    assert frozen["items"][0]["model_version"] == "test-1"
    # The next week has no snapshot: it reads the live scores, where the rescored placement is no longer flagged.
    w11 = _at_risk(client, province, "2025-W11")
    assert w11["source"] == "live" and p["local"] not in [i["placement_id"] for i in w11["items"]]
    # Each scope reads its own share of the snapshot.
    assert [i["placement_id"] for i in _at_risk(client, tenants["other_employer"])["items"]] == [p["local"]]
    assert [i["placement_id"] for i in _at_risk(client, tenants["employer"])["items"]] == [p["last_sunday"]]
    assert _at_risk(client, tenants["other_county"])["items"] == []


def test_an_old_week_keeps_its_section_once_newer_scores_exist_and_a_second_snapshot_is_refused(
    client, tenants, history, db
):
    p, province = history.placements, tenants["province"]
    with db.session() as session, session.begin():
        snapshot_week(session, IsoWeek.parse(h.WEEK))
    for pid in (p["local"], p["last_sunday"], p["sunday_start"]):
        _rescore(db, pid, 0.9)  # every score is now newer than W10's cutoff
    with db.session() as session, session.begin():
        assert snapshot_week(session, IsoWeek.parse(h.WEEK)) == {"week": h.WEEK, "snapshot": "kept"}
        assert session.scalar(select(func.count()).select_from(RiskSnapshot)) == 3
        assert set(session.scalars(select(RiskSnapshot.risk_90))) == {0.71, 0.55, 0.2}
    old = _at_risk(client, province)
    assert old["note"] is None and (old["source"], old["scored"], old["flagged"]) == ("snapshot", 3, 2)
    # Without the snapshot the same week would say the model has not scored yet (all scores are too new).
    with db.session() as session, session.begin():
        session.execute(RiskSnapshot.__table__.delete())
    gone = _at_risk(client, province)
    assert gone["source"] == "live" and gone["items"] == [] and "has not scored" in gone["note"]
