"""Idempotency-Key: a retry returns the first answer and creates nothing; a different body is 422."""

import asyncio

import httpx
import pytest
from sqlalchemy import func, select

from app.models import FollowUp, Placement, Vacancy, Worker
from tests.factories import vacancy_payload, worker_payload


def _count(db, model) -> int:
    with db.session() as session:
        return session.scalar(select(func.count()).select_from(model))


def test_retried_worker_post_returns_the_first_response(client, tenants, db):
    headers = {**tenants["county"].headers, "Idempotency-Key": "k-1"}
    body = worker_payload()
    first = client.post("/api/v1/workers", json=body, headers=headers)
    retry = client.post("/api/v1/workers", json=body, headers=headers)
    assert first.status_code == retry.status_code == 201
    assert retry.json() == first.json()
    assert retry.headers["ETag"] == first.headers["ETag"] and retry.headers["Idempotent-Replayed"] == "true"
    assert _count(db, Worker) == 1


def test_same_key_different_body_is_422(client, tenants, db):
    headers = {**tenants["county"].headers, "Idempotency-Key": "k-2"}
    assert client.post("/api/v1/workers", json=worker_payload(), headers=headers).status_code == 201
    resp = client.post("/api/v1/workers", json=worker_payload(), headers=headers)
    assert resp.status_code == 422 and resp.json()["detail"][0]["field"] == "Idempotency-Key"
    assert _count(db, Worker) == 1


def test_keys_belong_to_one_organisation(client, tenants, db):
    a = client.post(
        "/api/v1/workers", json=worker_payload(), headers={**tenants["county"].headers, "Idempotency-Key": "shared"}
    )
    b = client.post(
        "/api/v1/workers",
        json=worker_payload(hukou_county="451122"),
        headers={**tenants["other_county"].headers, "Idempotency-Key": "shared"},
    )
    assert a.status_code == b.status_code == 201 and a.json()["id"] != b.json()["id"]


def test_a_failed_request_is_not_remembered(client, tenants, db):
    headers = {**tenants["county"].headers, "Idempotency-Key": "k-3"}
    bad = worker_payload(hukou_county="440103")
    assert client.post("/api/v1/workers", json=bad, headers=headers).status_code == 422
    good = worker_payload()
    assert client.post("/api/v1/workers", json=good, headers=headers).status_code == 201


@pytest.mark.parametrize("kind", ["vacancy", "placement", "follow_up"])
def test_every_post_is_idempotent(client, tenants, db, kind):
    county, employer = tenants["county"], tenants["employer"]
    vacancy = client.post("/api/v1/vacancies", json=vacancy_payload(), headers=employer.headers).json()["id"]
    worker = client.post("/api/v1/workers", json=worker_payload(), headers=county.headers).json()["id"]
    if kind == "vacancy":
        path, body, tenant, model = "/api/v1/vacancies", vacancy_payload(), employer, Vacancy
    elif kind == "placement":
        path, tenant, model = "/api/v1/placements", county, Placement
        body = {"worker_id": worker, "vacancy_id": vacancy, "start_date": "2026-11-02"}
    else:
        pid = client.post(
            "/api/v1/placements",
            json={"worker_id": worker, "vacancy_id": vacancy, "start_date": "2026-11-02"},
            headers=county.headers,
        ).json()["id"]
        path, tenant, model = f"/api/v1/placements/{pid}/follow-ups", county, FollowUp
        body = {"date": "2026-11-09", "contact": "phone", "outcome": "ok"}
    before = _count(db, model)
    headers = {**tenant.headers, "Idempotency-Key": f"retry-{kind}"}
    responses = [client.post(path, json=body, headers=headers) for _ in range(3)]
    assert {r.status_code for r in responses} == {201}
    assert len({r.text for r in responses}) == 1
    assert _count(db, model) == before + 1


def test_concurrent_retries_create_one_worker(live_server, tenants, db):
    body = worker_payload()

    async def fire() -> list[httpx.Response]:
        headers = {**tenants["county"].headers, "Idempotency-Key": "burst"}
        async with httpx.AsyncClient(base_url=live_server, headers=headers, timeout=60) as http:
            return await asyncio.gather(*[http.post("/api/v1/workers", json=body) for _ in range(10)])

    responses = asyncio.run(fire())
    assert {r.status_code for r in responses} <= {201, 409}
    created = [r for r in responses if r.status_code == 201]
    assert created and len({r.json()["id"] for r in created}) == 1
    assert _count(db, Worker) == 1
