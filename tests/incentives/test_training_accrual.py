"""training_completed rules accrue on completed enrolments: once, on the class's end day, in the rule's province."""

from datetime import date

from sqlalchemy import update

from app.models import Enrolment, IncentiveRuleVersion, TrainingClass
from tests.factories import new_worker
from tests.incentives.conftest import accrue, post_rule

API = "/api/v1/incentives"
TRAINING_RULE = {
    "trigger": "training_completed",
    "days": None,
    "conditions": {},
    "exclusions": [],
    "limits": {},
    "amount_fen": 50_000,
}


def _class(db, school: int, county: str, ends: date) -> int:
    with db.session() as s, s.begin():
        klass = TrainingClass(
            school_org_id=school, mode="short_course", occupation_code="6-25-04-00", title="电子装配短训班",
            county_code=county, start_date=date(2026, 10, 1), end_date=ends, planned_hours=120, capacity=10,
            status="completed",
        )  # fmt: skip
        s.add(klass)
        s.flush()
        return klass.id


def _enrol(db, class_id: int, worker: int, county_org: int, status: str = "completed") -> int:
    with db.session() as s, s.begin():
        row = Enrolment(
            class_id=class_id, worker_id=worker, status=status, attended_hours=110 if status == "completed" else 20,
            result="pass" if status == "completed" else None, enrolled_by_org_id=county_org,
        )  # fmt: skip
        s.add(row)
        s.flush()
        return row.id


def test_a_school_earns_once_per_completed_enrolment_of_its_classes_in_the_province(client, tenants, db):
    province, county, school = tenants["province"], tenants["county"], tenants["school"]
    rule = post_rule(client, province, name="定制化培训结业补贴", beneficiary="training_school", **TRAINING_RULE)
    here = _class(db, school.org_id, "450225", date(2026, 11, 20))
    later = _class(db, school.org_id, "450225", date(2026, 12, 20))  # ends after the run's day
    guangdong = _class(db, school.org_id, "441900", date(2026, 11, 20))  # another province's rules pay for it
    workers = [new_worker(client, county) for _ in range(4)]
    done = _enrol(db, here, workers[0], county.org_id)
    _enrol(db, here, workers[1], county.org_id, status="dropped")
    _enrol(db, later, workers[2], county.org_id)
    _enrol(db, guangdong, workers[3], county.org_id)
    run = accrue(db, "2026-12-01")
    assert (run["created"], run["amount_fen"], run["skipped_training"]) == (1, 50_000, False)
    entries = client.get(f"{API}/ledger", headers=province.headers).json()["items"]
    assert [
        (e["enrolment_id"], e["placement_id"], e["org_id"], e["milestone"], e["milestone_date"]) for e in entries
    ] == [(done, None, school.org_id, "training", "2026-11-20")]
    assert entries[0]["rule_id"] == rule["id"] and entries[0]["beneficiary_kind"] == "training_school"
    assert client.get(f"{API}/ledger", headers=school.headers).json()["items"][0]["enrolment_id"] == done
    assert accrue(db, "2026-12-01")["created"] == 0  # a re-run adds nothing
    assert accrue(db, "2026-12-21")["created"] == 1  # the later class has ended by then


def test_a_worker_rule_pays_only_the_households_it_names_and_a_simulation_writes_nothing(client, tenants, db):
    province, county, school = tenants["province"], tenants["county"], tenants["school"]
    conditions = {"households": ["registered_low_income", "monitored"]}
    rule = post_rule(client, province, beneficiary="worker", **(TRAINING_RULE | {"conditions": conditions}))
    klass = _class(db, school.org_id, "450225", date(2026, 11, 20))
    poor = new_worker(client, county, registered_low_income=True)
    other = new_worker(client, county, registered_low_income=False, monitored_household=False)
    _enrol(db, klass, poor, county.org_id)
    _enrol(db, klass, other, county.org_id)
    sim = client.post(
        f"{API}/rules/{rule['id']}/simulate",
        params={"from": "2026-01-01", "to": "2026-12-01"},
        headers=province.headers,
    )
    assert sim.status_code == 200, sim.text
    assert (sim.json()["entries"], sim.json()["amount_fen"], sim.json()["stable_placements"]) == (1, 50_000, 0)
    assert client.get(f"{API}/ledger", headers=province.headers).json()["items"] == []
    accrue(db, "2026-12-01")
    entries = client.get(f"{API}/ledger", headers=county.headers).json()["items"]
    assert [(e["worker_id"], e["org_id"]) for e in entries] == [(poor, None)]


def test_a_training_rule_with_a_job_condition_is_refused(client, tenants):
    body = TRAINING_RULE | {"beneficiary": "worker", "conditions": {"cross_province_only": True}}
    from tests.incentives.conftest import worker_rule

    resp = client.post(f"{API}/rules", json=worker_rule(**body), headers=tenants["province"].headers)
    assert resp.status_code == 422, resp.text
    assert "岗位条件" in resp.text and "not about a job" in resp.text


def test_a_training_version_written_before_the_check_is_named_not_applied(client, tenants, db):
    """Its job condition would be ignored: the run leaves it alone and says so, and a simulation refuses it."""
    province, county, school = tenants["province"], tenants["county"], tenants["school"]
    rule = post_rule(client, province, beneficiary="worker", **TRAINING_RULE)
    with db.session() as s, s.begin():  # how a version from before the check reads
        s.execute(
            update(IncentiveRuleVersion)
            .where(IncentiveRuleVersion.rule_id == rule["id"])
            .values(conditions={"cross_province_only": True})
        )
    _enrol(db, _class(db, school.org_id, "450225", date(2026, 11, 20)), new_worker(client, county), county.org_id)
    run = accrue(db, "2026-12-01")
    assert run["created"] == 0
    [named] = run["not_evaluated"]
    assert (named["rule_id"], named["version"]) == (rule["id"], 1) and "岗位条件" in named["reason"]
    sim = client.post(
        f"{API}/rules/{rule['id']}/simulate",
        params={"from": "2026-01-01", "to": "2026-12-01"},
        headers=province.headers,
    )
    assert sim.status_code == 409 and "not about a job" in sim.text
