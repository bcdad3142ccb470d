"""One-stop service checklists through the API: made with a cross-province placement (none within a province),
dated in calendar and Chinese working days, updated only by the responsible side with If-Match, refused whole on
bad input, dated on exit, listed when overdue, flagged when work-injury cover is unconfirmed by day 30, and
templates kept per province pair."""

from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from app.clock import today
from app.onestop.models import AppendOnly, ServiceTask, ServiceTaskEvent
from app.onestop.templates import DEFAULT_TASKS

BEFORE_AND_HIRING = [
    "resident_medical_paid",
    "medical_registration",
    "employee_insurance",
    "medical_transfer",
    "pension_transfer",
]


def _counts(db) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    with db.session() as session:
        tasks = session.scalar(select(func.count()).select_from(ServiceTask))
        events = session.scalar(select(func.count()).select_from(ServiceTaskEvent))
    return int(tasks or 0), int(events or 0)


def _services(api, placement_id: int, who: str = "county") -> dict[str, Any]:  # type: ignore[no-untyped-def]
    resp = api("GET", f"/placements/{placement_id}/services", who)
    assert resp.status_code == 200, resp.text
    return dict(resp.json())


def _task(api, placement_id: int, kind: str) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    return next(t for t in _services(api, placement_id)["tasks"] if t["kind"] == kind)


def _patch(api, task_id: int, who: str, body: dict[str, Any], etag: str | None = None) -> Any:  # type: ignore[no-untyped-def]
    if etag is None:
        etag = api("GET", f"/service-tasks/{task_id}", "county").headers["ETag"]
    return api("PATCH", f"/service-tasks/{task_id}", who, body, {"If-Match": etag})


@pytest.fixture(scope="module")
def autumn(place) -> int:  # type: ignore[no-untyped-def]
    """A Guangxi worker in Dongguan since 2026-09-01: day 30 has long passed."""
    return int(place("2026-09-01"))


def test_a_cross_province_placement_gets_the_default_checklist_with_labels_and_dates(api, autumn):
    checklist = _services(api, autumn)
    assert (checklist["home_province"], checklist["work_province"], checklist["cross_province"]) == (
        "450000",
        "440000",
        True,
    )
    tasks = {t["kind"]: t for t in checklist["tasks"]}
    assert list(tasks) == BEFORE_AND_HIRING  # the exit task comes with the end
    registration = tasks["medical_registration"]
    assert registration["responsible"] == "county_office" and registration["stage"] == "before_departure"
    assert registration["kind_label"] == "异地就医备案 / Cross-region medical registration"
    assert registration["responsible_label"] == "县级人社部门 / County labour office"
    assert registration["due_on"] == "2026-09-01" and registration["illustrative"] is True
    insurance = tasks["employee_insurance"]
    assert (insurance["responsible"], insurance["due_on"], insurance["illustrative"]) == (
        "employer",
        "2026-10-01",
        False,
    )
    assert (insurance["status"], insurance["status_label"]) == ("todo", "待办 / To do")
    assert insurance["overdue"] is True and "第五十八条" in insurance["source"]
    assert tasks["pension_transfer"]["responsible"] == "employer" and tasks["pension_transfer"]["illustrative"] is True


def test_the_pension_transfer_counts_45_chinese_working_days_over_the_spring_festival(api, place):
    # From Fri 2026-01-30: the 调休 Saturdays 14 and 28 Feb count, 15-23 Feb (春节) and 6 Apr (清明) do not.
    pension = _task(api, place("2026-01-30"), "pension_transfer")
    assert pension["due_on"] == "2026-04-10" and pension["due_provisional"] is False
    weekdays_only = date(2026, 4, 3)  # what counting Monday to Friday alone would give
    assert date.fromisoformat(pension["due_on"]) != weekdays_only


def test_a_placement_within_one_province_gets_no_checklist(api, db, place):
    before = _counts(db)
    local = place("2026-09-01", county_code="450225")  # a workshop in the worker's own county
    checklist = _services(api, local)
    assert checklist["cross_province"] is False and checklist["tasks"] == [] and checklist["flags"] == []
    assert _counts(db) == before


def test_the_responsible_employer_updates_its_task_with_if_match_and_the_history_grows(api, autumn):
    task = _task(api, autumn, "medical_transfer")
    read = api("GET", f"/service-tasks/{task['id']}", "employer")
    assert read.status_code == 200 and [e["to_status"] for e in read.json()["events"]] == ["todo"]
    resp = _patch(
        api, task["id"], "employer", {"status": "等待外部办理", "evidence_ref": "YB-2026-0917"}, read.headers["ETag"]
    )
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert (body["status"], body["status_label"]) == ("awaiting_external", "等待外部办理 / Awaiting another office")
    assert body["evidence_ref"] == "YB-2026-0917" and resp.headers["ETag"] != read.headers["ETag"]
    assert [(e["from_status"], e["to_status"]) for e in body["events"]] == [
        (None, "todo"),
        ("todo", "awaiting_external"),
    ]
    stale = _patch(api, task["id"], "employer", {"status": "done"}, read.headers["ETag"])
    assert stale.status_code == 412
    assert api("PATCH", f"/service-tasks/{task['id']}", "employer", {"status": "done"}).status_code == 428


@pytest.mark.parametrize(
    ("who", "status"),
    [("county", 403), ("station", 403), ("province", 403), ("other_employer", 404), ("agency", 403)],
)
def test_only_the_responsible_side_writes_a_task(api, db, autumn, who, status):
    task = _task(api, autumn, "employee_insurance")
    before = _counts(db)
    resp = _patch(api, task["id"], who, {"status": "done"})
    assert resp.status_code == status, resp.text
    assert _counts(db) == before and _task(api, autumn, "employee_insurance")["status"] == task["status"]


def test_the_county_office_writes_its_own_tasks(api, autumn):
    task = _task(api, autumn, "resident_medical_paid")
    resp = _patch(api, task["id"], "county", {"status": "已办结", "evidence_ref": "JM-2026-450225-881"})
    assert resp.status_code == 200, resp.text
    assert resp.json()["status"] == "done" and resp.json()["done_on"] == today().isoformat()
    assert resp.json()["overdue"] is False


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"status": "blocked"}, "blocked_reason"),
        ({"status": "in_progress", "blocked_reason": "未带身份证"}, "blocked_reason"),
        ({"status": "finished"}, "status"),
        ({}, "status"),
        ({"status": "todo", "evidence_ref": ""}, "evidence_ref"),
    ],
)
def test_bad_input_is_422_in_both_languages_and_writes_nothing(api, db, autumn, body, field):
    task = _task(api, autumn, "medical_registration")
    before = _counts(db)
    resp = _patch(api, task["id"], "county", body)
    assert resp.status_code == 422, resp.text
    detail = resp.json()["detail"]
    assert field in {d["field"].split(".")[-1] for d in detail}
    assert all(" / " in d["message"] for d in detail)
    assert _counts(db) == before
    after = _task(api, autumn, "medical_registration")
    assert (after["status"], after["version"]) == (task["status"], task["version"])


def test_blocked_needs_a_reason_which_goes_when_the_block_is_lifted(api, autumn):
    task = _task(api, autumn, "medical_registration")
    blocked = _patch(api, task["id"], "county", {"status": "受阻", "blocked_reason": "参保地系统未开通备案"})
    assert blocked.status_code == 200, blocked.text
    assert blocked.json()["blocked_reason"] == "参保地系统未开通备案"
    noted = _patch(api, task["id"], "county", {"note": "已再次致电医保局"})  # still blocked: the reason stays
    assert noted.status_code == 200 and noted.json()["blocked_reason"] == "参保地系统未开通备案"
    lifted = _patch(api, task["id"], "county", {"status": "in_progress"})
    assert lifted.json()["blocked_reason"] is None
    assert [e["to_status"] for e in lifted.json()["events"]][-3:] == ["blocked", "blocked", "in_progress"]
    assert lifted.json()["events"][-3]["blocked_reason"] == "参保地系统未开通备案"  # the history keeps it


def test_overdue_employer_tasks_are_listed_for_the_offices_that_follow_the_worker(api, autumn, place):
    fresh = place((today() + timedelta(days=10)).isoformat())  # day 30 is weeks away
    insurance = _task(api, autumn, "employee_insurance")["id"]
    later = _task(api, fresh, "employee_insurance")["id"]

    def listed(who: str) -> set[int]:
        resp = api("GET", "/service-tasks?overdue=true&responsible=employer&limit=500", who)
        assert resp.status_code == 200, resp.text
        assert all(t["responsible"] == "employer" and t["overdue"] for t in resp.json()["items"])
        return {t["id"] for t in resp.json()["items"]}

    for who in ("county", "station", "province"):
        assert insurance in listed(who) and later not in listed(who), who
    assert insurance not in listed("other_county") and insurance not in listed("other_station")
    assert api("GET", "/service-tasks?overdue=true", "employer").status_code == 403
    assert api("GET", "/service-tasks?responsible=雇主", "county").status_code == 422


def test_unconfirmed_injury_cover_by_day_30_flags_the_placement_and_suggests_a_case(api, place):
    placement = place("2026-09-01")
    flags = _services(api, placement)["flags"]
    assert [(f["code"], f["suggested_case"]["kind"]) for f in flags] == [
        ("injury_cover_unconfirmed", "insurance_unpaid")
    ]
    assert flags[0]["code_label"] == "上岗满30天未确认参加工伤保险 / Work-injury cover not confirmed by day 30"
    assert flags[0]["suggested_case"]["kind_label"] == "未缴社会保险 / Social insurance unpaid"
    task = _task(api, placement, "employee_insurance")
    assert _patch(api, task["id"], "employer", {"status": "not_needed"}).status_code == 200
    assert _services(api, placement)["flags"] != []  # only `done` confirms cover
    assert _patch(api, task["id"], "employer", {"status": "done", "evidence_ref": "GS-441900-77"}).status_code == 200
    assert _services(api, placement)["flags"] == []
    young = place((today() - timedelta(days=5)).isoformat())
    assert _services(api, young)["flags"] == []  # day 30 has not come


def test_the_end_of_a_placement_dates_the_three_month_gap_reminder(api, db, place):
    placement = place("2026-09-01")
    end = (today() - timedelta(days=3)).isoformat()
    etag = api("GET", f"/placements/{placement}", "county").headers["ETag"]
    resp = api(
        "PATCH",
        f"/placements/{placement}",
        "county",
        {"end_date": end, "end_reason": "quit_family"},
        {"If-Match": etag},
    )
    assert resp.status_code == 200, resp.text
    gap = _task(api, placement, "medical_gap_reminder")
    ended = date.fromisoformat(end)
    month = ended.month + 3
    due = date(ended.year + (month - 1) // 12, (month - 1) % 12 + 1, min(ended.day, 28))
    if ended.day > 28:  # the last day of a shorter month
        assert date.fromisoformat(gap["due_on"]).month == due.month
    else:
        assert gap["due_on"] == due.isoformat()
    assert gap["remind_on"] == (date.fromisoformat(gap["due_on"]) - timedelta(days=30)).isoformat()
    assert (gap["responsible"], gap["stage"], gap["illustrative"]) == ("county_office", "on_exit", True)


def test_a_same_province_end_makes_no_exit_task(api, db, place):
    local = place("2026-09-01", county_code="450225")
    before = _counts(db)
    etag = api("GET", f"/placements/{local}", "county").headers["ETag"]
    body = {"end_date": today().isoformat(), "end_reason": "contract_ended"}
    assert api("PATCH", f"/placements/{local}", "county", body, {"If-Match": etag}).status_code == 200
    assert _counts(db) == before


def test_task_events_are_append_only(db, autumn):
    with db.session() as session, session.begin():
        event = session.scalars(select(ServiceTaskEvent).limit(1)).one()
        event.note = "rewritten"
        with pytest.raises(AppendOnly):
            session.flush()
        session.rollback()


def test_the_at_risk_list_shows_the_rule_flag_beside_the_unchanged_probability(api, db, place):
    from app.db import utcnow
    from app.departure.models import PlacementRisk

    uncovered, covered = place("2026-09-01"), place("2026-09-01")
    done = _task(api, covered, "employee_insurance")["id"]
    assert _patch(api, done, "employer", {"status": "done", "evidence_ref": "GS-1"}).status_code == 200
    with db.session() as session, session.begin():  # the model's scores, as the batch stores them
        for pid, risk in ((uncovered, 0.41), (covered, 0.39)):
            session.add(
                PlacementRisk(
                    placement_id=pid,
                    risk_30=None,
                    risk_90=risk,
                    risk_180=risk + 0.1,
                    reasons=[],
                    action="call",
                    model_version="test",
                    scored_at=utcnow(),
                )
            )
    for who in ("county", "employer"):
        resp = api("GET", "/placements/at-risk?horizon=90&limit=500", who)
        assert resp.status_code == 200, resp.text
        rows = {r["placement_id"]: r for r in resp.json()["items"]}
        assert rows[uncovered]["probability"] == 0.41 and rows[covered]["probability"] == 0.39
        flags = rows[uncovered]["rule_flags"]
        assert [(f["code"], f["suggested_case"]["kind"]) for f in flags] == [
            ("injury_cover_unconfirmed", "insurance_unpaid")
        ]
        assert rows[covered]["rule_flags"] == []


# --- templates (last: they change what later placements get) -----------------------------------------------------


def test_the_shipped_default_marks_its_unverified_defaults_illustrative(api):
    resp = api("GET", "/service-templates/450000/440000", "province")
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["version"] == 0 and body["default"] is True and resp.headers["ETag"] == '"450000-440000.0"'
    marks = {t["kind"]: t["illustrative"] for t in body["tasks"]}
    assert marks == {t.kind: t.illustrative for t in DEFAULT_TASKS} and marks["employee_insurance"] is False
    assert sum(marks.values()) >= 4
    assert api("GET", "/service-templates/450000/440000", "county").status_code == 403
    assert api("GET", "/service-templates/450225/440000", "province").status_code == 422  # a county, not a province


def _template(**insurance: Any) -> dict[str, Any]:
    tasks = [t.stored() for t in DEFAULT_TASKS]
    for t in tasks:
        if t["kind"] == "employee_insurance":
            t.update(insurance)
    return {"tasks": tasks, "source": "粤桂劳务协作协议（测试）"}


def test_either_province_of_the_pair_keeps_its_template_and_new_placements_follow_it(api, db, place):
    path = "/service-templates/450000/440000"
    assert api("PUT", path, "guangdong", _template(due_days=15)).status_code == 428
    # Guangxi's office keeps no Guangdong-to-Guangdong template (neither province is its own)
    other_pair = api("PUT", "/service-templates/440000/440000", "province", _template(), {"If-Match": "*"})
    assert other_pair.status_code == 403
    bad = _template(due_from="end")  # an on-hiring task cannot count from the end
    assert api("PUT", path, "guangdong", bad, {"If-Match": '"450000-440000.0"'}).status_code == 422
    resp = api(
        "PUT", path, "guangdong", _template(due_days=15, responsible="station"), {"If-Match": '"450000-440000.0"'}
    )
    assert resp.status_code == 200, resp.text
    assert resp.json()["version"] == 1 and resp.json()["default"] is False
    stale = api("PUT", path, "province", _template(due_days=20), {"If-Match": '"450000-440000.0"'})
    assert stale.status_code == 412
    placement = place("2026-11-02")
    insurance = _task(api, placement, "employee_insurance")
    assert (insurance["due_on"], insurance["responsible"], insurance["template_version"]) == (
        "2026-11-17",
        "station",
        1,
    )
    assert _patch(api, insurance["id"], "employer", {"status": "done"}).status_code == 403
    assert _patch(api, insurance["id"], "station", {"status": "in_progress"}).status_code == 200
    assert _patch(api, insurance["id"], "other_station", {"status": "done"}).status_code == 404
