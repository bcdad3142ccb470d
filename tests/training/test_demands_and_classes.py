"""Demands and classes: who may post and read them, what is refused (and writes nothing), the class's states."""

from sqlalchemy import func, select

from app.training.models import TrainingClass, TrainingDemand
from tests.training.conftest import CLASS, patch


def _count(db, model) -> int:
    with db.session() as session:
        return int(session.scalar(select(func.count()).select_from(model)))


class TestDemands:
    def test_an_employer_posts_a_demand_on_its_own_vacancy_and_it_takes_the_vacancys_occupation(self, api, make):
        vacancy = make.vacancy(occupation_code="6-18-01-01")
        resp = api(
            "POST",
            "/training/demands",
            "employer",
            {"vacancy_id": vacancy, "headcount": 40, "hire_commitment": 40, "needed_by": "2027-03-01"},
        )
        assert resp.status_code == 201, resp.text
        body = resp.json()
        assert body["occupation_code"] == "6-18-01-01" and body["hire_commitment"] == 40
        assert body["vacancy_id"] == vacancy and resp.headers["ETag"] == f'"{body["id"]}.1"'

    def test_bad_demands_are_422_bilingual_and_write_nothing(self, api, make, db):
        before = _count(db, TrainingDemand)
        others = make.vacancy("other_employer")
        cases = [
            ({"vacancy_id": others, "occupation_code": "6-25-04-00", "headcount": 5}, "vacancy_id"),
            ({"occupation_code": "9-99-99-99", "headcount": 5}, "occupation_code"),
            ({"occupation_code": "6-25-04-00", "headcount": 5, "hire_commitment": 6}, "hire_commitment"),
            ({"headcount": 5}, "occupation_code"),
            ({"occupation_code": "6-25-04-00", "headcount": 0}, "headcount"),
        ]
        for body, field in cases:
            resp = api("POST", "/training/demands", "employer", body)
            assert resp.status_code == 422, (body, resp.text)
            err = resp.json()
            assert err["error"] == "validation_error" and field in {d["field"] for d in err["detail"]}, err
            assert all(d["message_zh"] and d["message_en"] for d in err["detail"])
        assert _count(db, TrainingDemand) == before

    def test_only_employers_post_and_others_read_by_the_policy(self, api, make):
        demand = make.demand()
        for who in ("school", "county", "province"):
            assert api("GET", f"/training/demands/{demand['id']}", who).status_code == 200, who
        assert api("GET", f"/training/demands/{demand['id']}", "other_employer").status_code == 404
        assert (
            api("POST", "/training/demands", "school", {"occupation_code": "6-25-04-00", "headcount": 1}).status_code
            == 403
        )
        listed = api("GET", "/training/demands", "other_employer").json()["items"]
        assert demand["id"] not in {d["id"] for d in listed}

    def test_patch_needs_if_match_and_keeps_the_rules(self, api, make):
        demand = make.demand()
        path = f"/training/demands/{demand['id']}"
        assert api("PATCH", path, "employer", {"headcount": 20}).status_code == 428
        assert api("PATCH", path, "employer", {"headcount": 20}, {"If-Match": f'"{demand["id"]}.9"'}).status_code == 412
        assert patch(api, path, "employer", {"headcount": 2}).status_code == 422  # below hire_commitment 5
        resp = patch(api, path, "employer", {"headcount": 20, "hire_commitment": 12})
        assert resp.status_code == 200 and resp.json()["hire_commitment"] == 12 and resp.json()["version"] == 2

    def test_a_retried_post_with_the_same_idempotency_key_creates_one_demand(self, api, db):
        before = _count(db, TrainingDemand)
        body, key = {"occupation_code": "6-25-04-00", "headcount": 3}, {"Idempotency-Key": "demand-retry-1"}
        first = api("POST", "/training/demands", "employer", body, key)
        again = api("POST", "/training/demands", "employer", body, key)
        assert first.status_code == again.status_code == 201
        assert again.json()["id"] == first.json()["id"] and again.headers["Idempotent-Replayed"] == "true"
        assert _count(db, TrainingDemand) == before + 1


class TestClasses:
    def test_a_school_opens_an_order_class_for_a_demand_written_with_chinese_labels(self, api, make):
        demand = make.demand()
        klass = make.klass(mode="订单班", status="招生中", demand_id=demand["id"])
        assert klass["mode"] == "order_class" and klass["mode_label"] == "订单班 / Order class (hire on completion)"
        assert klass["status"] == "enrolling" and klass["status_label"] == "招生中 / Enrolling"
        assert klass["taken"] == 0 and klass["school_org_id"]

    def test_bad_classes_are_422_and_write_nothing(self, api, make, db):
        before = _count(db, TrainingClass)
        cases = [
            ({"end_date": "2026-12-01"}, "end_date"),
            ({"capacity": 0}, "capacity"),
            ({"occupation_code": "9-99-99-99"}, "occupation_code"),
            ({"mode": "order_class"}, "demand_id"),
            ({"demand_id": 999_999}, "demand_id"),
            ({"county_code": "999999"}, "county_code"),
            ({"status": "running"}, "status"),
            ({"mode": "evening_school"}, "mode"),
        ]
        for overrides, field in cases:
            resp = api("POST", "/training/classes", "school", {**CLASS, **overrides})
            assert resp.status_code == 422, (overrides, resp.text)
            assert field in {d["field"] for d in resp.json()["detail"]}, (overrides, resp.json())
        assert _count(db, TrainingClass) == before

    def test_the_status_moves_forward_only(self, api, make):
        path = f"/training/classes/{make.klass(status='planned')['id']}"
        assert patch(api, path, "school", {"status": "running"}).status_code == 409  # planned cannot skip enrolling
        for status in ("enrolling", "running", "completed"):
            resp = patch(api, path, "school", {"status": status})
            assert resp.status_code == 200 and resp.json()["status"] == status, resp.text
        for status in ("cancelled", "enrolling"):
            resp = patch(api, path, "school", {"status": status})
            assert resp.status_code == 409 and resp.json()["error"] == "conflict", resp.text
        assert patch(api, path, "school", {"title": "改名"}).status_code == 409  # a completed class is a record
        cancelled = f"/training/classes/{make.klass()['id']}"
        assert patch(api, cancelled, "school", {"status": "已取消"}).json()["status"] == "cancelled"

    def test_end_before_start_on_patch_is_422(self, api, make):
        path = f"/training/classes/{make.klass()['id']}"
        resp = patch(api, path, "school", {"end_date": "2026-12-01"})
        assert resp.status_code == 422 and resp.json()["detail"][0]["field"] == "end_date"

    def test_who_reads_which_class(self, api, make):
        demand = make.demand()
        for_employer = make.klass(mode="order_class", demand_id=demand["id"])
        planned = make.klass(status="planned")
        path = f"/training/classes/{for_employer['id']}"
        expected = {
            "school": 200,
            "other_school": 404,
            "county": 200,
            "employer": 200,
            "other_employer": 404,
            "province": 200,
            "agency": 403,
        }
        assert {who: api("GET", path, who).status_code for who in expected} == expected
        # A county office reads the classes open for enrolment only; the employer none but its demands' classes.
        assert api("GET", f"/training/classes/{planned['id']}", "county").status_code == 404
        assert api("GET", f"/training/classes/{planned['id']}", "employer").status_code == 404
        assert api("PATCH", path, "other_school", {"title": "x"}, {"If-Match": "*"}).status_code == 404
        assert api("PATCH", path, "county", {"title": "x"}, {"If-Match": "*"}).status_code == 403
        county_list = {c["id"] for c in api("GET", "/training/classes", "county").json()["items"]}
        assert for_employer["id"] in county_list and planned["id"] not in county_list
        mine = {c["id"] for c in api("GET", "/training/classes?mode=订单班", "employer").json()["items"]}
        assert for_employer["id"] in mine and planned["id"] not in mine
        assert not api("GET", "/training/classes", "other_employer").json()["items"]
