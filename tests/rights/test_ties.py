"""Where a case meets the rest of the product: opening from a placement or an escalated flag, the wage check an
open arrears case adds to the at-risk list, and re-matching that does not offer an employer the worker has a case
against."""

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from app.clock import today
from app.db import utcnow
from app.departure.models import FlagReview, PlacementRisk
from app.orgs import service as orgs
from app.rights.models import CaseEvent, RightsCase
from tests.factories import Tenant, patch_fresh, vacancy_payload, worker_payload


def _counts(db) -> tuple[int, int, int]:  # type: ignore[no-untyped-def]
    with db.session() as session:
        return tuple(  # type: ignore[return-value]
            int(session.scalar(select(func.count()).select_from(model)) or 0)
            for model in (FlagReview, RightsCase, CaseEvent)
        )


def _place(api, who: str, vacancy_id: int, start: str = "2026-09-01", **extra: Any) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    """A new worker of the county placed into the vacancy: (worker id, placement id)."""
    resp = api("POST", "/workers", "county", worker_payload())
    assert resp.status_code == 201, resp.text
    worker_id = resp.json()["id"]
    resp = api(
        "POST", "/placements", who, {"worker_id": worker_id, "vacancy_id": vacancy_id, "start_date": start, **extra}
    )
    assert resp.status_code == 201, resp.text
    return worker_id, resp.json()["id"]


def _vacancy(api, who: str, **overrides: Any) -> int:  # type: ignore[no-untyped-def]
    resp = api("POST", "/vacancies", who, vacancy_payload(**overrides))
    assert resp.status_code == 201, resp.text
    return int(resp.json()["id"])


def _withdraw(api, case_id: int, who: str = "county") -> None:  # type: ignore[no-untyped-def]
    resp = api("POST", f"/cases/{case_id}/events", who, {"action": "withdraw", "reason": "本人撤回"})
    assert resp.status_code == 201, resp.text


@pytest.fixture(scope="module")
def other_employer(db, people) -> Tenant:  # type: ignore[no-untyped-def]
    """A second Guangdong employer, with no case against it."""
    with db.session() as session, session.begin():
        org, key = orgs.create_org(session, "employer", "440306", "宝安电子厂 440306", [])
    people["other_employer"] = Tenant(org.id, key, "employer", "440306")
    return people["other_employer"]


# --- from_placement ------------------------------------------------------------------------------------------------


class TestFromPlacement:
    def test_from_placement_fills_worker_employer_agency_and_jurisdiction(self, api, people, placed):
        body = {"kind": "wage_arrears", "summary": "拖欠两个月工资", "from_placement": placed["placement_id"]}
        resp = api("POST", "/cases", "county", body)
        assert resp.status_code == 201, resp.text
        case = resp.json()
        assert case["placement_id"] == placed["placement_id"] and case["worker_id"] == placed["worker_id"]
        assert case["employer_id"] == people["employer"].org_id and case["agency_id"] == people["agency"].org_id
        assert case["jurisdiction_county"] == "441900" and case["home_county"] == "450225"
        _withdraw(api, case["id"])

    def test_from_placement_keeps_the_placement_walls(self, api, db, placed):
        body = {"kind": "contract", "summary": "未签合同", "from_placement": placed["placement_id"]}
        before = _counts(db)
        assert api("POST", "/cases", "other_county", body).status_code == 404
        assert _counts(db) == before

    def test_from_placement_and_a_different_placement_id_is_422(self, api, db, placed):
        body = {
            "kind": "contract",
            "summary": "未签合同",
            "from_placement": placed["placement_id"],
            "placement_id": placed["placement_id"] + 1000,
        }
        resp = api("POST", "/cases", "county", body)
        assert resp.status_code == 422 and resp.json()["detail"][0]["field"] == "from_placement"


# --- an escalated flag review opens a case ------------------------------------------------------------------------


class TestEscalatedReviewOpensACase:
    def test_escalated_with_open_case_writes_the_review_the_case_and_its_open_event(self, api, db, people, placed):
        url = f"/placements/{placed['placement_id']}/flag-reviews"
        body = {"decision": "escalated", "note": "反映欠薪", "open_case": {"kind": "wage_arrears", "summary": "欠薪"}}
        before = _counts(db)
        resp = api("POST", url, "county", body)
        assert resp.status_code == 201, resp.text
        answer = resp.json()
        assert answer["decision"] == "escalated" and answer["placement_id"] == placed["placement_id"]
        case = answer["opened_case"]
        assert (case["kind"], case["status"], case["summary"]) == ("wage_arrears", "open", "欠薪")
        assert case["worker_id"] == placed["worker_id"] and case["employer_id"] == people["employer"].org_id
        assert [e["action"] for e in case["events"]] == ["open"]
        assert _counts(db) == (before[0] + 1, before[1] + 1, before[2] + 1)
        assert api("GET", f"/cases/{case['id']}", "county").json()["placement_id"] == placed["placement_id"]
        _withdraw(api, case["id"])

    def test_a_retry_with_the_same_key_makes_one_review_and_one_case(self, api, db, placed):
        url = f"/placements/{placed['placement_id']}/flag-reviews"
        body = {"decision": "escalated", "open_case": {"kind": "contract", "summary": "未签书面合同"}}
        key = {"Idempotency-Key": "escalate-and-open-1"}
        first = api("POST", url, "county", body, key)
        assert first.status_code == 201, first.text
        after_first = _counts(db)
        again = api("POST", url, "county", body, key)
        assert again.status_code == 201 and again.json() == first.json()
        assert _counts(db) == after_first
        _withdraw(api, first.json()["opened_case"]["id"])

    def test_a_case_that_cannot_open_leaves_no_review_either(self, api, db, people):
        # No referrer on this placement: an agency-misconduct case has no agency to name, so it fails after the
        # review was already flushed; the request must write neither.
        _, placement_id = _place(api, "county", _vacancy(api, "employer"))
        body = {"decision": "escalated", "open_case": {"kind": "agency_misconduct", "summary": "黑中介"}}
        before = _counts(db)
        resp = api("POST", f"/placements/{placement_id}/flag-reviews", "county", body)
        assert resp.status_code == 422, resp.text
        assert resp.json()["detail"][0]["field"] == "agency_id"
        assert _counts(db) == before

    @pytest.mark.parametrize("decision", ["contacted", "dismissed"])
    def test_open_case_goes_only_with_escalated(self, api, db, placed, decision):
        body = {"decision": decision, "open_case": {"kind": "wage_arrears", "summary": "欠薪"}}
        before = _counts(db)
        resp = api("POST", f"/placements/{placed['placement_id']}/flag-reviews", "county", body)
        assert resp.status_code == 422, resp.text
        detail = resp.json()["detail"][0]
        assert detail["field"] == "open_case" and detail["message_zh"] and detail["message_en"]
        assert _counts(db) == before

    def test_a_bad_case_kind_is_422_and_writes_nothing(self, api, db, placed):
        body = {"decision": "escalated", "open_case": {"kind": "unpaid_overtime", "summary": "加班费"}}
        before = _counts(db)
        resp = api("POST", f"/placements/{placed['placement_id']}/flag-reviews", "county", body)
        assert resp.status_code == 422 and _counts(db) == before

    def test_an_escalation_without_open_case_opens_none(self, api, db, placed):
        before = _counts(db)
        resp = api("POST", f"/placements/{placed['placement_id']}/flag-reviews", "county", {"decision": "escalated"})
        assert resp.status_code == 201 and resp.json()["opened_case"] is None
        assert _counts(db) == (before[0] + 1, before[1], before[2])


# --- an open wage-arrears case at the employer, on the at-risk list -----------------------------------------------


def _score(db, placement_id: int, risk_90: float) -> None:  # type: ignore[no-untyped-def]
    """A stored score, as the weekly batch leaves one (the list reads scores; it never computes them)."""
    with db.session() as session, session.begin():
        session.merge(
            PlacementRisk(
                placement_id=placement_id,
                risk_30=None,
                risk_90=risk_90,
                risk_180=min(risk_90 + 0.1, 1.0),
                reasons=[{"code": "wage_gap", "zh": "工资低于本人期望", "en": "pay is below what the worker expects"}],
                action="call",
                model_version="test-1",
                scored_at=utcnow(),
            )
        )


def _at_risk(mclient, tenant: Tenant) -> dict[int, dict[str, Any]]:  # type: ignore[no-untyped-def]
    resp = mclient.get("/api/v1/placements/at-risk?horizon=90&limit=100", headers=tenant.headers)
    assert resp.status_code == 200, resp.text
    return {item["placement_id"]: item for item in resp.json()["items"]}


def test_an_open_arrears_case_adds_check_wages_beside_an_unchanged_probability(
    api, db, mclient, people, other_employer
):
    at_a = [_place(api, "county", _vacancy(api, "employer"))[1] for _ in range(2)]
    at_b = _place(api, "county", _vacancy(api, "other_employer"))[1]
    for pid, risk in zip((*at_a, at_b), (0.41, 0.22, 0.35), strict=True):
        _score(db, pid, risk)
    before = _at_risk(mclient, people["county"])
    assert all(before[p]["rule_actions"] == [] for p in (*at_a, at_b))
    # The case is on one placement; every active placement at that employer gains the reason and the action.
    resp = api("POST", "/cases", "county", {"kind": "wage_arrears", "summary": "欠薪", "placement_id": at_a[0]})
    assert resp.status_code == 201, resp.text
    case_id = resp.json()["id"]
    after = _at_risk(mclient, people["county"])
    for pid in at_a:
        assert after[pid]["probability"] == before[pid]["probability"]
        assert after[pid]["action"] == before[pid]["action"]
        assert after[pid]["rule_actions"] == [{"code": "check_wages", "label": "核查工资发放 / Check wages"}]
        codes = [r["code"] for r in after[pid]["reasons"]]
        assert codes == ["wage_gap", "open_wage_case"]
        assert after[pid]["reasons"][-1]["zh"] and after[pid]["reasons"][-1]["en"]
    assert after[at_b] == before[at_b]  # another employer's placements are untouched
    province = _at_risk(mclient, people["province"])
    assert province[at_a[1]]["rule_actions"][0]["code"] == "check_wages"
    # The employer's own list shows job reasons only, as before.
    mine = _at_risk(mclient, people["employer"])
    assert "open_wage_case" not in [r["code"] for r in mine[at_a[1]]["reasons"]]
    # Another kind of case adds nothing; a closed arrears case no longer counts.
    _withdraw(api, case_id)
    other = api("POST", "/cases", "county", {"kind": "contract", "summary": "合同", "placement_id": at_a[0]})
    assert other.status_code == 201
    closed = _at_risk(mclient, people["county"])
    assert all(closed[p]["rule_actions"] == [] and closed[p]["reasons"] == before[p]["reasons"] for p in at_a)
    _withdraw(api, other.json()["id"])


# --- re-matching -----------------------------------------------------------------------------------------------------


def test_an_employer_with_an_open_case_is_not_offered_to_that_worker(api, app, mclient, people, other_employer):
    app.state.matcher.forget()
    county = people["county"]
    against = _vacancy(api, "employer")
    same_employer = _vacancy(api, "employer")
    elsewhere = _vacancy(api, "other_employer")
    start = today() - timedelta(days=40)
    worker_id, placement_id = _place(api, "county", against, start=start.isoformat())
    ended = patch_fresh(
        mclient,
        f"/api/v1/placements/{placement_id}",
        json={"end_date": (start + timedelta(days=20)).isoformat(), "end_reason": "quit_conditions"},
        headers=county.headers,
    )
    assert ended.status_code == 200, ended.text
    bystander = api("POST", "/workers", "county", worker_payload()).json()["id"]

    def offered(worker: int) -> tuple[set[int], list[str]]:
        resp = mclient.get(f"/api/v1/workers/{worker}/matches?limit=100", headers=county.headers)
        assert resp.status_code == 200, resp.text
        body = resp.json()
        return {m["vacancy"]["id"] for m in body["items"]}, [a["en"] for a in body.get("adjustments", [])]

    shown, _ = offered(worker_id)
    assert {against, same_employer, elsewhere} <= shown  # no dispute, no case: the employer is offered
    resp = api("POST", "/cases", "county", {"kind": "contract", "summary": "违法解除", "from_placement": placement_id})
    assert resp.status_code == 201, resp.text
    shown, notes = offered(worker_id)
    assert elsewhere in shown and against not in shown and same_employer not in shown
    assert any("open rights case" in n for n in notes)
    assert {against, same_employer} <= offered(bystander)[0]  # only the worker with the case
    _withdraw(api, resp.json()["id"])
    assert {against, same_employer} <= offered(worker_id)[0]  # a closed case blocks no longer
    app.state.matcher.forget()


def test_an_employers_candidates_leave_out_the_worker_with_an_open_case_against_it(api, app, mclient, people):
    app.state.matcher.forget()
    vacancy = _vacancy(api, "employer")
    start = today() - timedelta(days=40)
    resp = api("POST", "/workers", "county", worker_payload(consent_to_share=True))
    claimant = resp.json()["id"]
    placed = api(
        "POST", "/placements", "county", {"worker_id": claimant, "vacancy_id": vacancy, "start_date": str(start)}
    )
    assert placed.status_code == 201, placed.text
    ended = patch_fresh(
        mclient,
        f"/api/v1/placements/{placed.json()['id']}",
        json={"end_date": (start + timedelta(days=20)).isoformat(), "end_reason": "quit_wage"},
        headers=people["county"].headers,
    )
    assert ended.status_code == 200, ended.text
    bystander = api("POST", "/workers", "county", worker_payload(consent_to_share=True)).json()["id"]

    def candidates() -> set[int]:
        app.state.matcher._pool_checked = -1e18  # skip the re-check interval: the pool's key decides
        resp = api("GET", f"/vacancies/{vacancy}/candidates?limit=100", "employer")
        assert resp.status_code == 200, resp.text
        return {item["worker"]["id"] for item in resp.json()["items"]}

    assert {claimant, bystander} <= candidates()
    case = api(
        "POST", "/cases", "county", {"kind": "wage_arrears", "summary": "欠薪", "from_placement": placed.json()["id"]}
    )
    assert case.status_code == 201, case.text
    shown = candidates()  # the cached pool is rebuilt: the case changed its key
    assert claimant not in shown and bystander in shown
    _withdraw(api, case.json()["id"])
    assert claimant in candidates()
    app.state.matcher.forget()
