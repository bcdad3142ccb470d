"""Builders every test uses: request bodies that pass validation, and rows made through the API as a client would.

One module, so a new required field is added in one place; fixtures (databases, apps, keys) stay in conftest.
"""

from dataclasses import dataclass
from datetime import date

import httpx
from fastapi.testclient import TestClient

from app.workers.idnumber import make_id_number


@dataclass(frozen=True)
class Tenant:
    org_id: int
    key: str
    kind: str
    region: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.key}"}


_serial = iter(range(1, 10**6))


def id_number(county: str = "450225", birth: date = date(1995, 3, 14)) -> str:
    return make_id_number(county, birth, next(_serial))


def worker_payload(**overrides: object) -> dict[str, object]:
    body: dict[str, object] = {
        "external_id": f"RS-{next(_serial)}",
        "id_number": id_number(),
        "name": "韦小红",
        "phone": "13812340000",
        "hukou_county": "450225",
        "education": "junior_secondary",
        "skills": ["6-05-01-01"],
        "past_jobs": ["电子厂普工"],
        "desired_occupations": ["6-25-04-00"],
        "channel_preference": "cross_region",
        "expected_wage": 4500,
        "registered_low_income": True,
        "monitored_household": False,
        "dependants": 1,
        "consent_to_share": False,
    }
    body.update(overrides)
    return body


def vacancy_payload(**overrides: object) -> dict[str, object]:
    body: dict[str, object] = {
        "external_id": f"V-{next(_serial)}",
        "title": "电子厂普工（包吃住）",
        "occupation_code": "6-25-04-00",
        "county_code": "441900",
        "headcount": 5,
        "wage_min": 4200,
        "wage_max": 6000,
        "housing": True,
        "meals": True,
        "shift": "two_shift",
        "contract_months": 12,
        "min_age": 18,
        "max_age": 45,
        "education_min": "primary",
        "start_date": "2026-12-01",
        "status": "open",
    }
    body.update(overrides)
    return body


def patch_fresh(
    client: TestClient,
    path: str,
    json: dict[str, object],
    headers: dict[str, str],
    read_with: dict[str, str] | None = None,
) -> httpx.Response:
    """PATCH as a careful client does: read the ETag, send it as If-Match (`read_with`: a key that may read)."""
    read = client.get(path, headers=read_with or headers)
    assert read.status_code == 200, read.text
    return client.patch(path, json=json, headers={**headers, "If-Match": read.headers["ETag"]})


def new_worker(client: TestClient, county: Tenant, **overrides: object) -> int:
    """A worker created through the API by a county office; its id."""
    resp = client.post("/api/v1/workers", json=worker_payload(**overrides), headers=county.headers)
    assert resp.status_code == 201, resp.text
    return int(resp.json()["id"])


def new_vacancy(client: TestClient, employer: Tenant, **overrides: object) -> int:
    """A vacancy created through the API by an employer; its id."""
    resp = client.post("/api/v1/vacancies", json=vacancy_payload(**overrides), headers=employer.headers)
    assert resp.status_code == 201, resp.text
    return int(resp.json()["id"])


def place(
    client: TestClient, tenant: Tenant, worker: int, vacancy: int, start: str = "2026-11-02", **extra: object
) -> httpx.Response:
    """POST a placement of the worker into the vacancy as `tenant`; the response, for the test to check."""
    body = {"worker_id": worker, "vacancy_id": vacancy, "start_date": start, **extra}
    return client.post("/api/v1/placements", json=body, headers=tenant.headers)
