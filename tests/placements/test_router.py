"""Placements: no overbooking (also under 50 concurrent requests), honest end dates, follow-ups."""

import asyncio
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import func, select, update

from app.clock import today
from app.db import utcnow
from app.placements.models import FollowUp, Placement
from tests.factories import patch_fresh, place, vacancy_payload, worker_payload


@pytest.fixture
def post_worker(client, tenants):
    def make(**overrides) -> int:
        resp = client.post("/api/v1/workers", json=worker_payload(**overrides), headers=tenants["county"].headers)
        assert resp.status_code == 201, resp.text
        return resp.json()["id"]

    return make


@pytest.fixture
def post_vacancy(client, tenants):
    def make(**overrides) -> int:
        resp = client.post("/api/v1/vacancies", json=vacancy_payload(**overrides), headers=tenants["employer"].headers)
        assert resp.status_code == 201, resp.text
        return resp.json()["id"]

    return make


def _placements(db) -> int:
    with db.session() as session:
        return session.scalar(select(func.count()).select_from(Placement))


class TestCreatePlacement:
    def test_closed_vacancy_is_409(self, client, tenants, post_worker, post_vacancy, db):
        resp = place(client, tenants["county"], post_worker(), post_vacancy(status="closed"))
        assert resp.status_code == 409 and resp.json()["error"] == "conflict"
        assert _placements(db) == 0

    def test_full_vacancy_is_409(self, client, tenants, post_worker, post_vacancy, db):
        vacancy = post_vacancy(headcount=2)
        assert [place(client, tenants["county"], post_worker(), vacancy).status_code for _ in range(3)] == [
            201,
            201,
            409,
        ]
        vac = client.get(f"/api/v1/vacancies/{vacancy}", headers=tenants["employer"].headers).json()
        assert vac["filled"] == 2
        assert _placements(db) == 2

    def test_a_departure_frees_the_place(self, client, tenants, post_worker, post_vacancy):
        vacancy = post_vacancy(headcount=1)
        first = place(client, tenants["county"], post_worker(), vacancy).json()["id"]
        assert place(client, tenants["county"], post_worker(), vacancy).status_code == 409
        patch_fresh(
            client,
            f"/api/v1/placements/{first}",
            json={"end_date": "2026-11-10", "end_reason": "quit_wage"},
            headers=tenants["employer"].headers,
        )
        assert place(client, tenants["county"], post_worker(), vacancy).status_code == 201

    def test_worker_already_placed_is_409(self, client, tenants, post_worker, post_vacancy):
        worker = post_worker()
        assert place(client, tenants["county"], worker, post_vacancy()).status_code == 201
        again = place(client, tenants["county"], worker, post_vacancy())
        assert again.status_code == 409 and "active placement" in again.json()["message"]

    def test_referred_by_must_be_an_agency(self, client, tenants, post_worker, post_vacancy):
        resp = place(client, tenants["county"], post_worker(), post_vacancy(), referred_by=tenants["employer"].org_id)
        assert resp.status_code == 422 and resp.json()["detail"][0]["field"] == "referred_by"
        ok = place(client, tenants["county"], post_worker(), post_vacancy(), referred_by=tenants["agency"].org_id)
        assert ok.status_code == 201 and ok.json()["referred_by"] == tenants["agency"].org_id

    def test_vacancy_age_limits_hold(self, client, tenants, post_worker, post_vacancy):
        resp = place(client, tenants["county"], post_worker(), post_vacancy(min_age=18, max_age=25))
        assert resp.status_code == 422 and resp.json()["detail"][0]["field"] == "worker_id"

    def test_unknown_fields_and_bad_dates_are_422(self, client, tenants, post_worker, post_vacancy):
        worker, vacancy = post_worker(), post_vacancy()
        resp = place(client, tenants["county"], worker, vacancy, end_date="2026-12-01")
        assert resp.status_code == 422 and resp.json()["detail"][0]["field"] == "end_date"
        resp = place(client, tenants["county"], worker, vacancy, start="2026-13-01")
        assert resp.status_code == 422 and resp.json()["detail"][0]["field"] == "start_date"


class TestEndPlacement:
    def test_end_before_start_is_422_and_nothing_changes(self, client, tenants, post_worker, post_vacancy):
        pid = place(client, tenants["county"], post_worker(), post_vacancy(), start="2026-10-01").json()["id"]
        resp = patch_fresh(
            client,
            f"/api/v1/placements/{pid}",
            json={"end_date": "2026-09-30", "end_reason": "quit_wage"},
            headers=tenants["county"].headers,
        )
        assert resp.status_code == 422 and resp.json()["detail"][0]["field"] == "end_date"
        got = client.get(f"/api/v1/placements/{pid}", headers=tenants["county"].headers).json()
        assert got["active"] is True and got["end_date"] is None

    def test_end_needs_a_known_reason(self, client, tenants, post_worker, post_vacancy):
        pid = place(client, tenants["county"], post_worker(), post_vacancy()).json()["id"]
        for body in ({"end_date": "2026-11-20"}, {"end_date": "2026-11-20", "end_reason": "bored"}):
            assert (
                patch_fresh(
                    client, f"/api/v1/placements/{pid}", json=body, headers=tenants["county"].headers
                ).status_code
                == 422
            )
        resp = patch_fresh(
            client,
            f"/api/v1/placements/{pid}",
            json={"end_date": "2026-11-20", "end_reason": "dispute"},
            headers=tenants["county"].headers,
        )
        assert resp.status_code == 200 and resp.json()["active"] is False

    def test_end_date_in_the_future_is_422_and_keeps_the_place_taken(self, client, tenants, post_worker, post_vacancy):
        vacancy = post_vacancy(headcount=1)
        pid = place(client, tenants["county"], post_worker(), vacancy).json()["id"]
        resp = patch_fresh(
            client,
            f"/api/v1/placements/{pid}",
            json={"end_date": "2099-01-01", "end_reason": "quit_wage"},
            headers=tenants["county"].headers,
        )
        assert resp.status_code == 422 and resp.json()["detail"][0]["field"] == "end_date"
        assert place(client, tenants["county"], post_worker(), vacancy).status_code == 409

    def test_a_placement_ends_once(self, client, tenants, post_worker, post_vacancy):
        pid = place(client, tenants["county"], post_worker(), post_vacancy()).json()["id"]
        body = {"end_date": "2026-11-10", "end_reason": "quit_wage"}
        assert (
            patch_fresh(client, f"/api/v1/placements/{pid}", json=body, headers=tenants["county"].headers).status_code
            == 200
        )
        again = patch_fresh(
            client,
            f"/api/v1/placements/{pid}",
            json=body | {"end_reason": "dispute"},
            headers=tenants["employer"].headers,
        )
        assert again.status_code == 409
        assert (
            client.get(f"/api/v1/placements/{pid}", headers=tenants["county"].headers).json()["end_reason"]
            == "quit_wage"
        )

    def test_list_filters_active(self, client, tenants, post_worker, post_vacancy):
        vacancy = post_vacancy()
        ended = place(client, tenants["county"], post_worker(), vacancy).json()["id"]
        running = place(client, tenants["county"], post_worker(), vacancy).json()["id"]
        patch_fresh(
            client,
            f"/api/v1/placements/{ended}",
            json={"end_date": "2026-11-05", "end_reason": "quit_family"},
            headers=tenants["county"].headers,
        )
        items = client.get("/api/v1/placements?active=true", headers=tenants["employer"].headers).json()["items"]
        assert [p["id"] for p in items] == [running]


class TestFollowUps:
    def test_recorded_and_listed(self, client, tenants, post_worker, post_vacancy):
        pid = place(client, tenants["county"], post_worker(), post_vacancy(), start="2026-10-01").json()["id"]
        body = {"date": "2026-10-08", "contact": "phone", "outcome": "concern", "notes": "工资比说好的低"}
        assert (
            client.post(
                f"/api/v1/placements/{pid}/follow-ups", json=body, headers=tenants["county"].headers
            ).status_code
            == 201
        )
        items = client.get(f"/api/v1/placements/{pid}/follow-ups", headers=tenants["province"].headers).json()["items"]
        assert [(f["outcome"], f["notes"]) for f in items] == [("concern", "工资比说好的低")]

    @pytest.mark.parametrize(("day", "outcome"), [("2026-09-30", "ok"), ("2099-01-01", "ok"), ("2026-10-08", "fine")])
    def test_bad_follow_up_is_422(self, client, tenants, post_worker, post_vacancy, day, outcome):
        pid = place(client, tenants["county"], post_worker(), post_vacancy(), start="2026-10-01").json()["id"]
        resp = client.post(
            f"/api/v1/placements/{pid}/follow-ups",
            json={"date": day, "contact": "visit", "outcome": outcome},
            headers=tenants["county"].headers,
        )
        assert resp.status_code == 422


def _post_all_at_once(base_url: str, headers: dict[str, str], bodies: list[dict]) -> list[int]:
    """Send every placement request at the same moment through a real server; the status codes."""

    async def fire() -> list[int]:
        async with httpx.AsyncClient(base_url=base_url, headers=headers, timeout=60) as http:
            responses = await asyncio.gather(*[http.post("/api/v1/placements", json=body) for body in bodies])
        return [r.status_code for r in responses]

    return asyncio.run(fire())


def test_fifty_concurrent_placements_on_headcount_five_create_exactly_five(
    live_server, client, tenants, post_worker, post_vacancy, db
):
    """Real concurrency: 50 requests for 50 different workers through uvicorn at once."""
    vacancy = post_vacancy(headcount=5)
    bodies = [{"worker_id": post_worker(), "vacancy_id": vacancy, "start_date": "2026-11-02"} for _ in range(50)]
    codes = _post_all_at_once(live_server, tenants["county"].headers, bodies)
    assert sorted(codes) == [201] * 5 + [409] * 45, codes
    with db.session() as session:
        active = session.scalar(select(func.count()).select_from(Placement).where(Placement.vacancy_id == vacancy))
    assert active == 5


def test_concurrent_placements_of_one_worker_create_one(live_server, tenants, post_worker, post_vacancy, db):
    worker = post_worker()
    bodies = [{"worker_id": worker, "vacancy_id": post_vacancy(), "start_date": "2026-11-02"} for _ in range(10)]
    codes = _post_all_at_once(live_server, tenants["county"].headers, bodies)
    assert sorted(codes) == [201] + [409] * 9, codes
    assert _placements(db) == 1


class TestStatus:
    def test_a_placement_starting_later_is_upcoming_and_holds_its_place(
        self, client, tenants, post_worker, post_vacancy
    ):
        vacancy, worker = post_vacancy(headcount=1), post_worker()
        later = str(today() + timedelta(days=10))
        resp = place(client, tenants["county"], worker, vacancy, start=later)
        assert resp.status_code == 201 and resp.json()["status"] == "upcoming" and resp.json()["active"] is True
        pid = resp.json()["id"]
        got = client.get(f"/api/v1/placements/{pid}", headers=tenants["employer"].headers).json()
        assert got["status"] == "upcoming"
        # It counts in the vacancy's filled places: a second hire into headcount 1 is refused.
        filled = client.get(f"/api/v1/vacancies/{vacancy}", headers=tenants["employer"].headers).json()["filled"]
        assert filled == 1
        assert place(client, tenants["county"], post_worker(), vacancy).status_code == 409
        # And the worker cannot be hired a second time elsewhere meanwhile.
        again = place(client, tenants["county"], worker, post_vacancy())
        assert again.status_code == 409 and "active placement" in again.json()["message"]

    def test_status_in_lists_and_the_status_filter(self, client, tenants, post_worker, post_vacancy):
        vacancy, county = post_vacancy(), tenants["county"]
        upcoming = place(client, county, post_worker(), vacancy, start=str(today() + timedelta(days=1))).json()["id"]
        active = place(client, county, post_worker(), vacancy, start=str(today())).json()["id"]
        ended = place(client, county, post_worker(), vacancy, start="2026-10-01").json()["id"]
        end = {"end_date": "2026-11-01", "end_reason": "quit_family"}
        assert patch_fresh(client, f"/api/v1/placements/{ended}", end, county.headers).json()["status"] == "ended"
        items = client.get("/api/v1/placements", headers=county.headers).json()["items"]
        assert {p["id"]: p["status"] for p in items} == {upcoming: "upcoming", active: "active", ended: "ended"}
        for status, expected in (("upcoming", [upcoming]), ("active", [active]), ("ended", [ended])):
            page = client.get(f"/api/v1/placements?status={status}", headers=county.headers).json()["items"]
            assert [p["id"] for p in page] == expected, status
        assert client.get("/api/v1/placements?status=running", headers=county.headers).status_code == 422


class TestEtagAndConflicts:
    def test_get_and_create_carry_the_etag_that_patch_needs(self, client, tenants, post_worker, post_vacancy):
        created = place(client, tenants["county"], post_worker(), post_vacancy())
        pid = created.json()["id"]
        assert created.headers["ETag"] == f'"{pid}.1"'
        got = client.get(f"/api/v1/placements/{pid}", headers=tenants["employer"].headers)
        assert got.headers["ETag"] == created.headers["ETag"]
        other = client.patch(
            f"/api/v1/placements/{pid}",
            json={"end_date": "2026-11-20", "end_reason": "quit_wage"},
            headers={**tenants["county"].headers, "If-Match": '"999.1"'},
        )
        assert other.status_code == 412

    def test_ending_an_ended_placement_is_the_documented_409(self, app, client, tenants, post_worker, post_vacancy):
        pid = place(client, tenants["county"], post_worker(), post_vacancy()).json()["id"]
        path, body = f"/api/v1/placements/{pid}", {"end_date": "2026-11-20", "end_reason": "quit_wage"}
        assert patch_fresh(client, path, body, tenants["county"].headers).status_code == 200
        again = patch_fresh(client, path, body, tenants["county"].headers)
        assert again.status_code == 409 and again.json()["error"] == "conflict"
        assert "409" in app.openapi()["paths"]["/api/v1/placements/{placement_id}"]["patch"]["responses"]

    def test_dates_are_iso_strings_not_unix_times(self, client, tenants, post_worker, post_vacancy):
        place(client, tenants["county"], post_worker(), post_vacancy(), start="2026-10-01")
        for query in ("started_to=0", "started_from=1700000000", "started_to=2026-1-1"):
            resp = client.get(f"/api/v1/placements?{query}", headers=tenants["county"].headers)
            assert resp.status_code == 422, (query, resp.text)
            assert resp.json()["detail"][0]["message_en"] == "must be a date written YYYY-MM-DD"
        resp = place(client, tenants["county"], post_worker(), post_vacancy(), start=0)
        assert resp.status_code == 422 and resp.json()["detail"][0]["field"] == "start_date"
        ok = client.get("/api/v1/placements?started_to=2026-10-01", headers=tenants["county"].headers)
        assert len(ok.json()["items"]) == 1


class TestFollowUpRetries:
    BODY = {"date": "2026-10-08", "contact": "phone", "outcome": "concern"}

    def _post(self, client, tenant, pid, body=None, key=None):
        headers = tenant.headers | ({"Idempotency-Key": key} if key else {})
        return client.post(f"/api/v1/placements/{pid}/follow-ups", json=body or self.BODY, headers=headers)

    def _placement(self, client, tenants, post_worker, post_vacancy) -> int:
        return place(client, tenants["county"], post_worker(), post_vacancy(), start="2026-10-01").json()["id"]

    def test_a_retry_without_a_key_is_409_with_the_saved_id(self, client, tenants, post_worker, post_vacancy):
        pid = self._placement(client, tenants, post_worker, post_vacancy)
        first = self._post(client, tenants["county"], pid)
        assert first.status_code == 201
        retry = self._post(client, tenants["county"], pid, self.BODY | {"notes": "again"})
        assert retry.status_code == 409, retry.text
        assert retry.json()["error"] == "duplicate" and retry.json()["existing_id"] == first.json()["id"]
        assert "Idempotency-Key" in retry.json()["message"]
        listed = client.get(f"/api/v1/placements/{pid}/follow-ups", headers=tenants["county"].headers).json()
        assert [f["id"] for f in listed["items"]] == [first.json()["id"]]

    def test_other_follow_ups_and_keyed_requests_are_not_duplicates(self, client, tenants, post_worker, post_vacancy):
        pid = self._placement(client, tenants, post_worker, post_vacancy)
        assert self._post(client, tenants["county"], pid).status_code == 201
        assert self._post(client, tenants["county"], pid, self.BODY | {"outcome": "ok"}).status_code == 201
        assert self._post(client, tenants["county"], pid, self.BODY | {"date": "2026-10-09"}).status_code == 201
        # A client that sends keys says which requests are new: a new key is a new follow-up, the same key a replay.
        keyed = self._post(client, tenants["county"], pid, key="visit-2")
        assert keyed.status_code == 201
        replay = self._post(client, tenants["county"], pid, key="visit-2")
        assert replay.status_code == 201 and replay.json()["id"] == keyed.json()["id"]

    def test_the_same_follow_up_a_minute_later_is_recorded(self, client, tenants, post_worker, post_vacancy, db):
        pid = self._placement(client, tenants, post_worker, post_vacancy)
        first = self._post(client, tenants["county"], pid).json()["id"]
        with db.session() as session, session.begin():
            session.execute(
                update(FollowUp).where(FollowUp.id == first).values(created_at=utcnow() - timedelta(seconds=61))
            )
        assert self._post(client, tenants["county"], pid).status_code == 201

    def test_the_route_documents_the_key_and_the_409(self, app):
        operation = app.openapi()["paths"]["/api/v1/placements/{placement_id}/follow-ups"]["post"]
        assert "must send an Idempotency-Key" in operation["description"]
        assert "409" in operation["responses"]
        key = next(p for p in operation["parameters"] if p["name"] == "Idempotency-Key")
        assert "required for clients that retry" in key["description"]


class TestChineseValues:
    def test_end_reason_contact_and_outcome_in_chinese(self, client, tenants, post_worker, post_vacancy):
        county = tenants["county"].headers
        pid = place(client, tenants["county"], post_worker(), post_vacancy(), start="2026-10-01").json()["id"]
        body = {"date": "2026-10-08", "contact": "电话", "outcome": "有顾虑"}
        resp = client.post(f"/api/v1/placements/{pid}/follow-ups", json=body, headers=county)
        assert resp.status_code == 201, resp.text
        got = resp.json()
        assert (got["contact"], got["outcome"]) == ("phone", "concern")
        assert (got["contact_label"], got["outcome_label"]) == ("电话 / Phone call", "有顾虑 / Concern raised")
        etag = client.get(f"/api/v1/placements/{pid}", headers=county).headers.get("ETag")
        ended = client.patch(
            f"/api/v1/placements/{pid}",
            json={"end_date": "2026-10-20", "end_reason": "被辞退"},
            headers=county | ({"If-Match": etag} if etag else {}),
        )
        assert ended.status_code == 200, ended.text
        assert ended.json()["end_reason"] == "dismissed"
        assert ended.json()["end_reason_label"] == "被辞退 / Dismissed by the employer"

    def test_a_flag_answer_reads_its_own_vocabulary(self):
        """`dismissed` ends a job (被辞退) and answers a flag (不予处理): each vocabulary has its own words."""
        from pydantic import ValidationError

        from app.departure.schemas import FlagReviewCreate
        from app.placements.schemas import PlacementUpdate

        assert FlagReviewCreate.model_validate({"decision": "不予处理"}).decision == "dismissed"
        assert PlacementUpdate.model_validate({"end_date": "2026-10-20", "end_reason": "被辞退"}).end_reason == (
            "dismissed"
        )
        with pytest.raises(ValidationError):
            FlagReviewCreate.model_validate({"decision": "被辞退"})
