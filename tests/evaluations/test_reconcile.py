"""The quarterly evaluation's indicators reconcile with raw rows, counted one row at a time by the definitions."""

import calendar
from datetime import date, timedelta

import pytest
from sqlalchemy import select, update

from app.evaluations import indicators as ind
from app.evaluations import service
from app.evaluations.models import Evaluation
from app.orgs.models import Org
from app.placements.models import Placement
from app.reports.schemas import Quarter
from app.rights.models import RightsCase
from app.training.models import Enrolment, TrainingClass
from app.vacancies.models import Vacancy
from app.workers.models import Worker
from tests.reports.helpers import in_region, seed_history

Q = Quarter(2026, 1)


@pytest.fixture
def seeded(db, settings, tmp_path):
    seed_history(settings, tmp_path)
    _train_some(db)
    with db.session(write=False) as session:
        stmt = (
            select(
                Placement.id,
                Placement.worker_id,
                Placement.start_date,
                Placement.end_date,
                Placement.end_reason,
                Placement.training_enrolment_id,
                Worker.hukou_county,
                Worker.registered_low_income,
                Worker.monitored_household,
                Vacancy.county_code,
            )
            .join(Worker, Worker.id == Placement.worker_id)
            .join(Vacancy, Vacancy.id == Placement.vacancy_id)
        )
        return [dict(r._mapping) for r in session.execute(stmt)]


def _train_some(db) -> None:
    """Every third placement started in the quarter followed a completed training (the seed trains nobody)."""
    with db.session() as session, session.begin():
        school = session.scalars(select(Org.id).limit(1)).one()
        hires = session.scalars(
            select(Placement).where(Placement.start_date.between(Q.first, Q.last)).order_by(Placement.id)
        ).all()[::3]
        assert hires, "the seed placed workers in the quarter"
        course = TrainingClass(
            school_org_id=school, mode="short_course", occupation_code="6-25-04-00", title="电子装配",
            county_code="450225", start_date=date(2025, 10, 1), end_date=date(2025, 12, 1), planned_hours=80,
            capacity=len(hires), status="completed",
        )  # fmt: skip
        session.add(course)
        session.flush()
        for p in hires:
            enrolment = Enrolment(class_id=course.id, worker_id=p.worker_id, status="completed", attended_hours=80,
                                  enrolled_by_org_id=school)  # fmt: skip
            session.add(enrolment)
            session.flush()
            session.execute(update(Placement).where(Placement.id == p.id).values(training_enrolment_id=enrolment.id))


def _plus_six_months(day: date) -> date:
    month = day.month + 6
    year, month = day.year + (month - 1) // 12, (month - 1) % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _expected(rows: list[dict], cases: list[RightsCase], east: str, west: str, annual_target: int) -> dict:
    """The indicators by their definitions, a row at a time, with facts after the quarter's end unknown."""
    first, last = Q.first, Q.last
    seen = [dict(r, end=r["end_date"] if r["end_date"] and r["end_date"] <= last else None)
            for r in rows if r["start_date"] <= last]  # fmt: skip
    mine = [r for r in seen if in_region(r["hukou_county"], west) and in_region(r["county_code"], east)]
    placed = [r for r in mine if first <= r["start_date"] <= last]
    reaching = [r for r in mine if first <= r["start_date"] + timedelta(days=180) <= last]
    lasted = [r for r in reaching if r["end"] is None or r["end"] >= r["start_date"] + timedelta(days=180)]
    finished_early = [r for r in reaching if r not in lasted and r["end_reason"] == "contract_ended"]
    household = [r for r in placed if r["registered_low_income"] or r["monitored_household"]]
    active = [r for r in mine if r["end"] is None or r["end"] >= first]
    opened = [c for c in cases if c.home_county and in_region(c.home_county, west)
              and in_region(c.jurisdiction_county, east) and first <= c.opened_on <= last]  # fmt: skip
    # spells of household members: placements at most 15 days apart are one spell
    by_worker: dict[int, list[dict]] = {}
    for r in sorted(seen, key=lambda r: (r["worker_id"], r["start_date"], r["id"])):
        if r["registered_low_income"] or r["monitored_household"]:
            by_worker.setdefault(r["worker_id"], []).append(r)
    lifted = cohort = 0
    for jobs in by_worker.values():
        spells: list[list[dict]] = []
        for r in jobs:  # a job continues the spell if it starts within 15 days of the latest end so far
            ends = [j["end"] for j in spells[-1]] if spells else []
            if spells and (None in ends or r["start_date"] <= max(ends) + timedelta(15)):
                spells[-1].append(r)
            else:
                spells.append([r])
        for spell in spells:
            mark = _plus_six_months(spell[0]["start_date"])
            if not first <= mark <= last:
                continue
            started = [r for r in spell if r["start_date"] <= mark]
            running = [r for r in started if r["end"] is None or r["end"] >= mark]
            held = (running or started)[-1]  # the job held that day, else the last one started
            if in_region(held["hukou_county"], west) and in_region(held["county_code"], east):
                cohort += 1
                ends = [j["end"] for j in spell]
                lifted += None in ends or max(ends) >= mark
    target = annual_target * 90 / 365
    return {
        "placements": len(placed),
        "target_quarter": round(target, 1),
        "target_share": round(len(placed) / target, 4) if target else None,
        "lasted_180": len(lasted),
        "reached_180": len(reaching) - len(finished_early),
        "low_income_placements": len(household),
        "lifted": lifted,
        "lifted_cohort": cohort,
        "active_placements": len(active),
        "rights_cases": len(opened),
        "training_graduates_placed": sum(r["training_enrolment_id"] is not None for r in placed),
    }


def test_every_pairings_indicators_reconcile_with_raw_rows(db, seeded):
    with db.session() as session, session.begin():
        run = service.evaluate_quarter(session, None, Q)
        cases = list(session.scalars(select(RightsCase)))
        evaluations = [(e.pairing_id, e.east_code, e.west_code, e.annual_target, e.indicators) for e in run.evaluations]
    assert evaluations, "the seed has pairings in force"
    assert sum(e[4]["lifted"] for e in evaluations) > 0 and sum(e[4]["rights_cases"] for e in evaluations) > 0
    assert sum(e[4]["training_graduates_placed"] for e in evaluations) > 0
    for pairing_id, east, west, target, got in evaluations:
        expected = _expected(seeded, cases, east, west, target)
        assert {k: got[k] for k in expected} == expected, pairing_id
        assert got["rights_cases_per_100"] == (
            round(100 * got["rights_cases"] / got["active_placements"], 2) if got["active_placements"] else None
        )


def test_the_score_is_the_weighted_mean_of_the_components_it_could_compute():
    figures = {"target_share": 0.5, "lasted_180_share": 0.8, "low_income_share": None, "lifted_share": 0.6,
               "rights_cases_per_100": 2.5, "training_share": 0.0}  # fmt: skip
    weights = {"target": 2.0, "lasted_180": 1.0, "low_income": 5.0, "lifted": 1.0, "rights": 0.0, "training": 1.0}
    parts = ind.components(figures, weights)
    assert parts["rights"]["value"] == 0.75 and parts["low_income"]["value"] is None
    # low_income cannot be computed and rights weighs nothing: (2·0.5 + 0.8 + 0.6 + 0) / 5
    assert ind.score(parts) == 48.0
    assert [ind.grade(s) for s in (85.0, 84.9, 70.0, 60.0, 59.9, None)] == [
        "excellent", "good", "good", "pass", "fail", "ungraded"
    ]  # fmt: skip
    assert ind.components({**figures, "target_share": 1.7}, weights)["target"]["value"] == 1.0


def test_a_rerun_recomputes_drafts_only_and_a_final_evaluation_never_changes(db, seeded):
    with db.session() as session, session.begin():
        first = service.evaluate_quarter(session, None, Q)
        assert first.created > 0 and first.refreshed == first.kept == 0
        chosen = first.evaluations[0]
        chosen.status = "final"
        rest = [e.id for e in first.evaluations[1:]]
    with db.session() as session, session.begin():  # hires of the month before, corrected into the quarter
        moved = session.execute(
            update(Placement).where(Placement.start_date.between(Q.first - timedelta(days=31), Q.first - timedelta(1)))
            .values(start_date=Q.first)
        ).rowcount  # fmt: skip
        assert moved
    with db.session() as session, session.begin():
        again = service.evaluate_quarter(session, None, Q)
        assert again.created == 0 and again.kept >= 1 and again.refreshed >= 1
        final = session.get(Evaluation, chosen.id)
        assert final.indicators == chosen.indicators and final.version == chosen.version
        final.comment = "x"
        final.score = 1.0
        with pytest.raises(Exception, match="is final"):
            session.flush()
    with db.session(write=False) as session:
        assert all(session.get(Evaluation, i).status == "draft" for i in rest)


def test_a_spell_runs_to_the_latest_end_of_overlapping_placements():
    """A job still running since January and a short one entered inside it: in work on the six-month day."""
    import pandas as pd

    rows = pd.DataFrame(
        {
            "placement_id": [2, 1],
            "worker_id": [7, 7],
            "hukou_county": "450225",
            "vacancy_county": ["441900", "440300"],
            "start_date": [date(2026, 1, 10), date(2026, 2, 1)],
            "end_date": [None, date(2026, 2, 10)],
            "end_reason": [None, "quit_wage"],
            "trained": False,
            "household": True,
        }
    )
    view = ind.QuarterView(rows, Quarter(2026, 3), cases=None)  # type: ignore[arg-type]
    spells = view.spells
    assert len(spells) == 1 and bool(spells["lifted"].iloc[0])
    assert spells["vacancy_county"].iloc[0] == "441900"  # the job held on the six-month day, not the later one


def test_the_target_counts_only_the_days_the_pairing_was_live():
    from app.pairings.service import PairingAt

    late = PairingAt(1, 1, date(2026, 9, 20), "441900", "450200", "prefecture", 365, False, None, date(2026, 9, 20),
                     None)  # fmt: skip
    assert ind.live_days(late, Quarter(2026, 3)) == 11
    assert ind.live_days(late, Quarter(2026, 2)) == 0
    ended = PairingAt(1, 1, date(2025, 1, 1), "441900", "450200", "prefecture", 365, False, None, None,
                      date(2026, 7, 31))  # fmt: skip
    assert ind.live_days(ended, Quarter(2026, 3)) == 31
