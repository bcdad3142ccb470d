"""Module-scoped fixtures for the one-stop service tests: one client and one set of tenants per module.

The suite-wide per-test table wipe is replaced by one wipe when each module ends, so the world is built once.
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
    """A Guangxi county, the Dongguan employer and station, both provinces' offices, and outsiders."""
    made = {}
    for name, kind, region in (
        ("county", "county_office", "450225"),
        ("other_county", "county_office", "451122"),
        ("employer", "employer", "441900"),
        ("other_employer", "employer", "440604"),
        ("station", "station", "441900"),
        ("other_station", "station", "440604"),
        ("province", "provincial_office", "450000"),
        ("guangdong", "provincial_office", "440000"),
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
def place(api) -> Callable[..., int]:  # type: ignore[no-untyped-def]
    """`place(start_date, county_code=...)`: a new worker of the county placed at a new vacancy; the placement id."""

    def make(start_date: str, county_code: str = "441900") -> int:
        worker = api("POST", "/workers", "county", worker_payload())
        assert worker.status_code == 201, worker.text
        vacancy = api("POST", "/vacancies", "employer", vacancy_payload(county_code=county_code))
        assert vacancy.status_code == 201, vacancy.text
        body = {"worker_id": worker.json()["id"], "vacancy_id": vacancy.json()["id"], "start_date": start_date}
        resp = api("POST", "/placements", "county", body)
        assert resp.status_code == 201, resp.text
        return int(resp.json()["id"])

    return make
