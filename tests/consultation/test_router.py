"""Consultation actions through the API: the province records, the owner reports and closes, history is kept."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from app.clock import today
from app.consultation.models import AppendOnly, ConsultationAction, ConsultationActionEvent

DUE = "2099-01-31"


@pytest.fixture
def pairing(client, tenants) -> int:
    """東莞—柳州 at prefecture level: the county office (融水, 450225) sends through it, the station (东莞) receives."""
    body = {"east_code": "441900", "west_code": "450200", "level": "prefecture", "annual_target": 1200}
    resp = client.post("/api/v1/pairings", json=body, headers=tenants["province"].headers)
    assert resp.status_code == 201, resp.text
    return resp.json()["id"]


def _raise(client, tenants, pairing, **overrides):
    body = {"issue": "柳州籍员工在东莞电子厂月内离岗偏多，县里逐一回访", "owner_org_id": tenants["county"].org_id,
            "due_date": DUE} | overrides  # fmt: skip
    return client.post(f"/api/v1/pairings/{pairing}/actions", json=body, headers=tenants["province"].headers)


def _patch(client, tenant, pairing, action, body, etag=None):
    path = f"/api/v1/pairings/{pairing}/actions/{action}"
    if etag is None:
        etag = client.get(path, headers=tenant.headers).headers["ETag"]
    return client.patch(path, json=body, headers={**tenant.headers, "If-Match": etag})


def _count(db) -> tuple[int, int]:
    with db.session(write=False) as s:
        return (
            s.scalar(select(func.count()).select_from(ConsultationAction)),
            s.scalar(select(func.count()).select_from(ConsultationActionEvent)),
        )


class TestRecord:
    def test_the_province_records_an_action_both_sides_read_it(self, client, tenants, pairing):
        resp = _raise(client, tenants, pairing, status="推进中")
        assert resp.status_code == 201, resp.text
        made = resp.json()
        assert made["status"] == "in_progress" and made["status_label"] == "推进中 / In progress"
        assert made["owner_name"] == "融水县就业服务中心" and made["raised_on"] == today().isoformat()
        assert made["overdue"] is False and made["closed_on"] is None
        assert [e["status"] for e in made["events"]] == ["in_progress"]
        assert resp.headers["Location"].endswith(f"/actions/{made['id']}")
        for role in ("county", "station", "province"):
            listed = client.get(f"/api/v1/pairings/{pairing}/actions", headers=tenants[role].headers).json()
            assert [a["id"] for a in listed["items"]] == [made["id"]], role
        other = client.get(f"/api/v1/pairings/{pairing}/actions", headers=tenants["other_county"].headers)
        assert other.status_code == 404

    @pytest.mark.parametrize(
        ("overrides", "field", "words"),
        [
            ({"owner_org_id": 999_999}, "owner_org_id", "no organisation"),
            ({"owner": "other_county"}, "owner_org_id", "west side"),  # 钟山 does not send through 柳州
            ({"owner": "employer"}, "owner_org_id", "west side"),
            ({"due_date": "2020-01-01"}, "due_date", "before today"),
            ({"status": "已办结"}, "status", "open or in_progress"),
            ({"issue": ""}, "issue", ""),
        ],
    )
    def test_bad_input_names_the_field_and_writes_nothing(self, client, tenants, db, pairing, overrides, field, words):
        if "owner" in overrides:
            overrides = {"owner_org_id": tenants[overrides.pop("owner")].org_id}
        before = _count(db)
        resp = _raise(client, tenants, pairing, **overrides)
        assert resp.status_code == 422, resp.text
        detail = resp.json()["detail"]
        assert field in {d["field"] for d in detail}
        assert any(words in (d.get("message_en") or "") for d in detail if d["field"] == field)
        assert _count(db) == before

    def test_a_station_of_the_receiving_side_may_own_an_action(self, client, tenants, pairing):
        resp = _raise(client, tenants, pairing, owner_org_id=tenants["station"].org_id)
        assert resp.status_code == 201, resp.text

    def test_a_retried_post_records_one_action(self, client, tenants, db, pairing):
        headers = {**tenants["province"].headers, "Idempotency-Key": "consultation-2026-11-1"}
        body = {"issue": "补充东莞家政岗位需求", "owner_org_id": tenants["county"].org_id, "due_date": DUE}
        first = client.post(f"/api/v1/pairings/{pairing}/actions", json=body, headers=headers)
        again = client.post(f"/api/v1/pairings/{pairing}/actions", json=body, headers=headers)
        assert first.status_code == again.status_code == 201
        assert first.json()["id"] == again.json()["id"]
        assert _count(db) == (1, 1)

    def test_an_unknown_pairing_is_404(self, client, tenants):
        assert _raise(client, tenants, 999_999).status_code == 404


class TestProgress:
    def test_the_owner_reports_progress_and_closes_with_a_note(self, client, tenants, pairing):
        action = _raise(client, tenants, pairing).json()["id"]
        county = tenants["county"]
        resp = _patch(client, county, pairing, action, {"status": "推进中", "note": "已约谈两家企业"})
        assert resp.status_code == 200, resp.text
        resp = _patch(client, county, pairing, action, {"status": "done"})
        assert resp.status_code == 422 and resp.json()["detail"][0]["field"] == "closing_note"
        resp = _patch(client, county, pairing, action, {"status": "done", "closing_note": "回访 23 人，7 人转岗"})
        assert resp.status_code == 200, resp.text
        done = resp.json()
        assert done["status_label"] == "已办结 / Done" and done["closed_on"] == today().isoformat()
        assert [(e["from_status"], e["status"]) for e in done["events"]] == [
            (None, "open"), ("open", "in_progress"), ("in_progress", "done")
        ]  # fmt: skip
        assert done["events"][1]["note"] == "已约谈两家企业"

    def test_only_the_province_changes_what_is_asked_of_whom_and_by_when(self, client, tenants, pairing):
        action = _raise(client, tenants, pairing).json()["id"]
        resp = _patch(client, tenants["county"], pairing, action, {"due_date": "2099-06-30"})
        assert resp.status_code == 403
        resp = _patch(client, tenants["province"], pairing, action, {"due_date": "2099-06-30", "issue": "改为全市回访"})
        assert resp.status_code == 200 and resp.json()["due_date"] == "2099-06-30"

    def test_a_reader_who_does_not_own_it_cannot_change_it(self, client, tenants, pairing):
        action = _raise(client, tenants, pairing).json()["id"]
        assert _patch(client, tenants["station"], pairing, action, {"status": "in_progress"}).status_code == 403

    def test_illegal_transitions_are_409_and_a_closed_action_is_reopened_first(self, client, tenants, pairing):
        action = _raise(client, tenants, pairing, status="in_progress").json()["id"]
        province = tenants["province"]
        assert _patch(client, province, pairing, action, {"status": "open"}).status_code == 409
        body = {"status": "dropped", "closing_note": "企业已停产，事项撤销"}
        assert _patch(client, province, pairing, action, body).status_code == 200
        assert _patch(client, province, pairing, action, {"issue": "换个说法"}).status_code == 409
        reopened = _patch(client, province, pairing, action, {"status": "in_progress"}).json()
        assert reopened["status"] == "in_progress" and reopened["closing_note"] is None
        assert reopened["events"][-2]["closing_note"] == "企业已停产，事项撤销"  # the history keeps it

    def test_if_match_is_required_and_a_stale_tag_is_412(self, client, tenants, pairing):
        action = _raise(client, tenants, pairing).json()["id"]
        path = f"/api/v1/pairings/{pairing}/actions/{action}"
        headers = tenants["province"].headers
        assert client.patch(path, json={"status": "in_progress"}, headers=headers).status_code == 428
        stale = client.get(path, headers=headers).headers["ETag"]
        assert _patch(client, tenants["province"], pairing, action, {"note": "先记一笔"}).status_code == 200
        assert _patch(client, tenants["province"], pairing, action, {"status": "in_progress"}, stale).status_code == 412

    def test_overdue_lists_the_open_actions_past_their_due_date(self, client, tenants, db, pairing):
        late = _raise(client, tenants, pairing).json()["id"]
        _raise(client, tenants, pairing)
        with db.session() as s, s.begin():  # as if it had been due yesterday
            s.execute(update(ConsultationAction).where(ConsultationAction.id == late).values(
                due_date=today() - timedelta(days=1)))  # fmt: skip
        path = f"/api/v1/pairings/{pairing}/actions?overdue=true"
        listed = client.get(path, headers=tenants["county"].headers).json()["items"]
        assert [(a["id"], a["overdue"]) for a in listed] == [(late, True)]


def test_the_history_is_append_only(client, tenants, db, pairing):
    _raise(client, tenants, pairing)
    with db.session() as s, s.begin():
        event = s.scalars(select(ConsultationActionEvent)).one()
        event.note = "rewritten"
        with pytest.raises(AppendOnly):
            s.flush()
        s.rollback()
