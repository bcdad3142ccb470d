"""Incentives end to end over HTTP: rules and versions, accrual, walls, publicity, approval, batches, payment."""

import io
import json

import pytest
from openpyxl import load_workbook

from app.cli import main
from tests.incentives.conftest import accrue, post_rule, worker_rule

API = "/api/v1/incentives"


class TestRules:
    def test_a_province_writes_its_own_rules_and_an_edit_is_a_new_version(self, client, tenants, make_tenant):
        province = tenants["province"]
        rule = post_rule(client, province, beneficiary="经纪人", trigger="稳岗")  # Chinese words are accepted
        assert rule["version"] == 1 and rule["beneficiary"] == "broker" and rule["trigger"] == "continuous_days"
        assert rule["beneficiary_label"] == "劳务经纪人 / Labour broker"
        guangdong = make_tenant("provincial_office", "440000", "广东省东西部协作办公室")
        resp = client.post(f"{API}/rules", json=worker_rule(), headers=guangdong.headers)
        assert resp.status_code == 422 and resp.json()["detail"][0]["field"] == "province_code"
        path = f"{API}/rules/{rule['id']}"
        edit = {k: v for k, v in worker_rule(amount_fen=50_000).items() if k != "province_code"}
        assert client.patch(path, json=edit, headers=guangdong.headers | {"If-Match": "*"}).status_code == 404
        tag = client.get(path, headers=province.headers).headers["ETag"]
        resp = client.patch(path, json=edit, headers=province.headers | {"If-Match": tag})
        assert resp.status_code == 200 and resp.json()["version"] == 2 and resp.json()["amount_fen"] == 50_000
        assert client.patch(path, json=edit, headers=province.headers | {"If-Match": tag}).status_code == 412
        listed = client.get(f"{API}/rules", headers=tenants["county"].headers).json()["items"]
        assert [(r["id"], r["version"]) for r in listed] == [(rule["id"], 2)]

    def test_bad_rules_are_refused_field_by_field_in_both_languages(self, client, tenants):
        province = tenants["province"]
        resp = client.post(f"{API}/rules", json=worker_rule(days=None), headers=province.headers)
        assert resp.status_code == 422 and "days" in resp.json()["message"] + json.dumps(resp.json()["detail"])
        resp = client.post(f"{API}/rules", json=worker_rule(beneficiary="boss"), headers=province.headers)
        assert resp.status_code == 422 and "劳务经纪人" in resp.json()["detail"][0]["message"]
        resp = client.post(f"{API}/rules", json=worker_rule(amount_fen=400.5), headers=province.headers)
        assert resp.status_code == 422
        assert client.post(f"{API}/rules", json=worker_rule(), headers=tenants["county"].headers).status_code == 403


class TestAccrual:
    def test_milestones_accrue_once_and_a_worker_who_left_early_earns_nothing(self, client, tenants, db, placed):
        province, county = tenants["province"], tenants["county"]
        rule = post_rule(client, province)
        first = accrue(db)
        assert first["created"] == 1 and first["amount_fen"] == 40_000 and first["skipped_training"] is False
        entries = client.get(f"{API}/ledger", headers=county.headers).json()["items"]
        # left_early ended before day 90; free_ride used free transport; not_poor is not a registered household.
        assert [(e["placement_id"], e["milestone"], e["rule_version"]) for e in entries] == [
            (placed.ids["stays"], "day_90", 1)
        ]
        assert entries[0]["status"] == "accrued" and entries[0]["milestone_label"] == "连续就业满90天 / 90 days in work"
        assert accrue(db)["created"] == 0  # re-running finds nothing new
        tag = client.get(f"{API}/rules/{rule['id']}", headers=province.headers).headers["ETag"]
        edit = {k: v for k, v in worker_rule(amount_fen=90_000).items() if k != "province_code"}
        client.patch(f"{API}/rules/{rule['id']}", json=edit, headers=province.headers | {"If-Match": tag})
        assert accrue(db)["created"] == 0  # a new version does not pay the same milestone again
        entries = client.get(f"{API}/ledger", headers=province.headers).json()["items"]
        assert [(e["amount_fen"], e["rule_version"]) for e in entries] == [(40_000, 1)]

    def test_the_cli_accrues_and_reports_spend_per_placement_that_lasted(
        self, client, tenants, db, placed, cli_env, capsys
    ):
        post_rule(client, tenants["province"], days=180, amount_fen=100_000)
        assert main(["incentives", "accrue", "--as-of", "2026-12-01"]) == 0
        assert json.loads(capsys.readouterr().out)["created"] == 1
        assert main(["incentives", "cost", "--from", "2026-01-01", "--to", "2026-06-01", "--as-of", "2026-12-01"]) == 0
        cost = json.loads(capsys.readouterr().out)
        # Three of four placements lasted 180 days (left_early did not); one of them earned ¥1,000.
        assert cost["lasted"] == 3 and cost["spend_fen"] == 100_000 and cost["spend_per_lasting_fen"] == 33_333
        (row,) = cost["by_county_channel"]
        assert row["county_code"] == "450225" and row["channel"] == "cross_region" and row["placements"] == 4

    def test_a_referral_reward_goes_to_the_referrer_only(self, client, tenants, db, placed):
        post_rule(client, tenants["province"], beneficiary="agency", conditions={}, exclusions=[], limits={})
        assert accrue(db)["created"] == 1  # stays reached day 90 via the agency; left_early did not
        mine = client.get(f"{API}/ledger", headers=tenants["agency"].headers).json()["items"]
        assert [(e["placement_id"], e["org_id"]) for e in mine] == [(placed.ids["stays"], tenants["agency"].org_id)]
        assert client.get(f"{API}/ledger", headers=tenants["broker"].headers).json()["items"] == []
        assert client.get(f"{API}/ledger", headers=tenants["other_county"].headers).json()["items"] == []

    def test_simulation_prices_a_rule_without_writing(self, client, tenants, db, placed):
        rule = post_rule(client, tenants["province"], conditions={}, exclusions=[], limits={})
        resp = client.post(
            f"{API}/rules/{rule['id']}/simulate?from=2026-01-01&to=2026-12-01", headers=tenants["province"].headers
        )
        assert resp.status_code == 200, resp.text
        # Every placement but left_early reached day 90 when nothing excludes it.
        assert resp.json()["entries"] == 3 and resp.json()["amount_fen"] == 120_000 and resp.json()["from"]
        assert client.get(f"{API}/ledger", headers=tenants["province"].headers).json()["items"] == []


class TestFlow:
    @pytest.fixture
    def entry(self, client, tenants, db, placed) -> int:
        post_rule(client, tenants["province"])
        accrue(db)
        (only,) = client.get(f"{API}/ledger?kind=accrual", headers=tenants["county"].headers).json()["items"]
        return int(only["id"])

    def test_publicity_holds_approval_back(self, client, tenants, db, placed):
        post_rule(client, tenants["province"], publicity_days=7)
        accrue(db, as_of="2026-12-03")
        (entry,) = client.get(f"{API}/ledger", headers=tenants["county"].headers).json()["items"]
        assert entry["status"] == "in_publicity"
        resp = client.post(f"{API}/ledger/{entry['id']}/approve", headers=tenants["county"].headers)
        assert resp.status_code == 409 and "公示" in resp.json()["message"]
        resp = client.post(
            f"{API}/ledger/{entry['id']}/object", json={"reason": "本人已回乡"}, headers=tenants["county"].headers
        )
        assert resp.status_code == 201 and resp.json()["kind"] == "hold"
        assert (
            client.get(f"{API}/ledger?status=held", headers=tenants["county"].headers).json()["items"][0]["id"]
            == entry["id"]
        )

    def test_approve_batch_export_and_pay(self, client, tenants, entry):
        county, province = tenants["county"], tenants["province"]
        assert client.post(f"{API}/ledger/{entry}/approve", headers=tenants["other_county"].headers).status_code == 404
        assert client.post(f"{API}/ledger/{entry}/approve", headers=tenants["employer"].headers).status_code == 403
        resp = client.post(
            f"{API}/ledger/approve", json={"ids": [entry]}, headers=county.headers | {"Idempotency-Key": "k1"}
        )
        assert resp.status_code == 200 and resp.json()[0]["kind"] == "approval"
        again = client.post(
            f"{API}/ledger/approve", json={"ids": [entry]}, headers=county.headers | {"Idempotency-Key": "k1"}
        )
        assert again.status_code == 200 and again.json() == resp.json()  # a retry: nothing recorded twice
        assert client.post(f"{API}/ledger/approve", json={"ids": [entry]}, headers=county.headers).status_code == 422
        resp = client.post(f"{API}/batches", json={}, headers=province.headers)
        assert resp.status_code == 201 and resp.json()["entries"] == 1 and resp.json()["amount_fen"] == 40_000
        batch = resp.json()["id"]
        assert client.post(f"{API}/batches", json={}, headers=province.headers).status_code == 409  # already batched
        sheet = client.get(f"{API}/batches/{batch}?format=xlsx", headers=province.headers)
        assert sheet.status_code == 200
        rows = list(load_workbook(io.BytesIO(sheet.content)).active.values)
        assert rows[0][:4] == ("收款方", "身份证号", "收款账号", "金额（元）")
        assert rows[1][1].startswith("450225") and "*" in rows[1][1] and rows[1][3] == "400.00"
        assert client.get(f"{API}/batches/{batch}?format=xlsx&reveal=pii", headers=province.headers).status_code == 403
        resp = client.post(
            f"{API}/batches/{batch}/paid", json={"payment_reference": "GX-2026-001"}, headers=province.headers
        )
        assert resp.status_code == 200 and resp.json()["paid_at"]
        assert client.post(f"{API}/batches/{batch}/paid", json={}, headers=province.headers).status_code == 409
        (accrual,) = client.get(f"{API}/ledger?kind=accrual", headers=county.headers).json()["items"]
        assert accrual["status"] == "paid"
        kinds = [e["kind"] for e in client.get(f"{API}/ledger", headers=province.headers).json()["items"]]
        assert kinds == ["accrual", "approval", "payment"]

    def test_refusal_needs_a_reason_and_writes_a_reversal(self, client, tenants, entry):
        county = tenants["county"]
        assert client.post(f"{API}/ledger/{entry}/refuse", json={}, headers=county.headers).status_code == 422
        resp = client.post(f"{API}/ledger/{entry}/refuse", json={"reason": "重复登记"}, headers=county.headers)
        assert resp.status_code == 201 and resp.json()["kind"] == "reversal" and resp.json()["amount_fen"] == -40_000
        (accrual,) = client.get(f"{API}/ledger?kind=accrual", headers=county.headers).json()["items"]
        assert accrual["status"] == "reversed" and accrual["amount_fen"] == 40_000  # the accrual itself is unchanged
        assert client.post(f"{API}/ledger/{entry}/approve", headers=county.headers).status_code == 409

    def test_clawback_is_the_provinces_with_a_ground(self, client, tenants, entry):
        body = {"ground": "骗取", "reason": "就业记录不实"}
        assert (
            client.post(f"{API}/ledger/{entry}/clawback", json=body, headers=tenants["county"].headers).status_code
            == 403
        )
        resp = client.post(f"{API}/ledger/{entry}/clawback", json=body, headers=tenants["province"].headers)
        assert (
            resp.status_code == 201 and resp.json()["kind"] == "clawback" and resp.json()["reason"].startswith("骗取")
        )

    def test_hold_and_release(self, client, tenants, entry):
        county = tenants["county"]
        assert (
            client.post(f"{API}/ledger/{entry}/hold", json={"reason": "核实中"}, headers=county.headers).status_code
            == 201
        )
        assert client.post(f"{API}/ledger/{entry}/approve", headers=county.headers).status_code == 409
        assert client.post(f"{API}/ledger/{entry}/release", headers=county.headers).status_code == 201
        assert client.post(f"{API}/ledger/{entry}/approve", headers=county.headers).status_code == 201

    def test_balance_is_the_callers_own(self, client, tenants, db, placed):
        post_rule(client, tenants["province"], beneficiary="agency", conditions={}, exclusions=[], limits={})
        accrue(db)
        balance = client.get(f"{API}/balance", headers=tenants["agency"].headers).json()
        assert balance["accrued_fen"] == 40_000 and balance["paid_fen"] == 0
        assert client.get(f"{API}/balance", headers=tenants["broker"].headers).json()["accrued_fen"] == 0
        assert client.get(f"{API}/balance", headers=tenants["county"].headers).status_code == 403


class TestMore:
    def test_bulk_approval_is_all_or_nothing(self, client, tenants, db, placed):
        post_rule(client, tenants["province"], conditions={}, exclusions=[], limits={})
        accrue(db)
        ids = [e["id"] for e in client.get(f"{API}/ledger", headers=tenants["county"].headers).json()["items"]]
        assert len(ids) == 3
        resp = client.post(f"{API}/ledger/approve", json={"ids": [*ids, 999_999]}, headers=tenants["county"].headers)
        assert resp.status_code == 422 and resp.json()["detail"][0]["field"] == "ids.3"
        statuses = {e["status"] for e in client.get(f"{API}/ledger", headers=tenants["county"].headers).json()["items"]}
        assert statuses == {"accrued"}  # none of the three was approved

    def test_demo_rules_from_the_cli_and_training_rules_wait_for_enrolments(
        self, client, tenants, db, placed, cli_env, capsys
    ):
        assert main(["incentives", "demo-rules", "--org-id", str(tenants["province"].org_id)]) == 0
        assert len(json.loads(capsys.readouterr().out)["rule_ids"]) == 5
        rules = client.get(f"{API}/rules", headers=tenants["station"].headers).json()["items"]
        assert {r["trigger"] for r in rules} == {"continuous_days", "training_completed"}
        assert all("illustrative" in r["source"] for r in rules)
        assert main(["incentives", "accrue", "--as-of", "2026-12-01"]) == 0
        run = json.loads(capsys.readouterr().out)
        assert run["skipped_training"] is False
        entries = client.get(f"{API}/ledger?limit=500", headers=tenants["province"].headers).json()["items"]
        # ¥400 to the worker who stayed (not the free-transport ride, not the non-registered household), ¥300 to
        # the agency that referred them; the ticket rule waits for claims, the training rule for enrolments.
        assert sorted((e["beneficiary_kind"], e["amount_fen"]) for e in entries) == [
            ("agency", 30_000),
            ("worker", 40_000),
        ]
