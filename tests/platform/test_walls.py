"""Every route with every role's key: owners succeed, other tenants get 404, roles without the right get 403."""

from dataclasses import dataclass, field

import pytest

from tests.factories import vacancy_payload, worker_payload

ROLES = ("county", "other_county", "employer", "other_employer", "agency", "school", "province", "station", "broker")


@dataclass
class World:
    ids: dict[str, int | str] = field(default_factory=dict)


@pytest.fixture
def world(client, tenants, db) -> World:
    """County owns W (placed in employer's V via agency, with a follow-up) and free workers; employer owns V."""
    county, employer = tenants["county"], tenants["employer"]
    w = World()

    def new_worker(**overrides: object) -> int:
        resp = client.post("/api/v1/workers", json=worker_payload(**overrides), headers=county.headers)
        assert resp.status_code == 201, resp.text
        return resp.json()["id"]

    w.ids["worker"] = new_worker()
    for name in ("free_worker_county", "worker_to_end"):
        w.ids[name] = new_worker()
    w.ids["free_worker_employer"] = new_worker(consent_to_share=True)  # employers may place only these
    resp = client.post("/api/v1/vacancies", json=vacancy_payload(headcount=10), headers=employer.headers)
    w.ids["vacancy"] = resp.json()["id"]
    for name, worker in (("placement", "worker"), ("placement_to_end", "worker_to_end")):
        body = {
            "worker_id": w.ids[worker],
            "vacancy_id": w.ids["vacancy"],
            "start_date": "2026-09-01",
            "referred_by": tenants["agency"].org_id,
        }
        resp = client.post("/api/v1/placements", json=body, headers=county.headers)
        assert resp.status_code == 201, resp.text
        w.ids[name] = resp.json()["id"]
    resp = client.post(
        f"/api/v1/placements/{w.ids['placement']}/follow-ups",
        json={"date": "2026-09-08", "contact": "phone", "outcome": "ok"},
        headers=county.headers,
    )
    assert resp.status_code == 201
    # An allocation proposal by the county over its unplaced workers (one item to accept, one to reject).
    w.ids["worker_for_allocation"] = new_worker()
    resp = client.post("/api/v1/allocations", json={}, headers=county.headers)
    assert resp.status_code == 201, resp.text
    w.ids["allocation"] = resp.json()["id"]
    items = client.get(f"/api/v1/allocations/{w.ids['allocation']}", headers=county.headers).json()["items"]
    by_worker = {i["worker_id"]: i["id"] for i in items}
    w.ids["item_to_accept"] = by_worker[w.ids["worker_for_allocation"]]
    w.ids["item_to_reject"] = by_worker[w.ids["free_worker_employer"]]
    # incentives: four rules of the county's province paid on the two placements' start, one batch paid for.
    _incentives_world(client, tenants, db, w)
    # pairings: one the province made, for the pairing routes
    resp = client.post("/api/v1/pairings", json=_pairing_body("441302"), headers=tenants["province"].headers)
    assert resp.status_code == 201, resp.text
    w.ids["pairing"] = resp.json()["id"]
    # consultation actions: on a 东莞—柳州 pairing (the county's prefecture sends through it, the station's
    # city receives), one owned by the county office
    body = {
        "east_code": "441900",
        "west_code": "450200",
        "level": "prefecture",
        "annual_target": 4000,
        "effective_from": "2026-01-01",  # in force through 2026-Q3, so the quarter's evaluation covers it
    }
    resp = client.post("/api/v1/pairings", json=body, headers=tenants["province"].headers)
    assert resp.status_code == 201, resp.text
    w.ids["liuzhou_pairing"] = resp.json()["id"]
    # the quarterly evaluation: the province drafts 2026-Q3; the county sends through the Liuzhou pairing
    resp = client.post(
        "/api/v1/evaluations/quarterly", json={"quarter": "2026-Q3"}, headers=tenants["province"].headers
    )
    assert resp.status_code == 201, resp.text
    by_pairing = {e["pairing_id"]: e["id"] for e in resp.json()["evaluations"]}
    w.ids["evaluation"] = by_pairing[w.ids["liuzhou_pairing"]]
    # proposals: the Liuzhou pairing carried no one at 2026-Q3's end, so retiring it is proposed
    resp = client.get("/api/v1/pairings/proposals?quarter=2026-Q3", headers=tenants["province"].headers)
    assert resp.status_code == 200, resp.text
    w.ids["proposal"] = next(i["id"] for i in resp.json()["items"] if i["kind"] == "retire_link")
    body = {"issue": "回访东莞电子厂的融水籍员工", "owner_org_id": county.org_id, "due_date": "2099-01-31"}
    resp = client.post(
        f"/api/v1/pairings/{w.ids['liuzhou_pairing']}/actions", json=body, headers=tenants["province"].headers
    )
    assert resp.status_code == 201, resp.text
    w.ids["action"] = resp.json()["id"]
    w.ids["province_org"] = tenants["province"].org_id
    # training: the employer's demand on V, the school's order class answering it (enrolling), W enrolled by county
    body = {"vacancy_id": w.ids["vacancy"], "headcount": 10, "hire_commitment": 5}
    resp = client.post("/api/v1/training/demands", json=body, headers=employer.headers)
    assert resp.status_code == 201, resp.text
    w.ids["demand_id"] = resp.json()["id"]
    resp = client.post(
        "/api/v1/training/classes", json=_training_class(w.ids["demand_id"]), headers=tenants["school"].headers
    )
    assert resp.status_code == 201, resp.text
    w.ids["class_id"] = resp.json()["id"]
    resp = client.post(
        f"/api/v1/training/classes/{w.ids['class_id']}/enrolments",
        json={"worker_id": w.ids["worker"]},
        headers=county.headers,
    )
    assert resp.status_code == 201, resp.text
    w.ids["enrolment_id"] = resp.json()["id"]
    # rights cases: the county opens one on W's placement (workplace 441900, the station's region; agency referred)
    body = {"kind": "contract", "summary": "未签劳动合同", "placement_id": w.ids["placement"]}
    resp = client.post("/api/v1/cases", json=body, headers=county.headers)
    assert resp.status_code == 201, resp.text
    w.ids["case_id"] = resp.json()["id"]
    # one-stop services: W's placement (Guangxi worker, Dongguan workplace) has a checklist; the employer's task
    services = client.get(f"/api/v1/placements/{w.ids['placement']}/services", headers=county.headers)
    assert services.status_code == 200, services.text
    w.ids["task_id"] = next(t["id"] for t in services.json()["tasks"] if t["kind"] == "employee_insurance")
    w.ids |= {"home": 450000, "work": 440000}
    return w


def _incentives_world(client, tenants, db, w: World) -> None:
    from datetime import date

    from app.incentives import service
    from app.pii import vault_for
    from tests.conftest import TEST_PII_KEY

    province = tenants["province"]
    rules = {}
    for name, beneficiary, publicity in (
        ("worker", "worker", 0),
        ("agency", "agency", 0),
        ("employer", "employer", 0),
        ("object", "worker", 7),
    ):
        resp = client.post("/api/v1/incentives/rules", json=_rule(beneficiary, publicity), headers=province.headers)
        assert resp.status_code == 201, resp.text
        rules[name] = resp.json()["id"]
    w.ids["rule"] = rules["worker"]
    with db.session() as session, session.begin():
        service.accrue(session, date(2026, 12, 1), vault_for(TEST_PII_KEY))
    entries = client.get("/api/v1/incentives/ledger", headers=province.headers).json()["items"]
    by = {(e["rule_id"], e["placement_id"]): e["id"] for e in entries}
    first, second = w.ids["placement"], w.ids["placement_to_end"]
    w.ids |= {
        "entry_approve": by[rules["worker"], first],
        "entry_hold": by[rules["worker"], second],
        "entry_refuse": by[rules["agency"], first],
        "entry_clawback": by[rules["agency"], second],
        "entry_bulk": by[rules["employer"], first],
        "entry_object": by[rules["object"], first],
    }
    batched = by[rules["employer"], second]
    resp = client.post(f"/api/v1/incentives/ledger/{batched}/approve", headers=tenants["county"].headers)
    assert resp.status_code == 201, resp.text
    resp = client.post("/api/v1/incentives/batches", json={"entry_ids": [batched]}, headers=province.headers)
    assert resp.status_code == 201, resp.text
    w.ids["batch"] = resp.json()["id"]


def _rule(beneficiary: str, publicity_days: int, province: bool = True) -> dict:
    body = {
        "name": f"上岗奖补（{beneficiary}）",
        "beneficiary": beneficiary,
        "trigger": "placement_started",
        "amount_fen": 20_000,
        "valid_from": "2026-01-01",
        "publicity_days": publicity_days,
    }
    return {**body, "province_code": "450000"} if province else body


def _pairing_body(east: str) -> dict:
    return {"east_code": east, "west_code": "450821", "level": "county", "annual_target": 300}


def _training_class(demand_id: int | None) -> dict[str, object]:
    return {
        "demand_id": demand_id,
        "mode": "order_class" if demand_id else "short_course",
        "occupation_code": "6-25-04-00",
        "title": "电子装配订单班",
        "county_code": "450225",
        "start_date": "2026-12-07",
        "end_date": "2026-12-25",
        "planned_hours": 120,
        "capacity": 20,
        "status": "enrolling",
    }


def _expect(**by_role: int) -> dict[str, int]:
    assert set(by_role) == set(ROLES), set(ROLES) ^ set(by_role)
    return by_role


# Kinds the policy grants nothing yet (a labour-cooperation station, a broker): 403 on every domain route, like
# any kind without the right; /me and the reference data are open to every key.
NO_DOMAIN_RIGHTS = dict(station=403, broker=403)
FORBIDDEN_EXCEPT_COUNTIES = dict(employer=403, other_employer=403, agency=403, school=403, **NO_DOMAIN_RIGHTS)

# incentives: the worker's county office or the rule's province decides on an entry; other kinds may not.
INCENTIVE_DECIDERS = _expect(**dict.fromkeys(ROLES, 403) | {"county": 201, "other_county": 404, "province": 201})

# (method, path template, body maker, expected status per role)
CASES = [
    ("GET", "/workers", None, _expect(county=200, other_county=200, province=200, **FORBIDDEN_EXCEPT_COUNTIES)),
    (
        "POST",
        "/workers",
        "worker",
        _expect(county=201, other_county=422, province=403, **FORBIDDEN_EXCEPT_COUNTIES),
    ),  # 422: not its county
    (
        "GET",
        "/workers/{worker}",
        None,
        _expect(county=200, other_county=404, province=200, **FORBIDDEN_EXCEPT_COUNTIES),
    ),
    (
        "PATCH",
        "/workers/{worker}",
        "worker_patch",
        _expect(county=200, other_county=404, province=403, **FORBIDDEN_EXCEPT_COUNTIES),
    ),
    (
        "GET",
        "/workers/import/template",
        None,
        _expect(county=200, other_county=200, province=403, **FORBIDDEN_EXCEPT_COUNTIES),
    ),
    (
        "GET",
        "/vacancies",
        None,
        _expect(
            county=200,
            other_county=200,
            employer=200,
            other_employer=200,
            agency=200,
            school=200,
            province=200,
            **NO_DOMAIN_RIGHTS,
        ),
    ),
    (
        "POST",
        "/vacancies",
        "vacancy",
        _expect(
            county=403,
            other_county=403,
            employer=201,
            other_employer=201,
            agency=403,
            school=403,
            province=403,
            **NO_DOMAIN_RIGHTS,
        ),
    ),
    (
        "GET",
        "/vacancies/{vacancy}",
        None,
        _expect(
            county=200,
            other_county=200,
            employer=200,
            other_employer=404,
            agency=200,
            school=200,
            province=200,
            **NO_DOMAIN_RIGHTS,
        ),
    ),
    (
        "PATCH",
        "/vacancies/{vacancy}",
        "vacancy_patch",
        _expect(
            county=403,
            other_county=403,
            employer=200,
            other_employer=404,
            agency=403,
            school=403,
            province=403,
            **NO_DOMAIN_RIGHTS,
        ),
    ),
    (
        "GET",
        "/placements",
        None,
        _expect(
            county=200,
            other_county=200,
            employer=200,
            other_employer=200,
            agency=200,
            school=403,
            province=200,
            station=200,  # rights/station: the workplace region's placements
            broker=403,
        ),
    ),
    (
        "POST",
        "/placements",
        "placement",
        _expect(
            county=201,
            other_county=404,
            employer=201,
            other_employer=404,
            agency=403,
            school=403,
            province=403,
            **NO_DOMAIN_RIGHTS,
        ),
    ),
    (
        "GET",
        "/placements/{placement}",
        None,
        _expect(
            county=200,
            other_county=404,
            employer=200,
            other_employer=404,
            agency=200,
            school=403,
            province=200,
            station=200,  # rights/station: the workplace region's placements
            broker=403,
        ),
    ),
    (
        "PATCH",
        "/placements/{placement_to_end}",
        "placement_end",
        _expect(
            county=200,
            other_county=404,
            employer=200,
            other_employer=404,
            agency=403,
            school=403,
            province=403,
            **NO_DOMAIN_RIGHTS,
        ),
    ),
    (
        "POST",
        "/placements/{placement}/follow-ups",
        "follow_up",
        _expect(
            county=201,
            other_county=404,
            employer=201,
            other_employer=404,
            agency=201,
            school=403,
            province=403,
            station=201,  # rights/station: the workplace region's placements
            broker=403,
        ),
    ),
    (
        "GET",
        "/placements/{placement}/follow-ups",
        None,
        _expect(
            county=200,
            other_county=404,
            employer=200,
            other_employer=404,
            agency=200,
            school=403,
            province=200,
            station=200,  # rights/station: the workplace region's placements
            broker=403,
        ),
    ),
    (
        "GET",
        "/workers/{worker}/matches",
        None,
        _expect(county=200, other_county=404, province=200, **FORBIDDEN_EXCEPT_COUNTIES),
    ),
    (
        "GET",
        "/vacancies/{vacancy}/candidates",
        None,
        _expect(
            county=403,
            other_county=403,
            employer=200,
            other_employer=404,
            agency=403,
            school=403,
            province=200,
            **NO_DOMAIN_RIGHTS,
        ),
    ),
    (
        "GET",
        "/placements/at-risk",
        None,
        _expect(
            county=200,
            other_county=200,
            employer=200,
            other_employer=200,
            agency=403,
            school=403,
            province=200,
            station=200,  # rights/station: the workplace region's placements
            broker=403,
        ),
    ),
    (
        "POST",
        "/placements/{placement}/flag-reviews",
        "flag_review",
        _expect(
            county=201,
            other_county=404,
            employer=201,
            other_employer=404,
            agency=403,
            school=403,
            province=403,
            **NO_DOMAIN_RIGHTS,
        ),
    ),
    (
        "GET",
        "/placements/{placement}/flag-reviews",
        None,
        _expect(
            county=200,
            other_county=404,
            employer=200,
            other_employer=404,
            agency=403,
            school=403,
            province=200,
            station=200,  # rights/station: the workplace region's placements
            broker=403,
        ),
    ),
    (
        "POST",
        "/allocations",
        "allocation",
        _expect(county=201, other_county=201, province=201, **FORBIDDEN_EXCEPT_COUNTIES),
    ),  # other_county: a proposal over its own (no) workers
    ("GET", "/allocations", None, _expect(county=200, other_county=200, province=200, **FORBIDDEN_EXCEPT_COUNTIES)),
    (
        "GET",
        "/allocations/{allocation}",
        None,
        _expect(county=200, other_county=404, province=200, **FORBIDDEN_EXCEPT_COUNTIES),
    ),
    (
        "POST",
        "/allocations/{allocation}/items/{item_to_accept}/accept",
        None,
        _expect(county=200, other_county=404, province=403, **FORBIDDEN_EXCEPT_COUNTIES),
    ),  # province: reads every proposal, decides only its own
    (
        "POST",
        "/allocations/{allocation}/items/{item_to_reject}/reject",
        None,
        _expect(county=200, other_county=404, province=403, **FORBIDDEN_EXCEPT_COUNTIES),
    ),
    (
        "PUT",
        "/vacancies/{vacancy}/occupation",
        "occupation",
        _expect(
            county=403,
            other_county=403,
            employer=200,
            other_employer=404,
            agency=403,
            school=403,
            province=200,
            **NO_DOMAIN_RIGHTS,
        ),
    ),  # the employer or a provincial office confirms or corrects the code
    ("GET", "/me", None, _expect(**dict.fromkeys(ROLES, 200))),
    ("GET", "/divisions", None, _expect(**dict.fromkeys(ROLES, 200))),
    ("GET", "/occupations", None, _expect(**dict.fromkeys(ROLES, 200))),
    ("GET", "/pairings", None, _expect(**dict.fromkeys(ROLES, 200))),
    # Each key reads its own scope (county, employer, school, province); tests/reports checks what each one sees.
    (
        "GET",
        "/reports/weekly",
        None,
        _expect(
            county=200,
            other_county=200,
            employer=200,
            other_employer=200,
            agency=403,
            school=200,  # its graduates' jobs after their class
            province=200,
            station=200,  # rights/station: the workplace region's placements
            broker=403,
        ),
    ),
    # The monthly consultation pack: a county office its own pairings', the province every pairing's.
    (
        "GET",
        "/reports/monthly",
        None,
        _expect(county=200, other_county=200, province=200, **FORBIDDEN_EXCEPT_COUNTIES),
    ),
    # incentives: the province writes and pays its own; each party reads what pays it, a county its workers'.
    ("POST", "/incentives/rules", "rule", _expect(**dict.fromkeys(ROLES, 403) | {"province": 201})),
    ("GET", "/incentives/rules", None, _expect(**dict.fromkeys(ROLES, 200))),
    ("GET", "/incentives/rules/{rule}", None, _expect(**dict.fromkeys(ROLES, 200))),
    ("PATCH", "/incentives/rules/{rule}", "rule_patch", _expect(**dict.fromkeys(ROLES, 403) | {"province": 200})),
    (
        "POST",
        "/incentives/rules/{rule}/simulate?from=2026-01-01&to=2026-12-01",
        None,
        _expect(**dict.fromkeys(ROLES, 403) | {"province": 200}),
    ),
    ("GET", "/incentives/ledger", None, _expect(**dict.fromkeys(ROLES, 200) | {"station": 403})),
    *[
        ("POST", f"/incentives/ledger/{{{entry}}}/{decision}", body, INCENTIVE_DECIDERS)
        for entry, decision, body in (
            ("entry_approve", "approve", None),
            ("entry_hold", "hold", "reason"),
            ("entry_hold", "release", None),
            ("entry_refuse", "refuse", "reason"),
        )
    ],
    # An entry of another county's worker is not found: the bulk answer names it (422), nothing is approved.
    (
        "POST",
        "/incentives/ledger/approve",
        "bulk",
        _expect(**INCENTIVE_DECIDERS | {"other_county": 422, "county": 200, "province": 200}),
    ),
    (
        "POST",
        "/incentives/ledger/{entry_clawback}/clawback",
        "clawback",
        _expect(**dict.fromkeys(ROLES, 403) | {"province": 201}),
    ),
    (
        "POST",
        "/incentives/ledger/{entry_object}/object",
        "reason",
        _expect(
            county=201,
            other_county=404,
            employer=404,
            other_employer=404,
            agency=404,
            school=404,
            province=201,
            station=403,
            broker=404,
        ),
    ),
    ("POST", "/incentives/batches", "batch", _expect(**dict.fromkeys(ROLES, 403) | {"province": 201})),
    ("GET", "/incentives/batches", None, _expect(**dict.fromkeys(ROLES, 403) | {"province": 200})),
    ("GET", "/incentives/batches/{batch}", None, _expect(**dict.fromkeys(ROLES, 403) | {"province": 200})),
    ("POST", "/incentives/batches/{batch}/paid", "paid", _expect(**dict.fromkeys(ROLES, 403) | {"province": 200})),
    (
        "GET",
        "/incentives/balance",
        None,
        _expect(**dict.fromkeys(ROLES, 200) | {"county": 403, "other_county": 403, "province": 403, "station": 403}),
    ),
    # pairings: only a provincial office writes them; every key reads them, like the rest of the reference data
    ("POST", "/pairings", "pairing", _expect(**(dict.fromkeys(ROLES, 403) | {"province": 201}))),
    ("GET", "/pairings/{pairing}", None, _expect(**dict.fromkeys(ROLES, 200))),
    ("PATCH", "/pairings/{pairing}", "pairing_patch", _expect(**(dict.fromkeys(ROLES, 403) | {"province": 200}))),
    ("GET", "/pairings/{pairing}/versions", None, _expect(**dict.fromkeys(ROLES, 200))),
    # consultation actions: the province records them; the pairing's two sides read them; the owner reports progress
    (
        "POST",
        "/pairings/{liuzhou_pairing}/actions",
        "action",
        _expect(**(dict.fromkeys(ROLES, 403) | {"province": 201})),
    ),
    *[
        (
            "GET",
            path,
            None,
            _expect(
                **(dict.fromkeys(ROLES, 403) | {"county": 200, "other_county": 404, "province": 200, "station": 200})
            ),
        )
        for path in ("/pairings/{liuzhou_pairing}/actions", "/pairings/{liuzhou_pairing}/actions/{action}")
    ],
    (
        "PATCH",
        "/pairings/{liuzhou_pairing}/actions/{action}",
        "action_patch",
        _expect(**(dict.fromkeys(ROLES, 403) | {"county": 200, "other_county": 404, "province": 200})),
    ),  # the station reads the action but does not own it
    # the quarterly evaluation: the province runs and reviews it; a county office reads its own pairings'
    (
        "POST",
        "/evaluations/quarterly",
        "quarterly",
        _expect(**(dict.fromkeys(ROLES, 403) | {"province": 200})),  # the world drafted the quarter already
    ),
    (
        "GET",
        "/evaluations?quarter=2026-Q3",
        None,
        _expect(county=200, other_county=200, province=200, **FORBIDDEN_EXCEPT_COUNTIES),
    ),
    (
        "GET",
        "/evaluations/{evaluation}",
        None,
        _expect(county=200, other_county=404, province=200, **FORBIDDEN_EXCEPT_COUNTIES),
    ),
    (
        "POST",
        "/evaluations/{evaluation}/transitions",
        "transition",
        _expect(**(dict.fromkeys(ROLES, 403) | {"province": 201})),
    ),
    # proposals to adjust pairings: the province reads and decides them; nobody else
    (
        "GET",
        "/pairings/proposals?quarter=2026-Q3",
        None,
        _expect(**(dict.fromkeys(ROLES, 403) | {"province": 200})),
    ),
    (
        "GET",
        "/pairings/proposals/{proposal}/allocation",
        None,
        _expect(**(dict.fromkeys(ROLES, 403) | {"province": 200})),
    ),
    (
        "POST",
        "/pairings/proposals/{proposal}/decision",
        "proposal_decision",
        _expect(**(dict.fromkeys(ROLES, 403) | {"province": 201})),
    ),
    # training: employers post demands, schools run classes, county offices (and schools, for consenting workers) enrol
    (
        "POST",
        "/training/demands",
        "training_demand",
        _expect(
            county=403,
            other_county=403,
            employer=201,
            other_employer=201,
            agency=403,
            school=403,
            province=403,
            **NO_DOMAIN_RIGHTS,
        ),
    ),
    (
        "GET",
        "/training/demands",
        None,
        _expect(
            county=200,
            other_county=200,
            employer=200,
            other_employer=200,
            agency=403,
            school=200,
            province=200,
            **NO_DOMAIN_RIGHTS,
        ),
    ),
    (
        "GET",
        "/training/demands/{demand_id}",
        None,
        _expect(
            county=200,
            other_county=200,
            employer=200,
            other_employer=404,
            agency=403,
            school=200,
            province=200,
            **NO_DOMAIN_RIGHTS,
        ),
    ),
    (
        "PATCH",
        "/training/demands/{demand_id}",
        "training_demand_patch",
        _expect(
            county=403,
            other_county=403,
            employer=200,
            other_employer=404,
            agency=403,
            school=403,
            province=403,
            **NO_DOMAIN_RIGHTS,
        ),
    ),
    (
        "POST",
        "/training/classes",
        "training_class",
        _expect(
            county=403,
            other_county=403,
            employer=403,
            other_employer=403,
            agency=403,
            school=201,
            province=403,
            **NO_DOMAIN_RIGHTS,
        ),
    ),
    (
        "GET",
        "/training/classes",
        None,
        _expect(
            county=200,
            other_county=200,
            employer=200,
            other_employer=200,
            agency=403,
            school=200,
            province=200,
            **NO_DOMAIN_RIGHTS,
        ),
    ),
    (
        "GET",
        "/training/classes/{class_id}",
        None,
        _expect(
            county=200,
            other_county=200,
            employer=200,
            other_employer=404,
            agency=403,
            school=200,
            province=200,
            **NO_DOMAIN_RIGHTS,
        ),
    ),  # county offices read classes open for enrolment; the employer the classes answering its demands
    (
        "PATCH",
        "/training/classes/{class_id}",
        "training_class_patch",
        _expect(
            county=403,
            other_county=403,
            employer=403,
            other_employer=403,
            agency=403,
            school=200,
            province=403,
            **NO_DOMAIN_RIGHTS,
        ),
    ),
    (
        "POST",
        "/training/classes/{class_id}/enrolments",
        "enrolment",
        _expect(
            county=201,
            other_county=404,
            employer=403,
            other_employer=403,
            agency=403,
            school=201,
            province=403,
            **NO_DOMAIN_RIGHTS,
        ),
    ),  # other_county: not its worker; the school: a consenting worker
    (
        "GET",
        "/training/classes/{class_id}/enrolments",
        None,
        _expect(
            county=200,
            other_county=200,
            employer=403,
            other_employer=403,
            agency=403,
            school=200,
            province=403,
            **NO_DOMAIN_RIGHTS,
        ),
    ),  # other_county: an empty page (none of its workers)
    (
        "GET",
        "/training/enrolments/{enrolment_id}",
        None,
        _expect(
            county=200,
            other_county=404,
            employer=403,
            other_employer=403,
            agency=403,
            school=200,
            province=403,
            **NO_DOMAIN_RIGHTS,
        ),
    ),
    (
        "PATCH",
        "/training/enrolments/{enrolment_id}",
        "enrolment_patch",
        _expect(
            county=403,
            other_county=403,
            employer=403,
            other_employer=403,
            agency=403,
            school=200,
            province=403,
            **NO_DOMAIN_RIGHTS,
        ),
    ),
    (
        "GET",
        "/workers/{worker}/trainings",
        None,
        _expect(
            county=200,
            other_county=404,
            employer=404,
            other_employer=404,
            agency=403,
            school=403,
            province=200,
            **NO_DOMAIN_RIGHTS,
        ),
    ),  # employers: consenting workers only (W did not consent)
    # rights cases: the worker's county, the workplace's station, the employer named, the referring agency, province
    (
        "GET",
        "/cases",
        None,
        _expect(
            county=200,
            other_county=200,
            employer=200,
            other_employer=200,
            agency=200,
            school=403,
            province=200,
            station=200,
            broker=403,
        ),
    ),
    (
        "POST",
        "/cases",
        "case",
        _expect(
            county=201,
            other_county=404,
            employer=201,
            other_employer=404,
            agency=201,
            school=403,
            province=201,
            station=201,
            broker=403,
        ),
    ),  # on W's placement: 404 for the tenants it does not reach; employers self-report
    (
        "GET",
        "/cases/{case_id}",
        None,
        _expect(
            county=200,
            other_county=404,
            employer=200,
            other_employer=404,
            agency=200,
            school=403,
            province=200,
            station=200,
            broker=403,
        ),
    ),
    (
        "POST",
        "/cases/{case_id}/events",
        "case_event",
        _expect(
            county=201,
            other_county=404,
            employer=403,
            other_employer=403,
            agency=403,
            school=403,
            province=201,
            station=201,
            broker=403,
        ),
    ),  # only the handling offices record actions
    # one-stop services: the responsible side writes a task; the county office, the station and the province read
    (
        "GET",
        "/placements/{placement}/services",
        None,
        _expect(
            county=200,
            other_county=404,
            employer=200,
            other_employer=404,
            agency=403,
            school=403,
            province=200,
            station=200,
            broker=403,
        ),
    ),
    (
        "GET",
        "/service-tasks?overdue=true&responsible=employer",
        None,
        _expect(
            county=200,
            other_county=200,
            employer=403,
            other_employer=403,
            agency=403,
            school=403,
            province=200,
            station=200,
            broker=403,
        ),
    ),
    (
        "GET",
        "/service-tasks/{task_id}",
        None,
        _expect(
            county=200,
            other_county=404,
            employer=200,
            other_employer=404,
            agency=403,
            school=403,
            province=200,
            station=200,
            broker=403,
        ),
    ),
    (
        "PATCH",
        "/service-tasks/{task_id}",
        "service_task_patch",
        _expect(
            county=403,
            other_county=404,
            employer=200,
            other_employer=404,
            agency=403,
            school=403,
            province=403,
            station=403,
            broker=403,
        ),
    ),  # the employer is responsible for enrolling its hire; the county and the station reach it, and read only
    (
        "GET",
        "/service-templates/{home}/{work}",
        None,
        _expect(
            county=403,
            other_county=403,
            employer=403,
            other_employer=403,
            agency=403,
            school=403,
            province=200,
            station=403,
            broker=403,
        ),
    ),
    (
        "PUT",
        "/service-templates/{home}/{work}",
        "service_template",
        _expect(
            county=403,
            other_county=403,
            employer=403,
            other_employer=403,
            agency=403,
            school=403,
            province=200,
            station=403,
            broker=403,
        ),
    ),  # either provincial office of the pair (the test's province is Guangxi's)
]
# The import route has its own wall tests in tests/workers/test_import.py (it takes a file, not JSON).
COVERED_ELSEWHERE = {
    ("POST", "/workers/import"),
    ("POST", "/training/classes/{class_id}/enrolments/import"),  # training: tests/training/test_enrolment_import.py
}


def _body(kind: str | None, role: str, world: World) -> dict | None:
    if kind is None:
        return None
    if kind == "worker":
        return worker_payload()
    if kind == "worker_patch":
        return {"expected_wage": 5200}
    if kind == "vacancy":
        return vacancy_payload()
    if kind == "vacancy_patch":
        return {"wage_max": 6500}
    if kind == "placement":
        worker = world.ids["free_worker_employer" if "employer" in role else "free_worker_county"]
        return {"worker_id": worker, "vacancy_id": world.ids["vacancy"], "start_date": "2026-11-02"}
    if kind == "placement_end":
        return {"end_date": "2026-10-20", "end_reason": "quit_homesick"}
    if kind == "flag_review":
        return {"decision": "contacted", "note": f"called by {role}"}
    if kind == "allocation":
        return {"method": "greedy", "candidates_per_worker": 5}
    if kind == "occupation":
        return {"occupation_code": "6-31-05-00"}
    if kind == "pairing":  # 441303 is the seed's; 441322 is another county of the same prefecture
        return _pairing_body("441322")
    if kind == "pairing_patch":
        return {"annual_target": 400, "effective_from": "2099-01-01"}
    if kind == "action":
        return {"issue": f"会商事项 by {role}", "owner_org_id": world.ids["province_org"], "due_date": "2099-02-28"}
    if kind == "action_patch":
        return {"status": "in_progress", "note": f"progress reported by {role}"}
    if kind == "proposal_decision":
        return {"decision": "reject", "reason": f"再议 by {role}"}
    if kind == "quarterly":
        return {"quarter": "2026-Q3"}
    if kind == "transition":
        return {"to_status": "submitted", "comment": f"提交审核 by {role}"}
    # training
    if kind == "training_demand":
        return {"occupation_code": "6-25-04-00", "headcount": 5}
    if kind == "training_demand_patch":
        return {"hire_commitment": 3}
    if kind == "training_class":
        return _training_class(None)
    if kind == "training_class_patch":
        return {"title": f"电子装配订单班（{role}）"}
    if kind == "enrolment":
        return {"worker_id": world.ids["free_worker_employer" if role == "school" else "free_worker_county"]}
    if kind == "enrolment_patch":
        return {"attended_hours": 8}
    if kind == "follow_up":
        return {"date": "2026-10-01", "contact": "visit", "outcome": "concern", "notes": f"by {role}"}
    # incentives
    if kind == "rule":
        return _rule("worker", 0)
    if kind == "rule_patch":
        return _rule("worker", 3, province=False)
    if kind == "reason":
        return {"reason": f"核实 by {role}"}
    if kind == "clawback":
        return {"ground": "error", "reason": "错发 / paid in error"}
    if kind == "bulk":
        return {"ids": [world.ids["entry_bulk"]]}
    if kind == "batch":
        return {}
    if kind == "paid":
        return {"payment_reference": "GX-2026-12"}
    # rights cases
    if kind == "case":
        return {"kind": "wage_arrears", "summary": f"拖欠工资 by {role}", "placement_id": world.ids["placement"]}
    if kind == "case_event":
        return {"action": "note", "note": f"已电话联系 by {role}"}
    # one-stop services
    if kind == "service_task_patch":
        return {"status": "in_progress", "evidence_ref": f"SB-{role}"}
    if kind == "service_template":
        from app.onestop.templates import DEFAULT_TASKS

        return {"tasks": [t.stored() for t in DEFAULT_TASKS]}
    raise AssertionError(kind)


def test_every_api_route_is_in_the_wall_table(app):
    routes = {
        (
            method.upper(),
            path.removeprefix("/api/v1")
            .replace("{worker_id}", "{worker}")
            .replace("{vacancy_id}", "{vacancy}")
            .replace("{placement_id}", "{placement}")
            .replace("{allocation_id}", "{allocation}")
            .replace("{item_id}", "{item}")
            .replace("{rule_id}", "{rule}")  # incentives
            .replace("{entry_id}", "{entry}")
            .replace("{batch_id}", "{batch}")
            .replace("{pairing_id}/actions", "{liuzhou_pairing}/actions")
            .replace("{pairing_id}", "{pairing}")
            .replace("{action_id}", "{action}")
            .replace("{evaluation_id}", "{evaluation}")
            .replace("{proposal_id}", "{proposal}"),
        )
        for path, operations in app.openapi()["paths"].items()
        if path.startswith("/api/v1")
        for method in operations
    }
    tested = {
        (
            m,
            p.replace("{placement_to_end}", "{placement}")
            .replace("{item_to_accept}", "{item}")
            .replace("{item_to_reject}", "{item}")
            .replace("{entry_approve}", "{entry}")  # incentives
            .replace("{entry_hold}", "{entry}")
            .replace("{entry_refuse}", "{entry}")
            .replace("{entry_clawback}", "{entry}")
            .replace("{entry_object}", "{entry}")
            .partition("?")[0],
        )
        for m, p, _, _ in CASES
    } | COVERED_ELSEWHERE
    assert routes == tested


# Who reads the current ETag of what a PATCH changes: each role then sends it as If-Match, as a client must.
ETAG_READER = {
    "/workers/{worker}": "county",
    "/vacancies/{vacancy}": "employer",
    "/placements/{placement_to_end}": "county",
    "/incentives/rules/{rule}": "province",  # incentives
    "/pairings/{pairing}": "province",
    "/pairings/{liuzhou_pairing}/actions/{action}": "province",
    # training
    "/training/demands/{demand_id}": "employer",
    "/training/classes/{class_id}": "school",
    "/training/enrolments/{enrolment_id}": "school",
    # one-stop services
    "/service-tasks/{task_id}": "employer",
}


@pytest.mark.parametrize("role", ROLES)
def test_role_against_every_route(client, tenants, world, role):
    headers = tenants[role].headers
    failures = []
    for method, template, body_kind, expected in CASES:
        path = "/api/v1" + template.format(**world.ids)
        sent = headers
        if method == "PATCH":
            current = client.get(path, headers=tenants[ETAG_READER[template]].headers)
            sent = {**headers, "If-Match": current.headers["ETag"]}
        elif body_kind == "service_template":  # one-stop services: PUT replaces a version the caller read
            sent = {**headers, "If-Match": client.get(path, headers=tenants["province"].headers).headers["ETag"]}
        elif body_kind == "occupation":  # If-Match is required: send the vacancy's current tag, as its reader would
            tag = client.get(path.removesuffix("/occupation"), headers=tenants["employer"].headers).headers["ETag"]
            sent = {**headers, "If-Match": tag}
        resp = client.request(method, path, json=_body(body_kind, role, world), headers=sent)
        if resp.status_code != expected[role]:
            failures.append(f"{method} {template}: {resp.status_code} != {expected[role]} {resp.text[:200]}")
        if resp.status_code in (403, 404):
            assert resp.json()["error"] in ("forbidden", "not_found")
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize(
    ("role", "sees"),
    [
        ("county", True),
        ("other_county", False),
        ("employer", True),
        ("other_employer", False),
        ("agency", True),
        ("province", True),
    ],
)
def test_lists_show_only_what_the_wall_allows(client, tenants, world, role, sees):
    placements = client.get("/api/v1/placements", headers=tenants[role].headers).json()["items"]
    assert (world.ids["placement"] in {p["id"] for p in placements}) is sees
    if role in ("county", "other_county", "province"):
        workers = client.get("/api/v1/workers", headers=tenants[role].headers).json()["items"]
        assert (world.ids["worker"] in {w["id"] for w in workers}) is sees
    if role in ("employer", "other_employer"):
        vacancies = client.get("/api/v1/vacancies", headers=tenants[role].headers).json()["items"]
        assert (world.ids["vacancy"] in {v["id"] for v in vacancies}) is sees


def test_closed_vacancies_leave_the_public_board(client, tenants, world):
    employer, county = tenants["employer"], tenants["county"]
    resp = client.post("/api/v1/vacancies", json=vacancy_payload(status="closed"), headers=employer.headers)
    closed = resp.json()["id"]
    assert client.get(f"/api/v1/vacancies/{closed}", headers=county.headers).status_code == 404
    assert client.get(f"/api/v1/vacancies/{closed}", headers=employer.headers).status_code == 200
    board = client.get("/api/v1/vacancies", headers=county.headers).json()["items"]
    assert closed not in {v["id"] for v in board}


@pytest.mark.parametrize("method, template", [(m, p) for m, p, _, _ in CASES])
def test_no_key_or_a_bad_key_is_401(client, world, method, template):
    path = "/api/v1" + template.format(**world.ids)
    assert client.request(method, path).status_code == 401
    resp = client.request(method, path, headers={"Authorization": "Bearer lb_00000000_not-a-real-key"})
    assert resp.status_code == 401
    assert resp.headers["WWW-Authenticate"] == "Bearer"


def test_out_of_range_query_values_are_422_not_a_crash(client, tenants):
    headers = tenants["county"].headers
    for path in (
        "/api/v1/occupations?limit=-384647533082342195200",
        "/api/v1/workers?limit=99999999999999999999",
        "/api/v1/placements?worker_id=99999999999999999999",
        "/api/v1/vacancies/99999999999999999999",
    ):
        resp = client.get(path, headers=headers)
        assert resp.status_code == 422, (path, resp.text)


def test_an_employer_cannot_place_a_worker_who_did_not_consent(client, tenants, world):
    body = {
        "worker_id": world.ids["free_worker_county"],
        "vacancy_id": world.ids["vacancy"],
        "start_date": "2026-11-02",
    }
    resp = client.post("/api/v1/placements", json=body, headers=tenants["employer"].headers)
    assert resp.status_code == 404 and resp.json()["error"] == "not_found"


def test_nul_characters_are_422_on_every_kind_of_input(client, tenants):
    county, employer = tenants["county"], tenants["employer"]
    for resp in (
        client.post("/api/v1/workers", json=worker_payload(name="韦\x00"), headers=county.headers),
        client.post("/api/v1/workers", json=worker_payload(past_jobs=["普工\x00"]), headers=county.headers),
        client.post("/api/v1/vacancies", json=vacancy_payload(title="普工\x00"), headers=employer.headers),
        client.get("/api/v1/workers?external_id=%00", headers=county.headers),
        client.post(
            "/api/v1/workers/import",
            headers=county.headers,
            files={
                "file": (
                    "w.csv",
                    "外部编号 external_id,身份证号 id_number,姓名 name,户籍县 hukou_county,文化程度 education\n"
                    "A\x00,45022519950314123X,韦,450225,初中\n".encode(),
                    "text/csv",
                )
            },
        ),
    ):
        assert resp.status_code == 422, resp.text
        assert "NUL" in resp.text
