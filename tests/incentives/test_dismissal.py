"""A dismissal records whether it was for cause; only one without cause lets the employer's subsidy be clawed back."""

from tests.incentives.conftest import accrue, post_rule

API = "/api/v1/incentives"
EMPLOYER_RULE = {"beneficiary": "employer", "conditions": {}, "exclusions": [], "limits": {}, "amount_fen": 100_000}


def _end(client, county, placement: int, **body):
    read = client.get(f"/api/v1/placements/{placement}", headers=county.headers)
    headers = {**county.headers, "If-Match": read.headers["ETag"]}
    return client.patch(f"/api/v1/placements/{placement}", json={"end_date": "2026-11-30", **body}, headers=headers)


def test_for_cause_is_said_only_with_a_dismissal(client, tenants, placed):
    county = tenants["county"]
    resp = _end(client, county, placed.ids["stays"], end_reason="quit_wage", for_cause=True)
    assert resp.status_code == 422 and resp.json()["detail"][0]["message_en"].startswith("for_cause is only")
    resp = _end(client, county, placed.ids["stays"], end_reason="被辞退", for_cause=False)
    assert resp.status_code == 200, resp.text
    assert (resp.json()["end_reason"], resp.json()["for_cause"]) == ("dismissed", False)


def test_a_clawback_for_dismissal_without_cause_needs_it_on_record(client, tenants, placed, db):
    province, county = tenants["province"], tenants["county"]
    post_rule(client, province, name="稳岗补贴", **EMPLOYER_RULE)
    accrue(db, "2026-12-01")
    entries = client.get(f"{API}/ledger", headers=province.headers, params={"kind": "accrual"}).json()["items"]
    by_placement = {e["placement_id"]: e["id"] for e in entries}
    body = {"ground": "dismissed_without_cause", "reason": "第100天无故辞退"}
    for name, end in (("stays", {"end_reason": "dismissed", "for_cause": False}),
                      ("free_ride", {"end_reason": "dismissed", "for_cause": True}),
                      ("not_poor", {"end_reason": "quit_wage"})):  # fmt: skip
        assert _end(client, county, placed.ids[name], **end).status_code == 200
    ok = client.post(f"{API}/ledger/{by_placement[placed.ids['stays']]}/clawback", json=body, headers=province.headers)
    assert ok.status_code == 201, ok.text
    assert ok.json()["amount_fen"] == -100_000 and ok.json()["reason"].startswith("企业无故辞退")
    for name in ("free_ride", "not_poor"):
        resp = client.post(
            f"{API}/ledger/{by_placement[placed.ids[name]]}/clawback", json=body, headers=province.headers
        )
        assert resp.status_code == 409 and "for_cause" in resp.text, name
