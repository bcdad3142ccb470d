"""The weekly report's `training` section reconciles with the raw rows of a seeded history, one row at a time."""

import csv
import io
from datetime import UTC, date, datetime, timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from app.clock import CST
from app.db import Database
from app.models import Placement, Vacancy, Worker
from app.reports.facts import window_start
from app.reports.page import to_html
from app.reports.schemas import IsoWeek, Scope
from app.reports.service import build_report
from app.reports.tabular import to_csv, to_xlsx
from app.reports.weekly_schema import WeeklyReport
from app.seed.generator import SeedConfig, seed_database
from app.training.models import Enrolment, TrainingClass, TrainingDemand
from tests.reports import helpers as h

TODAY = date(2026, 6, 30)
WEEKS = ("2026-W14", "2026-W20", "2026-W26")


def _day(at: datetime) -> date:
    return (at if at.tzinfo else at.replace(tzinfo=UTC)).astimezone(CST).date()


def _raw(db: Database) -> dict:
    with db.session(write=False) as s:
        return {
            "classes": {c.id: c for c in s.scalars(select(TrainingClass))},
            "demands": {d.id: d for d in s.scalars(select(TrainingDemand))},
            "enrolments": list(s.scalars(select(Enrolment))),
            "home": dict(s.execute(select(Worker.id, Worker.hukou_county)).all()),
            "occupation": dict(s.execute(select(Vacancy.id, Vacancy.occupation_code)).all()),
            "placements": list(s.scalars(select(Placement))),
        }


def _expected(raw: dict, week: IsoWeek, county: str | None) -> dict:
    """The section's figures by their definitions, from ORM rows in plain loops."""
    monday, sunday = week.monday, week.sunday
    classes, demands = raw["classes"], raw["demands"]
    mine = [
        e
        for e in raw["enrolments"]
        if _day(e.created_at) <= sunday and (county is None or h.in_region(raw["home"][e.worker_id], county))
    ]

    def in_week(day: date) -> bool:
        return monday <= day <= sunday

    running = {
        e.class_id
        for e in mine
        if classes[e.class_id].start_date <= sunday <= classes[e.class_id].end_date
        and classes[e.class_id].status != "cancelled"
    }
    out = {
        "classes_running_at_week_end": len(running),
        "enrolled": sum(in_week(_day(e.created_at)) for e in mine),
        "completed": sum(e.status == "completed" and in_week(classes[e.class_id].end_date) for e in mine),
        "dropped": sum(e.status == "dropped" and in_week(_day(e.updated_at)) for e in mine),
    }
    starts: dict[int, list[Placement]] = {}
    for p in raw["placements"]:
        starts.setdefault(p.worker_id, []).append(p)
    last = sunday - timedelta(days=30)
    first = last - timedelta(days=90)
    graduates = [e for e in mine if e.status == "completed" and first <= classes[e.class_id].end_date <= last]
    placed = sum(
        any(
            classes[e.class_id].end_date <= p.start_date <= classes[e.class_id].end_date + timedelta(days=30)
            for p in starts.get(e.worker_id, [])
        )
        for e in graduates
    )
    out["placed"] = (len(graduates), placed)
    promised, hired = {}, set()
    for e in mine:
        klass = classes[e.class_id]
        demand = demands.get(klass.demand_id)
        if klass.status != "completed" or klass.end_date > sunday or demand is None or demand.vacancy_id is None:
            continue
        promised[demand.id] = demand.hire_commitment
        if e.status == "completed" and any(
            p.vacancy_id == demand.vacancy_id and klass.end_date <= p.start_date <= sunday
            for p in starts.get(e.worker_id, [])
        ):
            hired.add((demand.id, e.worker_id))
    out["commitments"] = (sum(promised.values()), len(hired))
    # Retention: placements started in the report's window, trained if the worker had completed a class in
    # the job's occupation before the start.
    completed: dict[int, list[TrainingClass]] = {}
    for e in raw["enrolments"]:
        if e.status == "completed":
            completed.setdefault(e.worker_id, []).append(classes[e.class_id])
    trained, untrained = [], []
    since = window_start(week)
    for p in raw["placements"]:
        if not since <= p.start_date <= sunday or (county and not h.in_region(raw["home"][p.worker_id], county)):
            continue
        code = raw["occupation"][p.vacancy_id]
        row = {"start_date": p.start_date, "end_date": p.end_date, "end_reason": p.end_reason, "code": code}
        had = any(c.occupation_code == code and c.end_date < p.start_date for c in completed.get(p.worker_id, []))
        (trained if had else untrained).append(row)
    codes = {r["code"] for r in trained}
    out["groups"] = {"graduates": trained, "untrained_same_occupations": [r for r in untrained if r["code"] in codes]}
    return out


def _graduate_hired_elsewhere(db: Database) -> None:
    """Move one order-class graduate's placement to another vacancy: a hire that does not keep the promise."""
    with db.session() as s, s.begin():
        p = s.scalars(
            select(Placement)
            .join(Enrolment, Enrolment.id == Placement.training_enrolment_id)
            .join(TrainingClass, TrainingClass.id == Enrolment.class_id)
            .where(TrainingClass.mode == "order_class", TrainingClass.end_date < date(2026, 6, 1))
            .order_by(Placement.id.desc())
            .limit(1)
        ).one()
        p.vacancy_id = s.scalars(select(Vacancy.id).where(Vacancy.id != p.vacancy_id).limit(1)).one()


def test_the_training_section_reconciles_with_the_raw_rows(db, settings, tmp_path):
    seed_database(settings.database_url, settings.pii_key, SeedConfig(900, 150, 2, seed=11, today=TODAY))
    _graduate_hired_elsewhere(db)
    raw = _raw(db)
    assert raw["enrolments"] and any(p.training_enrolment_id for p in raw["placements"])
    county = max(set(raw["home"].values()), key=lambda c: sum(v == c for v in raw["home"].values()))
    seen_placed = seen_retention = False
    for week_text in WEEKS:
        week = IsoWeek.parse(week_text)
        for scope, code in ((Scope("province"), None), (Scope("county", code=county), county)):
            with db.session(write=False) as session:
                report = build_report(session, scope, week)
            WeeklyReport.model_validate(report)
            got, want = report["training"], _expected(raw, week, code)
            for key in ("classes_running_at_week_end", "enrolled", "completed", "dropped"):
                assert got[key] == want[key], (week_text, code, key)
            placed = got["graduates_placed_within_30_days"]
            assert (placed["graduates"], placed["placed"]) == want["placed"]
            promises = got["commitments"]
            assert (promises["committed"], promises["graduates_hired"]) == want["commitments"]
            assert sum(e["committed"] for e in promises["by_employer"]) == promises["committed"]
            for group, rows in want["groups"].items():
                for horizon in (90, 180):
                    figure = got["retention"][group][str(horizon)]
                    ends = [
                        r["end_date"] if r["end_date"] and r["end_date"] <= week.sunday else week.sunday for r in rows
                    ]
                    assert figure["at_risk"] == sum(
                        (e - r["start_date"]).days >= horizon for e, r in zip(ends, rows, strict=True)
                    )
                    expected = h.product_limit(rows, week.sunday, horizon)
                    assert figure["estimate"] == (None if expected is None else pytest.approx(expected, abs=1e-4))
                    seen_retention |= figure["estimate"] is not None
            seen_placed |= placed["graduates"] > 0
    assert seen_placed and seen_retention  # the seeded history gives every figure something to count
    # A training school reads its graduates' jobs after their class: the week's active placements, by hand.
    school = next(iter({c.school_org_id for c in raw["classes"].values()}))
    week = IsoWeek.parse(WEEKS[-1])
    done = [
        e for e in raw["enrolments"] if e.status == "completed" and raw["classes"][e.class_id].school_org_id == school
    ]
    ends = {}
    for e in done:
        ends.setdefault(e.worker_id, []).append(raw["classes"][e.class_id].end_date)
    active = [
        p
        for p in raw["placements"]
        if any(end < p.start_date for end in ends.get(p.worker_id, []))
        and p.start_date <= week.sunday
        and (p.end_date is None or p.end_date > week.sunday)
    ]
    with db.session(write=False) as session:
        mine = build_report(session, Scope("school", org_id=school), week)
    WeeklyReport.model_validate(mine)
    assert mine["scope"]["kind"] == "school" and mine["totals"]["active_at_week_end"] == len(active) > 0
    assert mine["training"]["enrolled"] == _expected(raw, week, None)["enrolled"]  # the demo has one school
    # The section reaches every format a person reads.
    table = list(csv.reader(io.StringIO(to_csv(report).decode("utf-8-sig"))))
    assert any(r[2] == "training_retention" and r[6] == "graduates.90.estimate" for r in table)
    sheet = load_workbook(io.BytesIO(to_xlsx(report)))["培训 training"]
    assert any(isinstance(c.value, datetime) for row in sheet.iter_rows() for c in row)  # the window's dates
    page = to_html(report)
    assert 'id="training"' in page and 'id="training-retention"' in page
