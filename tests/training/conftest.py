"""Module-scoped fixtures for the training tests: one client, one set of tenants and a few workers per module.

The suite-wide per-test table wipe is replaced here by one wipe at the end of each module, so the tenants and
workers are made once; every test makes its own demands, classes and enrolments.
"""

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import delete

from app.orgs import service as orgs
from tests.conftest import MUTABLE_TABLES
from tests.factories import Tenant, vacancy_payload, worker_payload

CLASS = {
    "mode": "short_course",
    "occupation_code": "6-25-04-00",
    "title": "电子装配短训班",
    "county_code": "450225",
    "start_date": "2026-12-07",
    "end_date": "2026-12-25",
    "planned_hours": 120,
    "capacity": 3,
    "certificate_type": "职业技能等级证书",
    "status": "enrolling",
}


@pytest.fixture(scope="module", autouse=True)
def _clean_tables(db) -> Iterator[None]:  # type: ignore[no-untyped-def]
    """Overrides the suite's per-test wipe: this module's rows are removed once, when it ends."""
    yield
    with db.session() as session, session.begin():
        for table in MUTABLE_TABLES:
            session.execute(delete(table))


@pytest.fixture(scope="module")
def mclient(app) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture(scope="module")
def people(db) -> dict[str, Tenant]:  # type: ignore[no-untyped-def]
    """One tenant per role that training involves, plus a second of each to test the walls."""
    made = {}
    for name, kind, region in (
        ("county", "county_office", "450225"),
        ("other_county", "county_office", "451122"),
        ("employer", "employer", "441900"),
        ("other_employer", "employer", "440604"),
        ("school", "training_school", "450200"),
        ("other_school", "training_school", "450100"),
        ("province", "provincial_office", "450000"),
        ("agency", "agency", "450200"),
    ):
        with db.session() as session, session.begin():
            org, key = orgs.create_org(session, kind, region, f"{name} {region}", [])
            made[name] = Tenant(org.id, key, kind, region)
    return made


@pytest.fixture(scope="module")
def api(mclient, people) -> Callable[..., Any]:  # type: ignore[no-untyped-def]
    """`api(method, path, who, json=..., headers=...)` against /api/v1 with that tenant's key."""

    def call(method: str, path: str, who: str, json: Any = None, headers: dict[str, str] | None = None) -> Any:
        return mclient.request(method, "/api/v1" + path, json=json, headers={**people[who].headers, **(headers or {})})

    return call


@pytest.fixture(scope="module")
def make(api) -> Any:  # type: ignore[no-untyped-def]
    """Builders that go through the API and assert they succeeded; each returns the new row's JSON."""

    class Make:
        @staticmethod
        def worker(who: str = "county", **overrides: object) -> int:
            resp = api("POST", "/workers", who, worker_payload(**overrides))
            assert resp.status_code == 201, resp.text
            return int(resp.json()["id"])

        @staticmethod
        def vacancy(who: str = "employer", **overrides: object) -> int:
            resp = api("POST", "/vacancies", who, vacancy_payload(**overrides))
            assert resp.status_code == 201, resp.text
            return int(resp.json()["id"])

        @staticmethod
        def demand(who: str = "employer", **overrides: object) -> dict[str, Any]:
            body = {"occupation_code": "6-25-04-00", "headcount": 10, "hire_commitment": 5, "skills": ["焊接"]}
            resp = api("POST", "/training/demands", who, {**body, **overrides})
            assert resp.status_code == 201, resp.text
            return dict(resp.json())

        @staticmethod
        def klass(who: str = "school", **overrides: object) -> dict[str, Any]:
            resp = api("POST", "/training/classes", who, {**CLASS, **overrides})
            assert resp.status_code == 201, resp.text
            return dict(resp.json())

        @staticmethod
        def enrolment(class_id: int, worker_id: int, who: str = "county") -> dict[str, Any]:
            resp = api("POST", f"/training/classes/{class_id}/enrolments", who, {"worker_id": worker_id})
            assert resp.status_code == 201, resp.text
            return dict(resp.json())

    return Make


def patch(api, path: str, who: str, body: dict[str, Any]) -> Any:  # type: ignore[no-untyped-def]
    """PATCH as a careful client does: read the ETag as the same tenant, send it back as If-Match."""
    current = api("GET", path, who)
    assert current.status_code == 200, current.text
    return api("PATCH", path, who, body, {"If-Match": current.headers["ETag"]})
