"""A quarter of placements made through the API, evaluated: the fixture the API and page tests share."""

from datetime import date

import pytest

from tests.factories import id_number, new_vacancy, new_worker

QUARTER = "2026-Q3"


def _pairing(client, province, west: str, target: int) -> int:
    body = {"east_code": "441900", "west_code": west, "level": "prefecture", "annual_target": target,
            "effective_from": "2025-01-01"}  # fmt: skip
    resp = client.post("/api/v1/pairings", json=body, headers=province.headers)
    assert resp.status_code == 201, resp.text
    return resp.json()["id"]


def _hire(client, county, vacancy: int, start: str, **worker) -> None:
    worker_id = new_worker(client, county, **worker)
    body = {"worker_id": worker_id, "vacancy_id": vacancy, "start_date": start}
    resp = client.post("/api/v1/placements", json=body, headers=county.headers)
    assert resp.status_code == 201, resp.text


@pytest.fixture
def quarter(client, tenants):
    """Dongguan pairings with Liuzhou and Hezhou, a target of 40 a year each: Rongshui (Liuzhou) placed 8 in Q2 and
    3 in Q3, Zhongshan (Hezhou) 2 and 2."""
    province = tenants["province"]
    ids = {"rongshui": _pairing(client, province, "450200", 40), "zhongshan": _pairing(client, province, "451100", 40)}
    vacancy = new_vacancy(client, tenants["employer"], headcount=50)
    for county, hukou, q2, q3 in (("county", "450225", 8, 3), ("other_county", "451122", 2, 2)):
        for i in range(q2 + q3):
            start = date(2026, 4, 1 + i) if i < q2 else date(2026, 7, 1 + i)
            _hire(client, tenants[county], vacancy, start.isoformat(), hukou_county=hukou,
                  id_number=id_number(hukou), registered_low_income=i % 2 == 0)  # fmt: skip
    resp = client.post("/api/v1/evaluations/quarterly", json={"quarter": QUARTER}, headers=province.headers)
    assert resp.status_code == 201, resp.text
    by_pairing = {e["pairing_id"]: e for e in resp.json()["evaluations"]}
    return {name: by_pairing[pid] for name, pid in ids.items()}
