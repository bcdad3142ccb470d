"""The demo-data generator: deterministic, realistic marginals, and rows the API itself would accept."""

import json
import re
from collections import defaultdict
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import delete, select

from app.clock import today
from app.config import Settings
from app.db import Database
from app.models import FollowUp, Occupation, Org, Pairing, Placement, Vacancy, Worker
from app.pii import mask_id_number, mask_phone, vault_for
from app.seed.generator import SeedConfig, SeedRefused, seed_database
from app.training.models import Enrolment, TrainingClass, TrainingDemand, TrainingReservation
from app.workers.idnumber import age_on, parse_id_number
from app.workers.service import birth_date_of
from tests.conftest import MUTABLE_TABLES
from tests.factories import id_number, vacancy_payload, worker_payload

SMALL = SeedConfig(workers=1500, vacancies=300, years=3, seed=5)


@pytest.fixture
def seeded(db: Database, settings: Settings, tmp_path: Path) -> tuple[dict, Path]:
    keys_file = tmp_path / "nested" / "demo_keys.json"
    summary = seed_database(settings.database_url, settings.pii_key, SMALL, keys_file=keys_file)
    return summary, keys_file


def _snapshot(db: Database) -> tuple[list, list]:
    with db.session(write=False) as s:
        workers = s.execute(
            select(Worker.external_id, Worker.id_hash, Worker.sex, Worker.name, Worker.hukou_county).order_by(
                Worker.external_id
            )
        ).all()
        placements = s.execute(
            select(
                Worker.external_id,
                Org.name,
                Vacancy.external_id,
                Placement.start_date,
                Placement.end_date,
                Placement.end_reason,
            )
            .join(Worker, Worker.id == Placement.worker_id)
            .join(Vacancy, Vacancy.id == Placement.vacancy_id)
            .join(Org, Org.id == Vacancy.employer_org_id)
            .order_by(Worker.external_id, Placement.start_date)
        ).all()
    return [tuple(r) for r in workers], [tuple(r) for r in placements]


def _empty(db: Database) -> None:
    with db.session() as s, s.begin():
        for model in MUTABLE_TABLES:
            s.execute(delete(model))


def test_same_seed_same_rows(db: Database, settings: Settings) -> None:
    config = SeedConfig(workers=400, vacancies=80, years=2, seed=11, today=today())
    seed_database(settings.database_url, settings.pii_key, config)
    first = _snapshot(db)
    _empty(db)
    seed_database(settings.database_url, settings.pii_key, config)
    assert _snapshot(db) == first
    assert len(first[0]) == 400 and len(first[1]) > 400
    _empty(db)
    seed_database(settings.database_url, settings.pii_key, SeedConfig(400, 80, 2, seed=12, today=today()))
    assert _snapshot(db) != first


def test_early_departures_are_realistic_and_local_jobs_last_longer(db: Database, seeded: tuple[dict, Path]) -> None:
    """Measured from the rows, censoring-aware: only placements whose 90-day outcome is known count."""
    summary, _ = seeded
    cutoff = today() - timedelta(days=90)
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    with db.session(write=False) as s:
        rows = s.execute(
            select(Placement.start_date, Placement.end_date, Vacancy.county_code)
            .join(Vacancy, Vacancy.id == Placement.vacancy_id)
            .where(Placement.start_date <= cutoff)
        ).all()
    for start, end, county in rows:
        channel = "cross_region" if county.startswith("44") else "local"
        counts[channel][0] += 1
        counts[channel][1] += end is not None and (end - start).days < 90
    share = {k: early / known for k, (known, early) in counts.items()}
    assert counts["cross_region"][0] > 500 and counts["local"][0] > 200
    assert 0.22 <= share["cross_region"] <= 0.36
    assert share["local"] < share["cross_region"]
    marginals = summary["marginals"]
    assert marginals["cross_region_90d_departure_share"] == pytest.approx(share["cross_region"], abs=1e-4)
    assert marginals["local_90d_departure_share"] == pytest.approx(share["local"], abs=1e-4)


def test_placements_respect_the_rules_the_api_enforces(
    db: Database, settings: Settings, seeded: tuple[dict, Path]
) -> None:
    summary, _ = seeded
    vault = vault_for(settings.pii_key)
    with db.session(write=False) as s:
        vacancies = {v.id: v for v in s.scalars(select(Vacancy))}
        workers = {w.id: w for w in s.scalars(select(Worker))}
        placements = list(s.scalars(select(Placement).order_by(Placement.worker_id, Placement.start_date)))
        follow_ups = list(s.scalars(select(FollowUp)))
        agencies = set(s.scalars(select(Org.id).where(Org.kind == "agency")))
        offices = {o.id: o for o in s.scalars(select(Org).where(Org.kind == "county_office"))}
    assert len(placements) == summary["placements"] and len(follow_ups) == summary["follow_ups"]
    active: dict[int, int] = defaultdict(int)
    previous: Placement | None = None
    for p in placements:
        if previous is not None and previous.worker_id == p.worker_id:
            assert previous.end_date is not None and previous.end_date < p.start_date, "overlapping placements"
        previous = p
        vacancy, worker = vacancies[p.vacancy_id], workers[p.worker_id]
        age = age_on(birth_date_of(worker, vault), p.start_date)
        assert vacancy.min_age <= age and (vacancy.max_age is None or age <= vacancy.max_age)
        assert p.start_date <= today()
        assert p.referred_by is None or p.referred_by in agencies
        assert (
            offices[p.recorded_by_org_id].region_code == worker.hukou_county == offices[worker.owner_org_id].region_code
        )
        if p.end_date is None:
            active[p.vacancy_id] += 1
            assert p.end_reason is None
        else:
            assert p.start_date <= p.end_date <= today() and p.end_reason is not None
    assert sum(active.values()) == summary["active_placements"] > 0
    for vacancy_id, n in active.items():
        assert n <= vacancies[vacancy_id].headcount
        assert vacancies[vacancy_id].status == "open"
    assert any(v.status == "closed" for v in vacancies.values())
    starts = {p.id: p.start_date for p in placements}
    assert all(starts[f.placement_id] <= f.date <= today() for f in follow_ups)
    assert {f.outcome for f in follow_ups} == {"ok", "concern", "left", "unreachable"}


def test_personal_data_is_stored_as_the_service_stores_it(db: Database, settings: Settings, seeded) -> None:
    vault = vault_for(settings.pii_key)
    with db.session(write=False) as s:
        workers = list(s.scalars(select(Worker)))
        level4 = set(s.scalars(select(Occupation.code).where(Occupation.level == 4)))
        occupations = set(s.scalars(select(Occupation.code)))
        vacancy_codes = set(s.scalars(select(Vacancy.occupation_code)))
        pairings = list(s.scalars(select(Pairing)))
    assert len({w.id_hash for w in workers}) == len(workers)
    for w in workers:
        id_number = vault.decrypt(w.id_number_enc)
        facts = parse_id_number(id_number)  # raises on a bad checksum or date
        assert vault.fingerprint(id_number) == w.id_hash
        assert mask_id_number(id_number) == w.id_number_masked
        assert id_number[:6] == w.hukou_county
        assert facts.sex == w.sex
        assert 18 <= age_on(facts.birth_date, w.created_at.date()) <= 55
        phone = vault.decrypt(w.phone_enc)
        assert re.fullmatch(r"1[3-9]\d{9}", phone) and mask_phone(phone) == w.phone_masked
        assert set(w.skills) | set(w.desired_occupations) <= level4
        assert w.desired_occupations and w.name and 2 <= len(w.name) <= 4
    assert vacancy_codes <= occupations
    assert pairings and all(p.illustrative for p in pairings)
    assert {p.level for p in pairings} >= {"prefecture", "county"}


def test_keys_file_has_one_working_key_per_role(client, seeded: tuple[dict, Path]) -> None:
    _, keys_file = seeded
    keys = json.loads(keys_file.read_text())
    expected = {
        "county_office": "county_office",
        "county_office_pii": "county_office",
        "employer": "employer",
        "agency": "agency",
        "training_school": "training_school",
        "provincial_office": "provincial_office",
    }
    assert set(keys) == set(expected)
    for role, kind in expected.items():
        resp = client.get("/api/v1/me", headers={"Authorization": f"Bearer {keys[role]['api_key']}"})
        assert resp.status_code == 200, (role, resp.text)
        me = resp.json()
        assert (me["kind"], me["org_id"]) == (kind, keys[role]["org_id"])
        assert ("pii:read" in me["scopes"]) == (role == "county_office_pii")
    # The demo county office and employer are ones with plenty to show.
    office = keys["county_office"]["api_key"]
    placements = client.get("/api/v1/placements?limit=100", headers={"Authorization": f"Bearer {office}"})
    assert placements.status_code == 200 and len(placements.json()["items"]) >= 20


def test_only_if_empty(db: Database, settings: Settings, seeded: tuple[dict, Path]) -> None:
    again = seed_database(settings.database_url, settings.pii_key, SMALL, only_if_empty=True)
    assert again["skipped"] is True and again["workers"] == SMALL.workers
    with pytest.raises(SeedRefused):
        seed_database(settings.database_url, settings.pii_key, SMALL)


def test_tiny_configurations(db: Database, settings: Settings) -> None:
    summary = seed_database(settings.database_url, settings.pii_key, SeedConfig(1, 1, 1, seed=3, today=date.today()))
    assert summary["workers"] == 1 and summary["vacancies"] == 1


def test_api_can_add_rows_after_seeding(client, seeded: tuple[dict, Path]) -> None:
    """Ids were taken from the tables' own sequences, so new rows do not collide with demo rows."""
    keys = json.loads(seeded[1].read_text())
    office = {"Authorization": f"Bearer {keys['county_office']['api_key']}"}
    employer = {"Authorization": f"Bearer {keys['employer']['api_key']}"}
    region = client.get("/api/v1/me", headers=office).json()["region_code"]
    employer_region = client.get("/api/v1/me", headers=employer).json()["region_code"]
    worker = client.post(
        "/api/v1/workers", json=worker_payload(hukou_county=region, id_number=id_number(region)), headers=office
    )
    assert worker.status_code == 201, worker.text
    vacancy = client.post(
        "/api/v1/vacancies",
        json=vacancy_payload(county_code=employer_region, start_date=str(today())),
        headers=employer,
    )
    assert vacancy.status_code == 201, vacancy.text
    placement = client.post(
        "/api/v1/placements",
        json={"worker_id": worker.json()["id"], "vacancy_id": vacancy.json()["id"], "start_date": str(today())},
        headers=office,
    )
    assert placement.status_code == 201, placement.text


def test_cases_follow_the_ends_that_call_for_them_and_their_history_gives_their_state(
    client, db: Database, settings: Settings, seeded: tuple[dict, Path]
) -> None:
    """Every dispute and injury opens a case; replaying a case's events gives its stored status and due date."""
    from app.rights.models import CaseEvent, RightsCase
    from app.rights.report import replay
    from app.rights.ties import CASE_FOR_END_REASON
    from app.rights.workdays import WorkCalendar

    summary, keys_file = seeded
    with db.session(write=False) as s:
        ended = select(Placement.id, Placement.end_reason).where(Placement.end_reason.is_not(None))
        ends = {pid: reason for pid, reason in s.execute(ended)}
        cases = s.scalars(select(RightsCase)).all()
        rows = [(c.id, c.kind, c.placement_id, c.employer_id, c.home_county, c.opened_on, 0) for c in cases]
        events = [
            (e.case_id, e.action, e.to_status, e.at, e.amount_recovered_fen)
            for e in s.scalars(select(CaseEvent).order_by(CaseEvent.id))
        ]
        stored = {c.id: (c.status, c.due_on, c.opened_on, c.placement_id, c.kind) for c in cases}
    assert summary["cases"] == len(cases) > 0
    by_placement = {c.placement_id: c.kind for c in cases}
    for placement_id, reason in ends.items():
        if reason in ("dispute", "injury"):
            assert by_placement.get(placement_id) == CASE_FOR_END_REASON[reason], placement_id
    assert all(CASE_FOR_END_REASON[ends[p]] == kind for p, kind in by_placement.items())
    replayed = replay(rows, events, WorkCalendar(), settings)
    assert len({c.status for c in replayed}) >= 4  # open, in progress and closed cases all show
    for case in replayed:
        status, due_on, opened_on, _, _ = stored[case.id]
        assert case.status == status, case.id
        assert due_on == (min(case.due.values()) if case.due else None), case.id
        assert opened_on <= today()
    office = json.loads(keys_file.read_text())["county_office"]
    resp = client.get("/api/v1/cases?limit=200", headers={"Authorization": f"Bearer {office['api_key']}"})
    assert resp.status_code == 200, resp.text
    assert len(resp.json()["items"]) == sum(c.worker_owner_org_id == office["org_id"] for c in cases)


def test_trained_placements_name_a_completed_class_in_their_occupation_that_ended_before_they_started(
    client, db: Database, settings: Settings, seeded: tuple[dict, Path]
) -> None:
    """The simulation's latent `trained` becomes rows the API would accept: a completed enrolment with the hours."""
    summary, keys_file = seeded
    with db.session(write=False) as s:
        classes = {c.id: c for c in s.scalars(select(TrainingClass))}
        enrolments = {e.id: e for e in s.scalars(select(Enrolment))}
        demands = {d.id: d for d in s.scalars(select(TrainingDemand))}
        vacancies = {v.id: v for v in s.scalars(select(Vacancy))}
        placements = list(s.scalars(select(Placement)))
        held = list(s.scalars(select(TrainingReservation)))
    assert summary["training_classes"] == len(classes) and summary["enrolments"] == len(enrolments)
    trained = [p for p in placements if p.training_enrolment_id is not None]
    assert 0.05 < len(trained) / len(placements) < 0.5
    share = settings.training_completion_share
    for p in trained:
        e = enrolments[p.training_enrolment_id]
        klass, vacancy = classes[e.class_id], vacancies[p.vacancy_id]
        assert (e.worker_id, e.status, e.result) == (p.worker_id, "completed", "pass")
        assert e.attended_hours >= share * klass.planned_hours and e.certificate_no
        assert klass.status == "completed" and klass.end_date < p.start_date
        assert klass.occupation_code == vacancy.occupation_code
        if klass.mode == "order_class":
            demand = demands[klass.demand_id]
            assert (demand.vacancy_id, demand.employer_org_id) == (vacancy.id, vacancy.employer_org_id)
    per_class: dict[int, int] = defaultdict(int)
    for e in enrolments.values():
        per_class[e.class_id] += 1
        assert (e.result == "fail") == (e.status == "failed")
        assert e.status != "dropped" or (e.drop_reason and e.attended_hours < share * classes[e.class_id].planned_hours)
    assert all(n <= classes[c].capacity for c, n in per_class.items())
    assert {e.status for e in enrolments.values()} == {"completed", "dropped", "failed", "enrolled"}
    assert {"completed", "running", "enrolling"} <= {c.status for c in classes.values()}
    assert {c.mode for c in classes.values()} == {"order_class", "short_course"}
    for r in held:
        klass = classes[r.class_id]
        assert klass.mode == "order_class" and demands[klass.demand_id].vacancy_id == r.vacancy_id
        assert 0 < r.places <= demands[klass.demand_id].hire_commitment
        assert r.expires_on == klass.end_date + timedelta(days=settings.training_reservation_days)
    assert held
    # The school reads its classes through the API; the office reads its workers' trainings.
    keys = json.loads(keys_file.read_text())
    school = {"Authorization": f"Bearer {keys['training_school']['api_key']}"}
    seen = client.get("/api/v1/training/classes?limit=200", headers=school)
    assert seen.status_code == 200 and len(seen.json()["items"]) == min(200, len(classes))
    office = keys["county_office"]
    mine = next(p for p in trained if p.recorded_by_org_id == office["org_id"])
    got = client.get(
        f"/api/v1/workers/{mine.worker_id}/trainings", headers={"Authorization": f"Bearer {office['api_key']}"}
    )
    assert got.status_code == 200, got.text
    assert mine.training_enrolment_id in {t["id"] for t in got.json()["items"]}
