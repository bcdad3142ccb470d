"""Module-scoped fixtures for the rights-case tests: one client, one set of tenants, one placed worker per module.

The suite-wide per-test table wipe is replaced by one wipe when each module ends, so the world is built once;
every test opens its own cases on it.
"""

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import delete

from app.orgs import service as orgs
from tests.conftest import MUTABLE_TABLES
from tests.factories import Tenant, vacancy_payload, worker_payload


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
    """The roles a case involves; the workplace (441900) lies in Guangdong, whose office takes escalations."""
    made = {}
    for name, kind, region in (
        ("county", "county_office", "450225"),
        ("other_county", "county_office", "451122"),
        ("employer", "employer", "441900"),
        ("agency", "agency", "450200"),
        ("province", "provincial_office", "450000"),
        ("guangdong", "provincial_office", "440000"),
        ("station", "station", "441900"),
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
def placed(api, people) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """A worker of the county placed at the employer's Dongguan vacancy through the agency."""
    worker = worker_payload(name="韦小红", phone="13812345678")
    resp = api("POST", "/workers", "county", worker)
    assert resp.status_code == 201, resp.text
    worker_id = resp.json()["id"]
    resp = api("POST", "/vacancies", "employer", vacancy_payload(headcount=10))
    assert resp.status_code == 201, resp.text
    body = {
        "worker_id": worker_id,
        "vacancy_id": resp.json()["id"],
        "start_date": "2026-09-01",
        "referred_by": people["agency"].org_id,
    }
    resp = api("POST", "/placements", "county", body)
    assert resp.status_code == 201, resp.text
    return {"worker": worker, "worker_id": worker_id, "placement_id": resp.json()["id"]}
