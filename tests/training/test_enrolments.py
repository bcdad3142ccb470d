"""Enrolments: who may enrol whom, capacity (also under 50 concurrent requests), completion rules, and what a
completed enrolment is good for (a worker's trainings, a placement that names it)."""

import asyncio

import httpx
from sqlalchemy import func, select

from app.training.models import Enrolment
from tests.training.conftest import patch


def _enrolments(db, class_id: int) -> int:
    with db.session() as session:
        return int(session.scalar(select(func.count()).where(Enrolment.class_id == class_id)))


def _running_class_with(api, make, workers: int = 1, **overrides):
    """A class with `workers` of the county's workers enrolled, then running; (class, [enrolment ids])."""
    klass = make.klass(**overrides)
    ids = [make.enrolment(klass["id"], make.worker())["id"] for _ in range(workers)]
    assert patch(api, f"/training/classes/{klass['id']}", "school", {"status": "running"}).status_code == 200
    return klass, ids


class TestEnrol:
    def test_a_county_enrols_its_worker_and_the_place_is_taken(self, api, make):
        klass = make.klass()
        enrolment = make.enrolment(klass["id"], make.worker())
        assert enrolment["status"] == "enrolled" and enrolment["status_label"] == "在训 / Enrolled"
        assert api("GET", f"/training/classes/{klass['id']}", "school").json()["taken"] == 1

    def test_another_countys_worker_is_404_and_nothing_is_written(self, api, make, db):
        klass = make.klass()
        resp = api("POST", f"/training/classes/{klass['id']}/enrolments", "other_county", {"worker_id": make.worker()})
        assert resp.status_code == 404 and resp.json()["error"] == "not_found"
        assert _enrolments(db, klass["id"]) == 0

    def test_a_school_enrols_only_consenting_workers_into_its_own_classes(self, api, make):
        klass = make.klass()
        path = f"/training/classes/{klass['id']}/enrolments"
        assert api("POST", path, "school", {"worker_id": make.worker()}).status_code == 404
        assert api("POST", path, "school", {"worker_id": make.worker(consent_to_share=True)}).status_code == 201
        assert api("POST", path, "other_school", {"worker_id": make.worker(consent_to_share=True)}).status_code == 404
        assert api("POST", path, "employer", {"worker_id": make.worker(consent_to_share=True)}).status_code == 403

    def test_a_class_not_enrolling_a_full_class_and_a_second_enrolment_are_409(self, api, make, db):
        planned = make.klass(status="planned")
        # A county office does not see a planned class at all; its school hears why it cannot enrol.
        assert (
            api(
                "POST", f"/training/classes/{planned['id']}/enrolments", "county", {"worker_id": make.worker()}
            ).status_code
            == 404
        )
        resp = api(
            "POST",
            f"/training/classes/{planned['id']}/enrolments",
            "school",
            {"worker_id": make.worker(consent_to_share=True)},
        )
        assert resp.status_code == 409 and "not enrolling" in resp.json()["message"]
        full = make.klass(capacity=1)
        worker = make.worker()
        make.enrolment(full["id"], worker)
        again = api("POST", f"/training/classes/{full['id']}/enrolments", "county", {"worker_id": worker})
        assert again.status_code == 409 and "already enrolled" in again.json()["message"]
        over = api("POST", f"/training/classes/{full['id']}/enrolments", "county", {"worker_id": make.worker()})
        assert over.status_code == 409 and over.json()["message"] == "该培训班名额已满 / this class is full"
        assert _enrolments(db, full["id"]) == 1 and _enrolments(db, planned["id"]) == 0

    def test_a_dropped_enrolment_frees_its_place(self, api, make):
        full = make.klass(capacity=1)
        first = make.enrolment(full["id"], make.worker())
        path = f"/training/enrolments/{first['id']}"
        assert patch(api, path, "school", {"status": "dropped"}).status_code == 422  # a reason is needed
        resp = patch(api, path, "school", {"status": "退训", "drop_reason": "家中有事"})
        assert resp.status_code == 200 and resp.json()["status"] == "dropped"
        assert api("GET", f"/training/classes/{full['id']}", "school").json()["taken"] == 0
        make.enrolment(full["id"], make.worker())

    def test_a_worker_in_an_active_placement_may_enrol(self, api, make):
        worker = make.worker()
        body = {"worker_id": worker, "vacancy_id": make.vacancy(), "start_date": "2026-11-02"}
        assert api("POST", "/placements", "county", body).status_code == 201
        make.enrolment(make.klass(mode="on_the_job")["id"], worker)

    def test_a_retried_enrolment_with_the_same_key_is_one_enrolment(self, api, make, db):
        klass, worker, key = make.klass(), make.worker(), {"Idempotency-Key": "enrol-retry-1"}
        path = f"/training/classes/{klass['id']}/enrolments"
        first = api("POST", path, "county", {"worker_id": worker}, key)
        again = api("POST", path, "county", {"worker_id": worker}, key)
        assert first.status_code == again.status_code == 201 and again.json()["id"] == first.json()["id"]
        assert _enrolments(db, klass["id"]) == 1


def test_fifty_concurrent_enrolments_into_five_places_make_exactly_five(live_server, people, make, db):
    """Real concurrency: 50 requests for 50 different workers through uvicorn at once."""
    klass = make.klass(capacity=5)
    workers = [make.worker() for _ in range(50)]

    async def fire() -> list[int]:
        async with httpx.AsyncClient(base_url=live_server, headers=people["county"].headers, timeout=60) as http:
            path = f"/api/v1/training/classes/{klass['id']}/enrolments"
            responses = await asyncio.gather(*[http.post(path, json={"worker_id": w}) for w in workers])
        return [r.status_code for r in responses]

    codes = asyncio.run(fire())
    assert sorted(codes) == [201] * 5 + [409] * 45, codes
    assert _enrolments(db, klass["id"]) == 5


class TestResults:
    def test_completion_needs_enough_hours_and_a_pass(self, api, make, db):
        _, (enrolment,) = _running_class_with(api, make)
        path = f"/training/enrolments/{enrolment}"
        short = patch(api, path, "school", {"attended_hours": 95, "result": "pass"})  # 80 % of 120 is 96
        assert short.status_code == 422 and short.json()["detail"][0]["field"] == "attended_hours"
        assert "96" in short.json()["detail"][0]["message_zh"]
        no_pass = patch(api, path, "school", {"attended_hours": 100, "status": "completed"})
        assert no_pass.status_code == 422 and no_pass.json()["detail"][0]["field"] == "result"
        got = api("GET", path, "school").json()
        assert (got["status"], got["attended_hours"], got["version"]) == ("enrolled", 0, 1)  # nothing written
        done = patch(api, path, "school", {"attended_hours": 96, "result": "合格", "certificate_no": "GX-2026-001"})
        assert done.status_code == 200, done.text
        assert (done.json()["status"], done.json()["result_label"]) == ("completed", "合格 / Pass")
        assert patch(api, path, "school", {"attended_hours": 10}).status_code == 409  # a finished record stays

    def test_a_fail_makes_the_enrolment_failed_and_it_keeps_its_place(self, api, make):
        klass, (enrolment,) = _running_class_with(api, make)
        path = f"/training/enrolments/{enrolment}"
        assert patch(api, path, "school", {"result": "fail", "status": "completed"}).status_code == 422
        resp = patch(api, path, "school", {"attended_hours": 120, "result": "不合格"})
        assert resp.status_code == 200 and resp.json()["status"] == "failed"
        assert api("GET", f"/training/classes/{klass['id']}", "school").json()["taken"] == 1

    def test_no_result_before_the_class_runs(self, api, make):
        enrolment = make.enrolment(make.klass()["id"], make.worker())
        resp = patch(
            api, f"/training/enrolments/{enrolment['id']}", "school", {"attended_hours": 120, "result": "pass"}
        )
        assert resp.status_code == 409 and "no results yet" in resp.json()["message"]

    def test_the_completion_share_is_a_setting(self, app, api, make):
        _, (enrolment,) = _running_class_with(api, make)
        settings = app.state.settings
        app.state.settings = settings.model_copy(update={"training_completion_share": 0.5})
        try:
            resp = patch(api, f"/training/enrolments/{enrolment}", "school", {"attended_hours": 60, "result": "pass"})
        finally:
            app.state.settings = settings
        assert resp.status_code == 200 and resp.json()["status"] == "completed"

    def test_if_match_is_required_and_a_stale_tag_is_412(self, api, make):
        _, (enrolment,) = _running_class_with(api, make)
        path = f"/training/enrolments/{enrolment}"
        assert api("PATCH", path, "school", {"attended_hours": 10}).status_code == 428
        tag = api("GET", path, "school").headers["ETag"]
        assert api("PATCH", path, "school", {"attended_hours": 10}, {"If-Match": tag}).status_code == 200
        assert api("PATCH", path, "school", {"attended_hours": 20}, {"If-Match": tag}).status_code == 412

    def test_who_reads_and_writes_an_enrolment(self, api, make):
        klass, (enrolment,) = _running_class_with(api, make)
        path = f"/training/enrolments/{enrolment}"
        reads = {
            "school": 200,
            "county": 200,
            "other_school": 404,
            "other_county": 404,
            "employer": 403,
            "province": 403,
        }
        assert {who: api("GET", path, who).status_code for who in reads} == reads
        assert api("PATCH", path, "county", {"attended_hours": 1}, {"If-Match": "*"}).status_code == 403
        listed = api("GET", f"/training/classes/{klass['id']}/enrolments", "other_county")
        assert listed.status_code == 200 and listed.json()["items"] == []
        assert [
            e["id"] for e in api("GET", f"/training/classes/{klass['id']}/enrolments", "county").json()["items"]
        ] == [enrolment]


class TestWhatCompletionGives:
    def _graduate(self, api, make, **worker):
        """A worker who completed an order class for the employer's demand; (worker id, enrolment id)."""
        demand = make.demand()
        klass = make.klass(mode="order_class", demand_id=demand["id"])
        worker_id = make.worker(**worker)
        enrolment = make.enrolment(klass["id"], worker_id)["id"]
        assert patch(api, f"/training/classes/{klass['id']}", "school", {"status": "running"}).status_code == 200
        done = patch(api, f"/training/enrolments/{enrolment}", "school", {"attended_hours": 120, "result": "pass"})
        assert done.status_code == 200, done.text
        return worker_id, enrolment

    def test_a_workers_trainings_show_the_class_and_the_employer(self, api, make, people):
        worker, enrolment = self._graduate(api, make, consent_to_share=True)
        items = api("GET", f"/workers/{worker}/trainings", "county").json()["items"]
        assert [(i["id"], i["status"], i["mode"], i["planned_hours"]) for i in items] == [
            (enrolment, "completed", "order_class", 120)
        ]
        assert items[0]["employer_org_id"] == people["employer"].org_id
        assert api("GET", f"/workers/{worker}/trainings", "employer").status_code == 200  # consented
        assert api("GET", f"/workers/{worker}/trainings", "province").status_code == 200
        assert api("GET", f"/workers/{worker}/trainings", "other_county").status_code == 404
        assert api("GET", f"/workers/{worker}/trainings", "school").status_code == 403
        private, _ = self._graduate(api, make)
        assert api("GET", f"/workers/{private}/trainings", "employer").status_code == 404

    def test_a_placement_names_only_the_workers_own_completed_enrolment(self, api, make):
        worker, enrolment = self._graduate(api, make)
        other_worker, other_enrolment = self._graduate(api, make)
        unfinished = make.enrolment(make.klass()["id"], worker)["id"]
        vacancy = make.vacancy()
        for wrong in (other_enrolment, unfinished, 999_999):
            body = {
                "worker_id": worker,
                "vacancy_id": vacancy,
                "start_date": "2026-11-02",
                "training_enrolment_id": wrong,
            }
            resp = api("POST", "/placements", "county", body)
            assert resp.status_code == 422 and resp.json()["detail"][0]["field"] == "training_enrolment_id", wrong
        body = {
            "worker_id": worker,
            "vacancy_id": vacancy,
            "start_date": "2026-11-02",
            "training_enrolment_id": enrolment,
        }
        resp = api("POST", "/placements", "county", body)
        assert resp.status_code == 201 and resp.json()["training_enrolment_id"] == enrolment
        assert other_worker != worker


def test_a_graduates_matches_say_what_the_training_has_to_do_with_the_job(app, api, make):
    """The order class's employer gets the plainest reason; another job in the occupation the occupation's."""
    app.state.matcher.forget()
    demand = make.demand()
    klass = make.klass(mode="order_class", demand_id=demand["id"])
    worker = make.worker(desired_occupations=["6-25-04-00"])
    enrolment = make.enrolment(klass["id"], worker)["id"]
    assert patch(api, f"/training/classes/{klass['id']}", "school", {"status": "running"}).status_code == 200
    own = make.vacancy(occupation_code="6-25-04-00")
    other = make.vacancy("other_employer", occupation_code="6-25-04-00")
    before = api("GET", f"/workers/{worker}/matches?limit=50", "county").json()["items"]
    assert not any(r["factor"].startswith("training_") for m in before for r in m["reasons"])  # not completed yet
    done = patch(api, f"/training/enrolments/{enrolment}", "school", {"attended_hours": 120, "result": "pass"})
    assert done.status_code == 200
    items = api("GET", f"/workers/{worker}/matches?limit=50", "county").json()["items"]
    first = {m["vacancy"]["id"]: m["reasons"][0] for m in items if m["reasons"]}
    assert first[own]["text"] == "+ 完成该企业订单班 120 学时 / finished this employer's 120-hour order class"
    assert first[other]["factor"] == "training_occupation" and "120" in first[other]["en"]
