"""The report cache: a finished week is served from its build until a fact dated up to its Sunday changes."""

import os
import subprocess
import sys
import threading
import time
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import delete, func, insert, select, update

from app.clock import today
from app.models import (
    CalendarDay,
    CaseEvent,
    FactChange,
    FollowUp,
    Org,
    Placement,
    PlacementRisk,
    RightsCase,
    Vacancy,
    Worker,
)
from app.reports import cache, schedule, service
from app.reports.render import render
from app.reports.schemas import IsoWeek, Scope
from app.training.models import Enrolment, TrainingClass
from tests.factories import id_number, patch_fresh, worker_payload
from tests.reports import helpers as h

URL = "/api/v1/reports/weekly"
WEEK = IsoWeek.parse(h.WEEK)
PROVINCE = Scope("province")


@pytest.fixture
def history(client, tenants, db):
    return h.build_history(client, tenants, db)


def _get(client, tenant, fmt="json"):
    resp = client.get(URL, params={"week": h.WEEK, "format": fmt}, headers=tenant.headers)
    assert resp.status_code == 200, resp.text
    return resp.json() if fmt == "json" else resp.content


def _kept(db, scope=PROVINCE, week=WEEK):
    with db.session(False) as s:
        return cache.lookup(s, scope, week)


def _no_builds(monkeypatch):
    def refuse(*_args, **_kwargs):
        raise AssertionError("the report was rebuilt instead of served from the cache")

    monkeypatch.setattr(service, "build_report", refuse)


def test_a_second_request_is_served_from_the_build_and_reads_the_same_in_every_format(
    client, tenants, history, db, monkeypatch
):
    province = tenants["province"]
    pairing = {"east_code": "441900", "west_code": "450200", "level": "prefecture", "annual_target": 300}
    resp = client.post("/api/v1/pairings", json=pairing | {"start_date": "2025-01-01"}, headers=province.headers)
    assert resp.status_code == 201, resp.text
    assert _kept(db) is None
    first = _get(client, province)
    assert first["by_pairing"] and first["retention"]["curves"]["by_pairing"]
    assert _kept(db) == first  # kept after the response, JSON round trip included
    with db.session(False) as s:
        fresh = service.build_report(s, PROVINCE, WEEK)
    assert fresh == first
    _no_builds(monkeypatch)
    assert _get(client, province) == first
    for fmt in ("csv", "xlsx"):
        assert _get(client, province, fmt) == render(fresh, fmt)
    page = client.get("/reports/weekly", params={"week": h.WEEK, "token": province.key})
    assert page.status_code == 200 and "week" in page.text


def test_each_scope_has_its_own_build(client, tenants, history, db):
    county, employer = _get(client, tenants["county"]), _get(client, tenants["employer"])
    assert county["scope"]["kind"] == "county" and employer["scope"]["kind"] == "employer"
    assert _kept(db, Scope("county", code="450225")) == county
    assert _kept(db, Scope("employer", org_id=tenants["employer"].org_id)) == employer
    assert _kept(db) is None  # nobody asked for the province's yet


def test_a_back_dated_end_is_read_at_once(client, tenants, history, db):
    province = tenants["province"]
    before = _get(client, province)
    path = f"/api/v1/placements/{history.placements['sunday_start']}"
    resp = patch_fresh(
        client,
        path,
        {"end_date": h.SUN.isoformat(), "end_reason": "quit_homesick"},
        tenants["county"].headers,
    )
    assert resp.status_code == 200, resp.text
    assert _kept(db) is None
    after = _get(client, province)
    assert after["totals"]["departures"] == before["totals"]["departures"] + 1


def test_facts_dated_after_the_week_leave_its_build_valid(client, tenants, history, db, monkeypatch):
    province = tenants["province"]
    first = _get(client, province)
    vacancy = history.vacancies["east"]
    worker = client.post(
        "/api/v1/workers",
        json=worker_payload(hukou_county="450225", id_number=id_number("450225", date(1990, 1, 2))),
        headers=tenants["county"].headers,
    ).json()["id"]
    resp = client.post(
        "/api/v1/placements",
        json={"worker_id": worker, "vacancy_id": vacancy, "start_date": today().isoformat()},
        headers=tenants["county"].headers,
    )
    assert resp.status_code == 201, resp.text
    placement = resp.json()["id"]
    follow_up = {"date": today().isoformat(), "contact": "phone", "outcome": "ok"}
    resp = client.post(f"/api/v1/placements/{placement}/follow-ups", json=follow_up, headers=tenants["county"].headers)
    assert resp.status_code == 201, resp.text
    with db.session() as s, s.begin():  # a column no report reads
        s.get(Worker, worker).dependants = 3
    _no_builds(monkeypatch)
    assert _get(client, province) == first


def _add_follow_up(s, p, t):
    s.add(
        FollowUp(
            placement_id=p["sunday_start"],
            date=h.SUN,
            contact="phone",
            outcome="concern",
            recorded_by_org_id=t["county"].org_id,
        )
    )


def _rename_employer(s, _p, t):
    s.get(Org, t["employer"].org_id).name = "东莞电子二厂"


def _move_worker(s, p, _t):
    s.get(Worker, s.get(Placement, p["local"]).worker_id).hukou_county = "451122"


def _bulk_score(s, p, _t):
    s.execute(
        insert(PlacementRisk),
        [{"placement_id": p["local"], "risk_30": 0.5, "risk_90": 0.7, "risk_180": 0.8, "reasons": [],
          "action": "call", "model_version": "t", "scored_at": datetime(2025, 3, 10, 2, tzinfo=UTC)}],
    )  # fmt: skip


def _load_holiday(s, _p, _t):
    s.execute(insert(CalendarDay), [{"day": date(2025, 3, 5), "year": 2025, "workday": False, "source": "test"}])


def _bulk_end(s, p, _t):
    s.execute(update(Placement).where(Placement.id == p["local"]).values(end_reason="quit_wage"))


def _enrol_before_the_week(s, p, t):
    klass = TrainingClass(
        school_org_id=t["county"].org_id, mode="short_course", occupation_code="6-25-04-00", title="电子装配",
        county_code="450225", start_date=date(2025, 2, 3), end_date=date(2025, 2, 28), planned_hours=120,
        capacity=10, status="completed",
    )  # fmt: skip
    s.add(klass)
    s.flush()
    s.add(
        Enrolment(
            class_id=klass.id, worker_id=s.get(Placement, p["local"]).worker_id, status="completed",
            attended_hours=120, result="pass", enrolled_by_org_id=t["county"].org_id,
            created_at=datetime(2025, 2, 1, 2, tzinfo=UTC),
        )
    )  # fmt: skip


def _recode_vacancy(s, p, _t):
    s.get(Vacancy, s.get(Placement, p["local"]).vacancy_id).occupation_code = "6-05-01-01"


@pytest.mark.parametrize(
    "change",
    [
        _add_follow_up, _rename_employer, _move_worker, _bulk_score, _load_holiday, _bulk_end,
        _enrol_before_the_week, _recode_vacancy,
    ],
)  # fmt: skip
def test_a_change_to_any_fact_of_the_week_voids_the_build(client, tenants, history, db, change):
    _get(client, tenants["province"])
    assert _kept(db) is not None
    with db.session() as s, s.begin():
        change(s, history.placements, tenants)
    assert _kept(db) is None


def test_a_pairing_that_started_before_the_week_voids_it_and_one_starting_today_does_not(client, tenants, history, db):
    _get(client, tenants["province"])
    body = {"east_code": "441900", "west_code": "450200", "level": "prefecture", "annual_target": 300}
    resp = client.post(
        "/api/v1/pairings", json=body | {"start_date": today().isoformat()}, headers=tenants["province"].headers
    )
    assert resp.status_code == 201, resp.text
    assert _kept(db) is not None
    resp = client.post(
        "/api/v1/pairings",
        json=body | {"west_code": "451100", "start_date": "2025-01-01"},
        headers=tenants["province"].headers,
    )
    assert resp.status_code == 201, resp.text
    assert _kept(db) is None
    assert _get(client, tenants["province"])["by_pairing"]


def test_a_score_written_now_leaves_a_week_long_finished_valid_and_a_deleted_old_score_voids_it(
    client, tenants, history, db
):
    with db.session() as s, s.begin():
        _bulk_score(s, history.placements, tenants)
    _get(client, tenants["province"])
    with db.session() as s, s.begin():  # today's scores of other placements count for last week only
        s.execute(
            insert(PlacementRisk),
            [{"placement_id": history.placements["next_monday"], "risk_30": 0.1, "risk_90": 0.2, "risk_180": 0.3,
              "reasons": [], "action": "call", "model_version": "t", "scored_at": datetime.now(UTC)}],
        )  # fmt: skip
    assert _kept(db) is not None
    with db.session() as s, s.begin():  # the scoring batch replaces old scores: the week loses its live one
        s.execute(delete(PlacementRisk).where(PlacementRisk.placement_id == history.placements["local"]))
    assert _kept(db) is None


def _open_case(db, tenants, placement: int) -> int:
    county = tenants["county"].org_id
    with db.session() as s, s.begin():
        case = RightsCase(
            kind="wage_arrears", status="open", worker_id=s.get(Placement, placement).worker_id,
            placement_id=placement, employer_id=tenants["employer"].org_id,
            opened_by_org_id=county, opened_by_kind="county_office", assigned_org_id=county,
            jurisdiction_county="441900", home_county="450225", summary="拖欠工资", opened_on=today(),
        )  # fmt: skip
        s.add(case)
        s.flush()
        s.add(CaseEvent(case_id=case.id, action="open", to_status="open", org_id=county))
        return case.id


def test_a_case_opened_today_leaves_the_week_valid(client, tenants, history, db):
    _get(client, tenants["province"])
    _open_case(db, tenants, history.placements["local"])
    assert _kept(db) is not None


def test_a_case_event_logs_the_day_its_default_gives_it(client, tenants, history, db):
    """`at` is filled in at INSERT, after the log is written: the change still counts on today."""
    case = _open_case(db, tenants, history.placements["local"])
    with db.session(False) as s:
        before = s.scalar(select(func.max(FactChange.id)))
    with db.session() as s, s.begin():
        s.add(CaseEvent(case_id=case, action="note", to_status="open", org_id=tenants["county"].org_id))
    with db.session(False) as s:
        logged = list(s.scalars(select(FactChange.fact_day).where(FactChange.id > before)))
    assert logged == [today()]


def test_pruning_the_whole_log_leaves_later_changes_able_to_void_a_build(client, tenants, history, db):
    """SQLite hands out a deleted top id again: were the newest change pruned, the next one would look seen."""
    with db.session() as s, s.begin():
        s.execute(update(FactChange).values(at=datetime.now(UTC) - timedelta(days=3)))
    _get(client, tenants["province"])
    assert _kept(db) is not None
    with db.session() as s, s.begin():
        assert cache.prune(s)["changes"] > 0
    assert _kept(db) is not None
    with db.session() as s, s.begin():
        _add_follow_up(s, history.placements, tenants)
    assert _kept(db) is None


def test_a_change_committed_after_a_build_began_voids_it_even_if_logged_first(client, tenants, history, db, backend):
    """The write flushes (and logs) before the build reads, but commits after: the build did not see it.

    On PostgreSQL a later transaction commits first, so the build sees a larger change id than the one it missed.
    """
    writer = db.session()
    writer.begin()
    writer.get(Placement, history.placements["sunday_start"]).end_date = h.SUN
    writer.flush()
    if backend == "postgresql":  # another writer logs a later change and commits first (SQLite has one writer)
        with db.session() as s, s.begin():
            s.get(Org, tenants["employer"].org_id).name = "东莞电子二厂"
    with db.session(False) as s:
        report, built = service.report_for(s, PROVINCE, WEEK)
    assert built is not None
    writer.commit()
    writer.close()
    with db.session() as s, s.begin():
        cache.store(s, [built])
    assert _kept(db) is None, "the build missed a committed end: it must not be served"
    _get(client, tenants["province"])
    assert _kept(db)["totals"]["departures"] == report["totals"]["departures"] + 1


def test_run_weekly_keeps_its_builds_for_the_api(client, tenants, history, db, cli_env, tmp_path, monkeypatch):
    from app.cli import main

    assert main(["report", "run-weekly", "--week", h.WEEK, "--format", "json", "--output-dir", str(tmp_path)]) == 0
    kept = _kept(db, Scope("county", code="450225"))
    assert kept is not None
    _no_builds(monkeypatch)
    assert _get(client, tenants["county"]) == kept


def test_a_second_monday_run_waits_for_the_first(db, settings, tmp_path):
    lock = tmp_path / "run-weekly.lock"
    order: list[str] = []

    def second() -> None:
        with schedule.exclusive_run(db.engine, lock):
            order.append("second")

    with schedule.exclusive_run(db.engine, lock):
        thread = threading.Thread(target=second)
        thread.start()
        time.sleep(0.5)
        order.append("first done")
    thread.join(10)
    assert order == ["first done", "second"]


def test_two_overlapping_runs_of_the_same_week_both_finish_with_the_same_files(
    client, tenants, history, settings, tmp_path
):
    env = {**os.environ, "LB_DATABASE_URL": settings.database_url, "LB_PII_KEY": settings.pii_key,
           "LB_DATA_DIR": str(tmp_path / "data")}  # fmt: skip
    runs = [
        subprocess.Popen(
            [sys.executable, "-m", "app.cli", "report", "run-weekly", "--week", h.WEEK, "--output-dir", str(out)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for out in (tmp_path / "a", tmp_path / "b")
    ]
    for run in runs:
        _out, err = run.communicate(timeout=300)
        assert run.returncode == 0, err
    a, b = sorted((tmp_path / "a" / h.WEEK).iterdir()), sorted((tmp_path / "b" / h.WEEK).iterdir())
    assert [p.name for p in a] == [p.name for p in b] and a
    for x, y in zip(a, b, strict=True):
        assert x.read_bytes() == y.read_bytes(), x.name
