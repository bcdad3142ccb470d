"""An open wage-arrears case holds the employer's new accruals; they are released when no case is open any more."""

import threading

from tests.incentives.conftest import accrue, post_rule

API = "/api/v1/incentives"
EMPLOYER_RULE = {"beneficiary": "employer", "conditions": {}, "exclusions": [], "limits": {}, "amount_fen": 100_000}


def _statuses(client, tenant) -> dict[tuple[str, int], str]:
    items = client.get(f"{API}/ledger", headers=tenant.headers, params={"kind": "accrual"}).json()["items"]
    return {(e["beneficiary_kind"], e["placement_id"]): e["status"] for e in items}


def test_arrears_hold_the_employers_accruals_only_and_release_them_when_the_case_closes(client, tenants, placed, db):
    province, county = tenants["province"], tenants["county"]
    post_rule(client, province, name="吸纳脱贫劳动力稳岗补贴", **EMPLOYER_RULE)
    post_rule(client, province)  # the worker's transport subsidy, on the same placements
    case = client.post(
        "/api/v1/cases",
        json={"kind": "wage_arrears", "summary": "拖欠两个月工资", "placement_id": placed.ids["stays"]},
        headers=county.headers,
    )
    assert case.status_code == 201, case.text
    run = accrue(db, "2026-12-01")
    assert run["held"] == run["created"] - 1 >= 1  # every employer accrual; not the worker's one
    statuses = _statuses(client, province)
    assert statuses[("worker", placed.ids["stays"])] == "accrued"
    employer_entries = {k: v for k, v in statuses.items() if k[0] == "employer"}
    assert employer_entries and set(employer_entries.values()) == {"held"}
    reasons = [
        e["reason"]
        for e in client.get(f"{API}/ledger", headers=province.headers, params={"kind": "hold"}).json()["items"]
    ]
    assert reasons and all("欠薪" in r and f"#{case.json()['id']}" in r for r in reasons)
    assert accrue(db, "2026-12-01")["held"] == 0  # held once, not again
    resp = client.post(
        f"/api/v1/cases/{case.json()['id']}/events",
        json={"action": "withdraw", "reason": "本人撤回"},
        headers=county.headers,
    )
    assert resp.status_code == 201, resp.text
    run = accrue(db, "2026-12-01")
    assert run["released"] == len(employer_entries) and run["held"] == 0
    assert set(v for k, v in _statuses(client, province).items() if k[0] == "employer") == {"accrued"}


def test_two_runs_at_once_hold_each_entry_once(client, tenants, placed, db):
    province, county = tenants["province"], tenants["county"]
    post_rule(client, province, name="吸纳脱贫劳动力稳岗补贴", **EMPLOYER_RULE)
    created = accrue(db, "2026-12-01")["created"]
    case = client.post(
        "/api/v1/cases",
        json={"kind": "wage_arrears", "summary": "拖欠两个月工资", "placement_id": placed.ids["stays"]},
        headers=county.headers,
    )
    assert case.status_code == 201, case.text
    start = threading.Barrier(2)
    runs: list[dict] = []

    def run() -> None:
        start.wait()
        runs.append(accrue(db, "2026-12-01"))

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert len(runs) == 2 and sorted(r["held"] for r in runs) == [0, created]
    holds = client.get(f"{API}/ledger", headers=province.headers, params={"kind": "hold"}).json()["items"]
    assert len(holds) == created
