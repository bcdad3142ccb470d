"""A small world for incentives: a Guangxi county's workers placed in a Dongguan employer, some via an agency."""

from dataclasses import dataclass, field
from typing import Any

import pytest

from tests.factories import new_vacancy, new_worker


@dataclass
class Placed:
    ids: dict[str, int] = field(default_factory=dict)


def worker_rule(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": "赴粤务工交通补助",
        "province_code": "450000",
        "beneficiary": "worker",
        "trigger": "continuous_days",
        "days": 90,
        "amount_mode": "fixed",
        "amount_fen": 40_000,
        "conditions": {"households": ["registered_low_income", "monitored"], "cross_province_only": True},
        "exclusions": ["free_transport"],
        "limits": {"once_per_worker_per_year": True},
        "valid_from": "2025-01-01",
        "publicity_days": 0,
    }
    body.update(overrides)
    return body


@pytest.fixture
def placed(client, tenants) -> Placed:
    """stays (90+ days, via the agency), left_early (ended on day 27), free_ride (free transport), not_poor."""
    county, employer = tenants["county"], tenants["employer"]
    vacancy = new_vacancy(client, employer, headcount=20)
    w = Placed()
    specs = {
        "stays": ({}, {"referred_by": tenants["agency"].org_id}),
        "left_early": ({}, {"referred_by": tenants["agency"].org_id}),
        "free_ride": ({}, {"free_transport": True}),
        "not_poor": ({"registered_low_income": False}, {}),
    }
    for name, (worker_overrides, placement_overrides) in specs.items():
        worker = new_worker(client, county, **worker_overrides)
        body = {"worker_id": worker, "vacancy_id": vacancy, "start_date": "2026-03-02", **placement_overrides}
        resp = client.post("/api/v1/placements", json=body, headers=county.headers)
        assert resp.status_code == 201, resp.text
        w.ids[name], w.ids[f"{name}_worker"] = resp.json()["id"], worker
    end = client.get(f"/api/v1/placements/{w.ids['left_early']}", headers=county.headers)
    resp = client.patch(
        f"/api/v1/placements/{w.ids['left_early']}",
        json={"end_date": "2026-03-29", "end_reason": "quit_homesick"},
        headers={**county.headers, "If-Match": end.headers["ETag"]},
    )
    assert resp.status_code == 200, resp.text
    return w


def post_rule(client, tenant, **overrides: Any) -> dict[str, Any]:
    resp = client.post("/api/v1/incentives/rules", json=worker_rule(**overrides), headers=tenant.headers)
    assert resp.status_code == 201, resp.text
    return resp.json()


def accrue(db, as_of: str = "2026-12-01") -> dict[str, Any]:
    from datetime import date

    from app.incentives import service
    from app.pii import vault_for
    from tests.conftest import TEST_PII_KEY

    with db.session() as session, session.begin():
        return service.accrue(session, date.fromisoformat(as_of), vault_for(TEST_PII_KEY)).model_dump()
