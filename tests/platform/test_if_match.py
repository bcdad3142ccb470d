"""No lost updates: every PATCH of the API needs the ETag the client read, sent back as If-Match."""

import pytest

from tests.factories import new_vacancy, new_worker

RULE_EDIT = {
    "name": "上岗奖补",
    "beneficiary": "worker",
    "trigger": "placement_started",
    "amount_fen": 30_000,
    "valid_from": "2026-01-01",
}
# (PATCH path template, who owns the resource, a change, the field that shows it)
PATCHABLE = {
    "/api/v1/workers/{worker_id}": ("county", {"dependants": 3}, "dependants"),
    "/api/v1/vacancies/{vacancy_id}": ("employer", {"wage_max": 6600}, "wage_max"),
    "/api/v1/placements/{placement_id}": ("county", {"end_date": "2026-11-20", "end_reason": "quit_wage"}, "end_date"),
    # incentives: an edit sends the whole rule and makes a new version
    "/api/v1/incentives/rules/{rule_id}": ("province", RULE_EDIT, "amount_fen"),
    # pairings: the change is a new version in force from today (version 1 took effect at the start date)
    "/api/v1/pairings/{pairing_id}": ("province", {"annual_target": 150}, "annual_target"),
    # consultation actions: the owner reports progress
    "/api/v1/pairings/{pairing_id}/actions/{action_id}": ("county", {"status": "in_progress"}, "status"),
    # training
    "/api/v1/training/demands/{demand_id}": ("employer", {"hire_commitment": 2}, "hire_commitment"),
    "/api/v1/training/classes/{class_id}": ("school", {"title": "数控车床订单班"}, "title"),
    "/api/v1/training/enrolments/{enrolment_id}": ("school", {"attended_hours": 12}, "attended_hours"),
    # one-stop services: the employer records progress on its hire's insurance enrolment
    "/api/v1/service-tasks/{task_id}": ("employer", {"status": "in_progress"}, "status"),
}


@pytest.fixture
def resources(client, tenants) -> dict[str, str]:
    """One of each resource the API lets a client PATCH, by the PATCH path that changes it."""
    worker = new_worker(client, tenants["county"])
    vacancy = new_vacancy(client, tenants["employer"])
    body = {"worker_id": new_worker(client, tenants["county"]), "vacancy_id": vacancy, "start_date": "2026-11-02"}
    placement = client.post("/api/v1/placements", json=body, headers=tenants["county"].headers)
    assert placement.status_code == 201, placement.text
    rule = client.post(
        "/api/v1/incentives/rules",
        json={**RULE_EDIT, "amount_fen": 20_000, "province_code": "450000"},
        headers=tenants["province"].headers,
    )
    assert rule.status_code == 201, rule.text
    pairing = client.post(
        "/api/v1/pairings",
        json={
            "east_code": "441900",
            "west_code": "450200",
            "level": "prefecture",
            "annual_target": 100,
            "start_date": "2026-01-01",
        },
        headers=tenants["province"].headers,
    )
    assert pairing.status_code == 201, pairing.text
    action = client.post(
        f"/api/v1/pairings/{pairing.json()['id']}/actions",
        json={"issue": "回访东莞的柳州籍员工", "owner_org_id": tenants["county"].org_id, "due_date": "2099-01-31"},
        headers=tenants["province"].headers,
    )
    assert action.status_code == 201, action.text
    # training: a demand, a class answering it, one enrolment
    demand = client.post(
        "/api/v1/training/demands",
        json={"occupation_code": "6-25-04-00", "headcount": 5, "hire_commitment": 3},
        headers=tenants["employer"].headers,
    ).json()["id"]
    klass = {
        "demand_id": demand,
        "mode": "order_class",
        "occupation_code": "6-25-04-00",
        "title": "电子装配订单班",
        "county_code": "450225",
        "start_date": "2026-12-07",
        "end_date": "2026-12-25",
        "planned_hours": 120,
        "capacity": 5,
        "status": "enrolling",
    }
    class_id = client.post("/api/v1/training/classes", json=klass, headers=tenants["school"].headers).json()["id"]
    enrolment = client.post(
        f"/api/v1/training/classes/{class_id}/enrolments", json={"worker_id": worker}, headers=tenants["county"].headers
    )
    assert enrolment.status_code == 201, enrolment.text
    # one-stop services: the cross-province placement's checklist, its employer's task
    services = client.get(f"/api/v1/placements/{placement.json()['id']}/services", headers=tenants["county"].headers)
    task = next(t["id"] for t in services.json()["tasks"] if t["kind"] == "employee_insurance")
    return {
        "/api/v1/service-tasks/{task_id}": f"/api/v1/service-tasks/{task}",
        "/api/v1/pairings/{pairing_id}": f"/api/v1/pairings/{pairing.json()['id']}",
        "/api/v1/pairings/{pairing_id}/actions/{action_id}": action.headers["Location"],
        "/api/v1/incentives/rules/{rule_id}": f"/api/v1/incentives/rules/{rule.json()['id']}",
        "/api/v1/training/demands/{demand_id}": f"/api/v1/training/demands/{demand}",
        "/api/v1/training/classes/{class_id}": f"/api/v1/training/classes/{class_id}",
        "/api/v1/training/enrolments/{enrolment_id}": f"/api/v1/training/enrolments/{enrolment.json()['id']}",
        "/api/v1/workers/{worker_id}": f"/api/v1/workers/{worker}",
        "/api/v1/vacancies/{vacancy_id}": f"/api/v1/vacancies/{vacancy}",
        "/api/v1/placements/{placement_id}": f"/api/v1/placements/{placement.json()['id']}",
    }


def test_every_patch_in_the_document_is_tested_and_declares_if_match_and_428(app):
    patches = {path: ops["patch"] for path, ops in app.openapi()["paths"].items() if "patch" in ops}
    assert set(patches) == set(PATCHABLE)
    for path, operation in patches.items():
        if_match = [p for p in operation["parameters"] if p["in"] == "header" and p["name"] == "If-Match"]
        assert if_match and if_match[0]["required"] is True, path
        assert {"412", "428"} <= set(operation["responses"]), path


@pytest.mark.parametrize("template", PATCHABLE)
def test_a_patch_without_if_match_is_428_and_changes_nothing(client, tenants, resources, template):
    owner, change, field = PATCHABLE[template]
    path, headers = resources[template], tenants[owner].headers
    before = client.get(path, headers=headers)
    resp = client.patch(path, json=change, headers=headers)
    assert resp.status_code == 428, resp.text
    body = resp.json()
    assert body["error"] == "precondition_required" and body["detail"] == []
    zh, en = body["message"].split(" / ")
    assert "If-Match" in zh and "If-Match" in en and "ETag" in en
    after = client.get(path, headers=headers)
    assert after.json()[field] == before.json()[field] and after.headers["ETag"] == before.headers["ETag"]


@pytest.mark.parametrize("template", PATCHABLE)
def test_the_etag_read_applies_the_patch_once_and_then_is_stale(client, tenants, resources, template):
    owner, change, field = PATCHABLE[template]
    path, headers = resources[template], tenants[owner].headers
    etag = client.get(path, headers=headers).headers["ETag"]
    ok = client.patch(path, json=change, headers={**headers, "If-Match": etag})
    assert ok.status_code == 200, ok.text
    assert str(ok.json()[field]) == str(change[field]) and ok.headers["ETag"] != etag
    assert client.get(path, headers=headers).headers["ETag"] == ok.headers["ETag"]
    stale = client.patch(path, json=change, headers={**headers, "If-Match": etag})
    assert stale.status_code == 412 and stale.json()["error"] == "precondition_failed"
