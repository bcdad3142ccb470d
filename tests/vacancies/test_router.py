"""Vacancies: validation, ETags, headcount against placed workers."""

import pytest
from sqlalchemy import func, select

from app.vacancies.models import Vacancy
from tests.factories import patch_fresh, vacancy_payload, worker_payload


def _post(client, tenant, **overrides):
    return client.post("/api/v1/vacancies", json=vacancy_payload(**overrides), headers=tenant.headers)


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"wage_min": 7000, "wage_max": 5000}, "wage_min"),
        ({"headcount": -3}, "headcount"),
        ({"headcount": 0}, "headcount"),
        ({"county_code": "999999"}, "county_code"),
        ({"occupation_code": "9-99-99-99"}, "occupation_code"),
        ({"min_age": 15}, "min_age"),
        ({"min_age": 40, "max_age": 30}, "max_age"),
        ({"shift": "night"}, "shift"),
        ({"employer_org_id": 1}, "employer_org_id"),
        ({"filled": 3}, "filled"),
    ],
)
def test_bad_vacancy_is_422_and_nothing_written(client, tenants, db, overrides, field):
    resp = _post(client, tenants["employer"], **overrides)
    assert resp.status_code == 422, resp.text
    assert field in {i["field"] for i in resp.json()["detail"]}
    with db.session() as session:
        assert session.scalar(select(func.count()).select_from(Vacancy)) == 0


def test_workshop_in_guangxi_and_factory_in_dongguan_are_both_places_of_work(client, tenants):
    assert _post(client, tenants["employer"], county_code="441900").status_code == 201  # Dongguan: no counties
    assert _post(client, tenants["employer"], county_code="450225").status_code == 201


def test_occupation_code_is_optional(client, tenants):
    resp = _post(client, tenants["employer"], occupation_code=None, title="百胜餐饮（广东）招聘店员/营业员")
    assert resp.status_code == 201 and resp.json()["occupation_code"] is None


def test_stale_if_match_is_412(client, tenants):
    created = _post(client, tenants["employer"])
    vid, etag = created.json()["id"], created.headers["ETag"]
    headers = tenants["employer"].headers
    ok = client.patch(f"/api/v1/vacancies/{vid}", json={"wage_max": 6800}, headers={**headers, "If-Match": etag})
    assert ok.status_code == 200 and ok.headers["ETag"] != etag
    stale = client.patch(f"/api/v1/vacancies/{vid}", json={"wage_max": 9000}, headers={**headers, "If-Match": etag})
    assert stale.status_code == 412
    assert client.get(f"/api/v1/vacancies/{vid}", headers=headers).json()["wage_max"] == 6800
    wrong_object = client.patch(
        f"/api/v1/vacancies/{vid}", json={"wage_max": 9000}, headers={**headers, "If-Match": '"999.1"'}
    )
    assert wrong_object.status_code == 412


def test_patch_checks_the_merged_record(client, tenants):
    vid = _post(client, tenants["employer"], wage_min=4000, wage_max=5000).json()["id"]
    resp = patch_fresh(client, f"/api/v1/vacancies/{vid}", json={"wage_min": 5500}, headers=tenants["employer"].headers)
    assert resp.status_code == 422 and resp.json()["detail"][0]["field"] == "wage_min"


def test_headcount_cannot_drop_below_placed_workers(client, tenants):
    vid = _post(client, tenants["employer"], headcount=3).json()["id"]
    for _ in range(2):
        wid = client.post("/api/v1/workers", json=worker_payload(), headers=tenants["county"].headers).json()["id"]
        client.post(
            "/api/v1/placements",
            json={"worker_id": wid, "vacancy_id": vid, "start_date": "2026-11-02"},
            headers=tenants["county"].headers,
        )
    headers = tenants["employer"].headers
    assert patch_fresh(client, f"/api/v1/vacancies/{vid}", json={"headcount": 1}, headers=headers).status_code == 409
    assert patch_fresh(client, f"/api/v1/vacancies/{vid}", json={"headcount": 2}, headers=headers).status_code == 200


def test_list_filters_and_pages(client, tenants):
    for county in ("441900", "441900", "440604"):
        _post(client, tenants["employer"], county_code=county)
    page = client.get(
        "/api/v1/vacancies", params={"county_code": "441900", "limit": 1}, headers=tenants["employer"].headers
    ).json()
    assert len(page["items"]) == 1 and page["next_cursor"]
    rest = client.get(
        "/api/v1/vacancies",
        params={"county_code": "441900", "cursor": page["next_cursor"]},
        headers=tenants["employer"].headers,
    ).json()
    assert len(rest["items"]) == 1 and rest["next_cursor"] is None


def test_chinese_words_are_accepted_for_the_codes_and_labels_come_back(client, tenants):
    body = vacancy_payload(shift="两班倒", education_min="初中", status="招聘中")
    resp = client.post("/api/v1/vacancies", json=body, headers=tenants["employer"].headers)
    assert resp.status_code == 201, resp.text
    got = resp.json()
    assert (got["shift"], got["education_min"], got["status"]) == ("two_shift", "junior_secondary", "open")
    assert (got["shift_label"], got["education_min_label"], got["status_label"]) == (
        "两班倒 / Two shifts",
        "初中 / Junior secondary",
        "招聘中 / Open",
    )
    bad = client.post("/api/v1/vacancies", json=vacancy_payload(shift="夜班"), headers=tenants["employer"].headers)
    assert bad.status_code == 422
    (item,) = bad.json()["detail"]
    assert item["field"] == "shift" and item["message_zh"] == "应为以下之一：白班、两班倒、三班倒"
