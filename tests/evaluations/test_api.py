"""The quarterly evaluation over HTTP: alerts from API-made placements, the review workflow, walls, export, errors."""

import io
from datetime import timedelta

import pytest
from openpyxl import load_workbook

from app.clock import today
from tests.evaluations.conftest import QUARTER


def test_below_target_alerts_and_the_review_flag_for_two_quarters_in_a_row(quarter):
    rongshui, zhongshan = quarter["rongshui"], quarter["zhongshan"]
    target = round(40 * 92 / 365, 1)
    assert rongshui["indicators"]["placements"] == 3 and rongshui["indicators"]["target_quarter"] == target
    assert rongshui["indicators"]["low_income_placements"] == 2  # the 9th and 11th hires (i = 8, 10)
    assert rongshui["below_target"] and not rongshui["review_flag"]  # Q2: 8 of 9.97 was on track
    assert rongshui["trend"] == {
        "previous_quarter": "2026-Q2", "in_force": True, "placements": 8, "target_share": round(8 / (40 * 91 / 365), 4),
        "score": rongshui["trend"]["score"], "below_target": False, "placements_change": -5,
        "target_share_change": round(rongshui["indicators"]["target_share"] - round(8 / (40 * 91 / 365), 4), 4),
        "score_change": round(rongshui["score"] - rongshui["trend"]["score"], 1),
    }  # fmt: skip
    assert zhongshan["below_target"] and zhongshan["review_flag"]
    assert rongshui["status"] == "draft" and rongshui["status_label"] == "草稿 / Draft"
    assert rongshui["grade_label"].startswith(("优秀", "良好", "合格", "不合格"))
    assert set(rongshui["components"]) == {"target", "lasted_180", "low_income", "lifted", "rights", "training"}


def test_the_workflow_to_final_raises_a_rectification_and_then_nothing_changes(client, tenants, quarter):
    province = tenants["province"]
    path = f"/api/v1/evaluations/{quarter['rongshui']['id']}"

    def step(to: str, comment: str = "意见", expect: int = 201, **headers: str):
        resp = client.post(f"{path}/transitions", json={"to_status": to, "comment": comment},
                           headers={**province.headers, **headers})  # fmt: skip
        assert resp.status_code == expect, resp.text
        return resp

    assert step("final", expect=409).json()["detail"][0]["field"] == "to_status"  # a draft is not final yet
    step("已提交", "提交审核")  # the Chinese label is accepted
    step("draft", "数据待核实，退回")  # sent back
    step("submitted", "已核实，重新提交")
    tag = client.get(path, headers=province.headers).headers["ETag"]
    step("reviewed", "审核通过", **{"If-Match": tag})
    step("final", "过期的版本", expect=412, **{"If-Match": tag})
    done = step("final", "定稿").json()
    assert done["status"] == "final"
    assert [(e["from_status"], e["to_status"]) for e in done["events"]] == [
        (None, "draft"), ("draft", "submitted"), ("submitted", "draft"), ("draft", "submitted"),
        ("submitted", "reviewed"), ("reviewed", "final"),
    ]  # fmt: skip
    assert [e["comment"] for e in done["events"]][1:] == [
        "提交审核",
        "数据待核实，退回",
        "已核实，重新提交",
        "审核通过",
        "定稿",
    ]
    action_id = done["rectification_action_id"]
    actions = client.get(f"/api/v1/pairings/{done['pairing_id']}/actions", headers=province.headers).json()["items"]
    (action,) = [a for a in actions if a["id"] == action_id]
    assert action["owner_org_id"] == province.org_id and "2026-Q3" in action["issue"]
    assert action["due_date"] == (today() + timedelta(days=30)).isoformat()
    for to in ("draft", "submitted", "reviewed", "final"):
        assert step(to, expect=409).json()["message"].startswith("评估已定稿")
    rerun = client.post("/api/v1/evaluations/quarterly", json={"quarter": QUARTER}, headers=province.headers)
    assert rerun.status_code == 200 and rerun.json()["created"] == 0
    again = client.get(path, headers=province.headers).json()
    assert again == done


def test_a_step_needs_a_comment_and_a_known_status(client, tenants, quarter):
    path = f"/api/v1/evaluations/{quarter['rongshui']['id']}/transitions"
    for body, field in (({"to_status": "submitted", "comment": ""}, "comment"),
                        ({"to_status": "approved", "comment": "好"}, "to_status")):  # fmt: skip
        resp = client.post(path, json=body, headers=tenants["province"].headers)
        assert resp.status_code == 422 and resp.json()["detail"][0]["field"] == field
    assert (
        client.get(path.removesuffix("/transitions"), headers=tenants["province"].headers).json()["status"] == "draft"
    )


def test_a_retried_step_with_its_key_is_taken_once(client, tenants, quarter):
    path = f"/api/v1/evaluations/{quarter['rongshui']['id']}/transitions"
    headers = {**tenants["province"].headers, "Idempotency-Key": "submit-q3-rongshui"}
    body = {"to_status": "submitted", "comment": "提交"}
    first, retry = (client.post(path, json=body, headers=headers) for _ in range(2))
    assert first.status_code == retry.status_code == 201 and first.json() == retry.json()
    assert len(first.json()["events"]) == 2


def test_a_county_office_reads_the_evaluations_of_the_pairings_it_sends_through(client, tenants, quarter):
    mine, other = quarter["rongshui"], quarter["zhongshan"]
    listed = client.get(f"/api/v1/evaluations?quarter={QUARTER}", headers=tenants["county"].headers)
    assert listed.status_code == 200
    ids = {e["id"] for e in listed.json()["evaluations"]}
    assert mine["id"] in ids and other["id"] not in ids
    assert client.get(f"/api/v1/evaluations/{other['id']}", headers=tenants["county"].headers).status_code == 404
    assert client.get(f"/api/v1/evaluations?quarter={QUARTER}", headers=tenants["employer"].headers).status_code == 403
    drafted = client.get(f"/api/v1/evaluations?quarter={QUARTER}&status=草稿", headers=tenants["province"].headers)
    assert {mine["id"], other["id"]} <= {e["id"] for e in drafted.json()["evaluations"]}


def test_the_xlsx_export_holds_the_listed_figures_and_is_the_same_bytes_each_time(client, tenants, quarter):
    headers = tenants["province"].headers
    first, again = (client.get(f"/api/v1/evaluations?quarter={QUARTER}&format=xlsx", headers=headers) for _ in "ab")
    assert first.status_code == 200 and first.content == again.content
    assert "quarterly-2026-Q3.xlsx" in first.headers["content-disposition"]
    book = load_workbook(io.BytesIO(first.content))
    assert book.sheetnames == ["季度评估 evaluations", "分项得分 components", "口径 definitions"]
    listed = client.get(f"/api/v1/evaluations?quarter={QUARTER}", headers=headers).json()["evaluations"]
    rows = list(book["季度评估 evaluations"].iter_rows(min_row=2, values_only=True))
    assert [(r[1], r[6], r[8]) for r in rows] == [
        (e["pairing_id"], e["score"], e["indicators"]["placements"]) for e in listed
    ]


@pytest.mark.parametrize(
    ("quarter_text", "words"), [("2026-Q5", "YYYY-Qn"), ("Q3", "YYYY-Qn"), ("2999-Q1", "not ended")]
)
def test_a_bad_or_unfinished_quarter_is_a_clear_422(client, tenants, quarter_text, words):
    for resp in (
        client.post(
            "/api/v1/evaluations/quarterly", json={"quarter": quarter_text}, headers=tenants["province"].headers
        ),
        client.get(f"/api/v1/evaluations?quarter={quarter_text}", headers=tenants["province"].headers),
    ):
        assert resp.status_code == 422
        detail = resp.json()["detail"][0]
        assert detail["field"] == "quarter" and words in detail["message_en"]
