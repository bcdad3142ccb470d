"""Allocation proposals through the API: capacity, quotas, walls, review, and acceptance into placements."""

import pytest
from sqlalchemy import func, select

from app.allocations.models import AllocationItem
from app.clock import today
from app.placements.models import Placement
from app.reference.models import Pairing
from app.vacancies.models import Vacancy
from tests.factories import new_vacancy, new_worker

URL = "/api/v1/allocations"


@pytest.fixture(autouse=True)
def _rule_ranker(app):
    """No trained ranker: the rule fallback scores edges (its own tests cover the trained model)."""
    app.state.matcher.forget()
    yield
    app.state.matcher.forget()


def _allocate(client, tenant, body=None, status=201, **headers) -> dict:
    resp = client.post(URL, json=body or {}, headers={**tenant.headers, **headers})
    assert resp.status_code == status, resp.text
    return resp.json()


def _items(client, tenant, allocation_id, **params) -> list[dict]:
    resp = client.get(f"{URL}/{allocation_id}", params={"limit": 500, **params}, headers=tenant.headers)
    assert resp.status_code == 200, resp.text
    return resp.json()["items"]


@pytest.fixture
def crowded(client, tenants):
    """Four workers who all rank one well-paid job first; it has one place, two plainer jobs have one each."""
    county, employer = tenants["county"], tenants["employer"]
    workers = [new_worker(client, county) for _ in range(4)]
    best = new_vacancy(client, employer, headcount=1, wage_min=6000, wage_max=7000)
    plain = [new_vacancy(client, employer, headcount=1, wage_min=4200, wage_max=4800) for _ in range(2)]
    return {"workers": workers, "best": best, "plain": plain}


def test_a_proposal_respects_headcount_and_places_nobody_by_itself(client, tenants, crowded, db):
    county = tenants["county"]
    allocation = _allocate(client, county)
    summary = allocation["summary"]
    assert allocation["method"] == "min_cost_flow" and allocation["model"]["kind"] == "rule_baseline"
    assert summary["workers"] == 4 and summary["open_places"] == 3
    assert summary["placed"] == 3 and summary["expected_retained"] >= summary["baseline_greedy"]["expected_retained"]
    items = _items(client, county, allocation["id"])
    assert len(items) == 3
    assert len({i["vacancy_id"] for i in items}) == 3  # one place each: nobody double-booked
    assert len({i["worker_id"] for i in items}) == 3
    for item in items:
        assert item["status"] == "proposed" and item["placement_id"] is None
        assert 0 < item["score"] < 1 and item["rank"] >= 1
        assert item["reasons"] and all("text" in r for r in item["reasons"])
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(Placement)) == 0


def test_accepting_an_item_records_the_placement_once(client, tenants, crowded):
    county = tenants["county"]
    allocation = _allocate(client, county)
    item = _items(client, county, allocation["id"])[0]
    path = f"{URL}/{allocation['id']}/items/{item['id']}/accept"
    headers = {**county.headers, "Idempotency-Key": "accept-1"}
    first = client.post(path, json={"start_date": str(today())}, headers=headers)
    assert first.status_code == 200, first.text
    accepted = first.json()
    assert accepted["status"] == "accepted" and accepted["placement_id"]
    replay = client.post(path, json={"start_date": str(today())}, headers=headers)
    assert replay.status_code == 200 and replay.headers["Idempotent-Replayed"] == "true"
    assert replay.json() == accepted
    again = client.post(path, headers=county.headers)
    assert again.status_code == 409
    placement = client.get(f"/api/v1/placements/{accepted['placement_id']}", headers=county.headers).json()
    assert (placement["worker_id"], placement["vacancy_id"]) == (item["worker_id"], item["vacancy_id"])
    placements = client.get("/api/v1/placements", headers=county.headers).json()["items"]
    assert len(placements) == 1


def test_accepting_after_the_place_was_taken_is_409_and_changes_nothing(client, tenants, crowded, db):
    county = tenants["county"]
    allocation = _allocate(client, county)
    item = _items(client, county, allocation["id"])[0]
    other = next(w for w in crowded["workers"] if w != item["worker_id"])
    body = {"worker_id": other, "vacancy_id": item["vacancy_id"], "start_date": str(today())}
    assert client.post("/api/v1/placements", json=body, headers=county.headers).status_code == 201
    resp = client.post(f"{URL}/{allocation['id']}/items/{item['id']}/accept", headers=county.headers)
    assert resp.status_code == 409 and "headcount" in resp.json()["message"]
    assert _items(client, county, allocation["id"], status="proposed")[0]["id"] == item["id"]
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(Placement)) == 1


def test_rejecting_an_item_frees_nothing_and_it_cannot_then_be_accepted(client, tenants, crowded):
    county = tenants["county"]
    allocation = _allocate(client, county)
    item = _items(client, county, allocation["id"])[0]
    base = f"{URL}/{allocation['id']}/items/{item['id']}"
    resp = client.post(f"{base}/reject", headers=county.headers)
    assert resp.status_code == 200 and resp.json()["status"] == "rejected"
    assert client.post(f"{base}/accept", headers=county.headers).status_code == 409
    assert [i["id"] for i in _items(client, county, allocation["id"], status="rejected")] == [item["id"]]


def test_a_retried_post_returns_the_same_proposal(client, tenants, crowded, db):
    county = tenants["county"]
    first = _allocate(client, county, {"method": "greedy"}, **{"Idempotency-Key": "alloc-1"})
    resp = client.post(URL, json={"method": "greedy"}, headers={**county.headers, "Idempotency-Key": "alloc-1"})
    assert resp.status_code == 201 and resp.headers["Idempotent-Replayed"] == "true"
    assert resp.json()["id"] == first["id"]
    assert len(client.get(URL, headers=county.headers).json()["items"]) == 1
    other_body = client.post(URL, json={"method": "stable"}, headers={**county.headers, "Idempotency-Key": "alloc-1"})
    assert other_body.status_code == 422
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(AllocationItem)) == 3


def test_methods_compare_on_the_same_workers(client, tenants, crowded):
    county = tenants["county"]
    totals = {m: _allocate(client, county, {"method": m})["summary"] for m in ("min_cost_flow", "greedy", "stable")}
    assert totals["min_cost_flow"]["expected_retained"] >= totals["greedy"]["expected_retained"] - 1e-9
    assert totals["min_cost_flow"]["expected_retained"] >= totals["stable"]["expected_retained"] - 1e-9
    placed_first = _allocate(client, county, {"objective": "placed_first"})["summary"]
    assert placed_first["placed"] >= totals["min_cost_flow"]["placed"]


def test_a_pairing_quota_caps_placements_through_it(client, tenants, crowded, db):
    county, employer = tenants["county"], tenants["employer"]
    local_employer = tenants["other_employer"]
    new_vacancy(client, local_employer, county_code="440604", headcount=5)  # Foshan: not in the quota's pairing
    with db.session() as s, s.begin():
        s.add(Pairing(east_code="441900", west_code="450225", level="county", annual_target=100))
        s.add(Pairing(east_code="440600", west_code="450200", level="prefecture", annual_target=100))
    with db.session() as s:
        dongguan, foshan = (p.id for p in s.scalars(select(Pairing).order_by(Pairing.id)))
    body = {"quotas": [{"pairing_id": dongguan, "max": 1}]}
    allocation = _allocate(client, county, body)
    items = _items(client, county, allocation["id"])
    assert sum(i["pairing_id"] == dongguan for i in items) == 1
    assert {i["pairing_id"] for i in items} <= {dongguan, foshan}
    assert allocation["quotas"] == [{"pairing_id": dongguan, "max": 1}]
    assert employer  # the Dongguan jobs belong to the first employer


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"county_code": "451122"}, "county_code"),  # another county's workers
        ({"county_code": "999999"}, "county_code"),
        ({"quotas": [{"pairing_id": 999999, "max": 1}]}, "quotas"),
        ({"quotas": [{"pairing_id": 1, "max": 1}, {"pairing_id": 1, "max": 2}]}, "quotas"),
        ({"quotas": [{"pairing_id": 1, "max": -1}]}, "quotas.0.max"),
        ({"method": "lottery"}, "method"),
        ({"candidates_per_worker": 0}, "candidates_per_worker"),
        ({"owner_org_id": 5}, "owner_org_id"),
    ],
)
def test_bad_requests_are_422_in_both_languages(client, tenants, body, field):
    resp = client.post(URL, json=body, headers=tenants["county"].headers)
    assert resp.status_code == 422, resp.text
    detail = resp.json()["detail"]
    assert any(d["field"] == field and d["message_zh"] and d["message_en"] for d in detail), detail


def test_walls(client, tenants, crowded):
    county = tenants["county"]
    allocation = _allocate(client, county)
    item = _items(client, county, allocation["id"])[0]
    path = f"{URL}/{allocation['id']}"
    assert client.get(path, headers=tenants["other_county"].headers).status_code == 404
    assert client.post(f"{path}/items/{item['id']}/accept", headers=tenants["other_county"].headers).status_code == 404
    assert client.get(URL, headers=tenants["other_county"].headers).json()["items"] == []
    assert client.get(path, headers=tenants["province"].headers).status_code == 200
    assert client.post(f"{path}/items/{item['id']}/reject", headers=tenants["province"].headers).status_code == 403
    for role in ("employer", "agency", "school"):
        assert client.post(URL, json={}, headers=tenants[role].headers).status_code == 403
        assert client.get(path, headers=tenants[role].headers).status_code == 403
    assert client.get(f"{URL}/{allocation['id'] + 1000}", headers=county.headers).status_code == 404
    assert client.post(f"{path}/items/{item['id'] + 1000}/accept", headers=county.headers).status_code == 404


def test_the_province_allocates_one_county_or_all_and_other_counties_see_none_of_it(client, tenants, crowded):
    province, other = tenants["province"], tenants["other_county"]
    lone = new_worker(client, other, hukou_county="451122")
    whole = _allocate(client, province)
    assert whole["summary"]["workers"] == 5 and whole["county_code"] is None
    one = _allocate(client, province, {"county_code": "451122"})
    assert one["summary"]["workers"] == 1
    assert {i["worker_id"] for i in _items(client, province, one["id"])} == {lone}
    assert client.get(f"{URL}/{whole['id']}", headers=other.headers).status_code == 404
    assert client.post(URL, json={"county_code": "441900"}, headers=province.headers).status_code == 422


def test_items_page_with_a_cursor(client, tenants, crowded):
    county = tenants["county"]
    allocation = _allocate(client, county)
    seen, cursor = [], None
    while True:
        params = {"limit": 1} | ({"cursor": cursor} if cursor else {})
        page = client.get(f"{URL}/{allocation['id']}", params=params, headers=county.headers).json()
        seen += [i["id"] for i in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert len(seen) == len(set(seen)) == 3


def test_placed_workers_are_not_allocated_again(client, tenants, crowded):
    county = tenants["county"]
    busy = crowded["workers"][0]
    body = {"worker_id": busy, "vacancy_id": crowded["plain"][0], "start_date": str(today())}
    assert client.post("/api/v1/placements", json=body, headers=county.headers).status_code == 201
    allocation = _allocate(client, county)
    assert allocation["summary"]["workers"] == 3 and allocation["summary"]["open_places"] == 2
    assert busy not in {i["worker_id"] for i in _items(client, county, allocation["id"])}


def test_a_provincial_proposal_is_decided_by_each_workers_county(client, tenants, crowded):
    county, other, province = tenants["county"], tenants["other_county"], tenants["province"]
    lone = new_worker(client, other, hukou_county="451122")
    new_vacancy(client, tenants["employer"], headcount=3, wage_min=5000, wage_max=5600)
    whole = _allocate(client, province)
    every = _items(client, province, whole["id"])
    assert lone in {i["worker_id"] for i in every} and len(every) >= 3
    path = f"{URL}/{whole['id']}"
    mine = _items(client, county, whole["id"])
    assert {i["worker_id"] for i in mine} == {i["worker_id"] for i in every} - {lone}
    theirs = next(i for i in every if i["worker_id"] == lone)
    assert [i["id"] for i in _items(client, other, whole["id"])] == [theirs["id"]]
    assert whole["id"] in {a["id"] for a in client.get(URL, headers=county.headers).json()["items"]}

    first, second = mine[0], mine[1]
    assert client.post(f"{path}/items/{first['id']}/accept", headers=province.headers).status_code == 403
    assert client.post(f"{path}/items/{theirs['id']}/accept", headers=county.headers).status_code == 404
    accepted = client.post(f"{path}/items/{first['id']}/accept", headers=county.headers)
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["status"] == "accepted"
    placement = client.get(f"/api/v1/placements/{accepted.json()['placement_id']}", headers=county.headers)
    assert placement.status_code == 200 and placement.json()["worker_id"] == first["worker_id"]
    assert client.post(f"{path}/items/{first['id']}/reject", headers=county.headers).status_code == 409
    rejected = client.post(f"{path}/items/{second['id']}/reject", headers=province.headers)
    assert rejected.status_code == 200 and rejected.json()["status"] == "rejected"
    by_other = client.post(f"{path}/items/{theirs['id']}/accept", headers=other.headers)
    assert by_other.status_code == 200, by_other.text
    assert client.get(path, headers=tenants["employer"].headers).status_code == 403


def test_a_county_proposal_stays_with_its_county(client, tenants, crowded):
    county, other = tenants["county"], tenants["other_county"]
    allocation = _allocate(client, county)
    item = _items(client, county, allocation["id"])[0]
    assert client.post(f"{URL}/{allocation['id']}/items/{item['id']}/accept", headers=other.headers).status_code == 404
    assert allocation["id"] not in {a["id"] for a in client.get(URL, headers=other.headers).json()["items"]}


def test_a_province_pairing_quota_covers_placements_under_narrower_pairings(client, tenants, crowded, db):
    province = tenants["province"]
    local = new_worker(client, tenants["county"], channel_preference="any")
    new_vacancy(client, tenants["other_employer"], county_code="450202", headcount=5)  # Liuzhou: outside Guangdong
    with db.session() as s, s.begin():
        s.add(Pairing(east_code="440000", west_code="450000", level="province", annual_target=1000))
        s.add(Pairing(east_code="441900", west_code="450200", level="prefecture", annual_target=100))
    with db.session() as s:
        guangdong, dongguan = (p.id for p in s.scalars(select(Pairing).order_by(Pairing.id)))
    free = _items(client, province, _allocate(client, province)["id"])
    assert any(i["pairing_id"] == dongguan for i in free)  # without a quota, Dongguan jobs are proposed
    capped = _allocate(client, province, {"quotas": [{"pairing_id": guangdong, "max": 0}]})
    items = _items(client, province, capped["id"])
    assert items and all(i["pairing_id"] is None for i in items)
    with db.session() as s:
        counties = {
            v.county_code for v in s.scalars(select(Vacancy).where(Vacancy.id.in_([i["vacancy_id"] for i in items])))
        }
    assert counties == {"450202"} and {i["worker_id"] for i in items} == {local}
