"""Rights cases through the API: opening once, refusing bad input whole, the state machine, append-only history,
escalation of an overdue case, and the worker's identity kept out of what others read."""

import json
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from app.cli import main
from app.rights.models import AppendOnly, CaseEvent, RightsCase


def _counts(db) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    with db.session() as session:
        cases = session.scalar(select(func.count()).select_from(RightsCase))
        events = session.scalar(select(func.count()).select_from(CaseEvent))
    return int(cases or 0), int(events or 0)


def _open(api, placed, who: str = "county", **overrides: Any) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    body = {"kind": "wage_arrears", "summary": "拖欠三个月工资", "placement_id": placed["placement_id"]}
    resp = api("POST", "/cases", who, {**body, **overrides})
    assert resp.status_code == 201, resp.text
    return dict(resp.json())


def _event(api, case_id: int, who: str = "county", **body: Any) -> Any:  # type: ignore[no-untyped-def]
    return api("POST", f"/cases/{case_id}/events", who, body)


def test_a_case_from_a_placement_takes_its_parties_and_labels(api, people, placed):
    case = _open(api, placed, amount_claimed_fen=1_250_000)
    assert case["worker_id"] == placed["worker_id"]
    assert case["employer_id"] == people["employer"].org_id
    assert case["agency_id"] == people["agency"].org_id  # the placement's referrer
    assert case["jurisdiction_county"] == "441900" and case["home_county"] == "450225"
    assert case["assigned_org_id"] == people["county"].org_id
    assert (case["status"], case["status_label"]) == ("open", "待受理 / Open")
    assert case["kind_label"] == "拖欠工资 / Wage arrears"
    assert case["amount_claimed_fen"] == 1_250_000 and case["overdue"] is False
    assert case["due_on"] > date.today().isoformat() or case["due_on"] >= date.today().isoformat()
    assert [(e["action"], e["action_label"]) for e in case["events"]] == [("open", "登记立案 / Opened")]


def test_a_retried_open_with_the_same_idempotency_key_makes_one_case(api, db, placed):
    body = {"kind": "contract", "summary": "未签书面劳动合同", "placement_id": placed["placement_id"]}
    key = {"Idempotency-Key": "open-contract-case-1"}
    first = api("POST", "/cases", "county", body, key)
    assert first.status_code == 201, first.text
    before = _counts(db)
    again = api("POST", "/cases", "county", body, key)
    assert again.status_code == 201 and again.json()["id"] == first.json()["id"]
    assert _counts(db) == before
    other = api("POST", "/cases", "county", body, {"Idempotency-Key": "open-contract-case-2"})
    assert other.json()["id"] != first.json()["id"]  # a new key is a new case


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"kind": "unpaid_overtime"}, "kind"),
        ({"amount_claimed_fen": -100}, "amount_claimed_fen"),
        ({"workers_affected": 0}, "workers_affected"),
        ({"summary": ""}, "summary"),
        ({"jurisdiction_county": "44190"}, "jurisdiction_county"),
        ({"kind": "agency_misconduct", "placement_id": None, "worker_id": None, "jurisdiction_county": "441900"}, None),
    ],
)
def test_bad_input_is_422_with_the_field_in_both_languages_and_writes_nothing(api, db, placed, overrides, field):
    body = {"kind": "wage_arrears", "summary": "拖欠工资", "placement_id": placed["placement_id"], **overrides}
    body = {k: v for k, v in body.items() if v is not None}
    before = _counts(db)
    resp = api("POST", "/cases", "county", body)
    assert resp.status_code == 422, resp.text
    err = resp.json()
    assert err["error"] == "validation_error"
    assert all(d["message_zh"] and d["message_en"] for d in err["detail"]), err
    if field is not None:
        assert field in {d["field"] for d in err["detail"]}, err
    assert _counts(db) == before


def test_a_case_on_another_countys_placement_is_404_and_writes_nothing(api, db, placed):
    before = _counts(db)
    resp = api(
        "POST", "/cases", "other_county", {"kind": "other", "summary": "x", "placement_id": placed["placement_id"]}
    )
    assert resp.status_code == 404 and resp.json()["error"] == "not_found"
    assert _counts(db) == before


def test_the_state_machine_refuses_what_the_status_does_not_allow(api, db, placed):
    case = _open(api, placed)
    path_id = case["id"]
    # resolving an open case (not yet accepted) is a conflict, not a change
    before = _counts(db)
    resp = _event(api, path_id, action="resolve", outcome="已追回", amount_recovered_fen=0)
    assert resp.status_code == 409 and resp.json()["error"] == "conflict", resp.text
    assert "待受理" in resp.json()["message"]
    assert _counts(db) == before
    assert _event(api, path_id, action="contact", note="已电话联系").status_code == 201
    assert _event(api, path_id, action="accept").json()["status"] == "accepted"
    # resolve needs its outcome and the amount recovered (0 allowed): 422 naming each, nothing written
    before = _counts(db)
    resp = _event(api, path_id, action="resolve")
    assert resp.status_code == 422
    assert {d["field"] for d in resp.json()["detail"]} == {"outcome", "amount_recovered_fen"}
    assert _counts(db) == before
    assert _event(api, path_id, action="reject").json()["detail"][0]["field"] == "reason"
    assert _event(api, path_id, action="refer").json()["detail"][0]["field"] == "external_ref"
    resolved = _event(api, path_id, action="resolve", outcome="企业补发工资", amount_recovered_fen=0).json()
    assert (resolved["status"], resolved["amount_recovered_fen"], resolved["outcome"]) == (
        "resolved",
        0,
        "企业补发工资",
    )
    assert resolved["due_on"] is None and resolved["overdue"] is False  # no clock runs on a closed case
    for action in ("accept", "withdraw", "resolve"):
        body = {"outcome": "x", "amount_recovered_fen": 1} if action == "resolve" else {}
        assert _event(api, path_id, action=action, **body).status_code == 409, action
    reopened = _event(api, path_id, action="reopen", reason="企业未按约定补发").json()
    assert reopened["status"] == "in_progress"
    assert _event(api, path_id, action="accept").status_code == 409  # reopen leads back to in_progress only


def test_events_are_append_only_and_read_back_in_order(api, db, placed, people):
    case = _open(api, placed, who="station")  # the workplace's station opens it; the worker's county handles it
    case_id = case["id"]
    steps = [
        {"action": "contact", "note": "上门走访"},
        {"action": "accept"},
        {"action": "refer", "external_ref": "东人社监〔2026〕118号"},
        {"action": "note", "note": "企业承诺月底前补发"},
    ]
    for who, body in zip(("station", "county", "county", "province"), steps, strict=True):
        resp = _event(api, case_id, who, **body)
        assert resp.status_code == 201, (who, resp.text)
    history = api("GET", f"/cases/{case_id}", "county").json()
    actions = [(e["action"], e["from_status"], e["to_status"]) for e in history["events"]]
    assert actions == [
        ("open", None, "open"),
        ("contact", "open", "open"),
        ("accept", "open", "accepted"),
        ("refer", "accepted", "in_progress"),
        ("note", "in_progress", "in_progress"),
    ]
    assert [e["org_id"] for e in history["events"]] == [
        people[w].org_id for w in ("station", "station", "county", "county", "province")
    ]
    assert history["external_ref"] == "东人社监〔2026〕118号"
    ids = [e["id"] for e in history["events"]]
    assert ids == sorted(ids)
    # no route changes or removes an event or a case
    for method in ("PUT", "PATCH", "DELETE"):
        assert api(method, f"/cases/{case_id}/events", "county", {"action": "note"}).status_code == 405
        assert api(method, f"/cases/{case_id}", "county", {"status": "resolved"}).status_code == 405
    # nor does the model: an event refuses update and delete
    with db.session() as session:
        event = session.scalars(select(CaseEvent).where(CaseEvent.case_id == case_id)).first()
        event.note = "rewritten"
        with pytest.raises(AppendOnly):
            session.flush()
        session.rollback()
        event = session.scalars(select(CaseEvent).where(CaseEvent.case_id == case_id)).first()
        session.delete(event)
        with pytest.raises(AppendOnly):
            session.flush()
        session.rollback()
    assert len(api("GET", f"/cases/{case_id}", "county").json()["events"]) == 5


def test_an_overdue_case_escalates_to_the_workplace_province_once(api, people, placed, cli_env, capsys, monkeypatch):
    case = _open(api, placed, kind="work_injury", summary="工伤未申报")
    due = date.fromisoformat(case["due_on"])  # first contact, 2 working days after opening

    def escalate(on: date) -> dict[str, Any]:
        assert main(["cases", "escalate", "--on", on.isoformat()]) == 0
        return dict(json.loads(capsys.readouterr().out)["cases_escalate"])

    # overdue since yesterday, but not yet 10 working days past due: listed as overdue, not escalated
    assert case["id"] not in escalate(due + timedelta(days=1))["escalated"]
    monkeypatch.setattr("app.rights.service.today", lambda: due + timedelta(days=1))
    overdue = api("GET", "/cases?overdue=true", "county").json()["items"]
    assert case["id"] in {c["id"] for c in overdue} and all(c["overdue"] for c in overdue)
    late = due + timedelta(days=40)  # well past 10 working days, even across a festival
    assert case["id"] in escalate(late)["escalated"]
    assert case["id"] not in escalate(late)["escalated"]  # a rerun changes nothing
    assert case["id"] not in escalate(late + timedelta(days=30))["escalated"]  # and it happens once, ever
    after = api("GET", f"/cases/{case['id']}", "guangdong").json()
    assert after["assigned_org_id"] == people["guangdong"].org_id  # 441900 lies in Guangdong
    assert after["status"] == "open"  # escalation is an event, not a state
    escalations = [e for e in after["events"] if e["action"] == "escalate"]
    assert len(escalations) == 1 and escalations[0]["org_id"] is None
    assert escalations[0]["action_label"] == "上报省级 / Escalate to the province"


def test_an_office_escalates_by_hand_and_the_case_moves_to_the_province(api, people, placed):
    case = _open(api, placed, kind="other", summary="扣押身份证")
    resp = _event(api, case["id"], action="escalate", note="企业拒不配合")
    assert resp.status_code == 201, resp.text
    assert resp.json()["assigned_org_id"] == people["guangdong"].org_id


def test_personal_data_stays_out_and_a_confidential_case_hides_the_worker_from_the_employer(api, placed):
    case = _open(api, placed, confidential=True, summary="担心被报复，请勿透露姓名")
    assert _event(api, case["id"], action="contact", note="劳动者韦小红已联系").status_code == 201
    worker = placed["worker"]
    # no case response carries the worker's ID number or phone; the employer does not get the name an office's
    # note holds either (the handling offices read their own notes)
    for who in ("county", "employer", "station", "province", "agency"):
        for text in (api("GET", f"/cases/{case['id']}", who).text, api("GET", "/cases?limit=200", who).text):
            assert worker["id_number"] not in text and worker["phone"] not in text, who
    assert worker["name"] not in api("GET", f"/cases/{case['id']}", "employer").text
    assert worker["name"] in api("GET", f"/cases/{case['id']}", "station").text
    seen = api("GET", f"/cases/{case['id']}", "employer").json()
    assert (seen["worker_id"], seen["placement_id"], seen["home_county"]) == (None, None, None)
    assert all(e["note"] is None for e in seen["events"])
    listed = {c["id"]: c for c in api("GET", "/cases", "employer").json()["items"]}
    assert listed[case["id"]]["worker_id"] is None
    assert api("GET", f"/cases/{case['id']}", "station").json()["worker_id"] == placed["worker_id"]


def test_the_list_filters_by_kind_status_and_employer(api, people, placed):
    case = _open(api, placed, kind="occupational_disease", summary="尘肺")
    for query, present in (
        ("kind=occupational_disease", True),
        ("kind=contract", False),
        ("status=open&kind=occupational_disease", True),
        ("status=resolved", False),
        (f"employer_id={people['employer'].org_id}", True),
        (f"employer_id={people['employer'].org_id + 999}", False),
    ):
        items = api("GET", f"/cases?{query}&limit=200", "province").json()["items"]
        assert (case["id"] in {c["id"] for c in items}) is present, query
    assert api("GET", "/cases?kind=nonsense", "province").status_code == 422
    assert case["id"] not in {c["id"] for c in api("GET", "/cases?limit=200", "other_county").json()["items"]}
