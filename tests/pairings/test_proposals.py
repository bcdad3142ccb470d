"""Proposals to adjust pairings: each kind from its evidence, its simulated effect equal to the allocator's under
the proposed pairings, the same ids from the same data; then over HTTP with walls and decisions."""

from datetime import date, timedelta

import pandas as pd
import pytest

from app.clock import today
from app.pairings import proposals
from app.pairings.service import PairingAt
from app.reports.schemas import Quarter
from matching import allocation, transport
from tests.factories import new_vacancy, new_worker

Q = Quarter(2026, 3)  # 92 days: an annual target of 40 allows 10 in the quarter


def _pairing(pid: int, east: str, west: str, annual: int) -> PairingAt:
    return PairingAt(pid, 1, date(2025, 1, 1), east, west, "prefecture", annual, False, None, None, None)


def _placements(hukou: str, county: str, n: int, duration: float, left: bool) -> pd.DataFrame:
    return pd.DataFrame({"hukou_county": hukou, "vacancy_county": county, "start_date": date(2026, 3, 1),
                         "duration": duration, "event": left}, index=range(n))  # fmt: skip


@pytest.fixture
def inputs() -> proposals.Inputs:
    """Shenzhen—Baise (cap 10) is full, Dongguan—Liuzhou (cap 101) has room, Foshan—Hezhou carries no one. Baise's
    workers stayed in Dongguan (40 of 40), Rongshui's left it early (40 of 40) but stayed near home (40 of 40)."""
    pairings = [_pairing(1, "440300", "451000", 40), _pairing(2, "441900", "450200", 400),
                _pairing(3, "440600", "451100", 40)]  # fmt: skip
    scores = pd.DataFrame(
        [("451002", "440300", 0.8), ("451002", "441900", 0.7), ("450225", "440300", 0.75), ("450225", "441900", 0.85)],
        columns=["origin", "destination", "score"],
    )
    started = pd.concat([
        _placements("451002", "441900", 40, 200, False),
        _placements("450225", "441900", 40, 20, True),
        _placements("450225", "450225", 40, 200, False),
    ], ignore_index=True)  # fmt: skip
    return proposals.Inputs(
        quarter=Q,
        pairings=pairings,
        supply=pd.DataFrame([("451002", "6-25", 30), ("450225", "6-25", 5)], columns=["origin", "family", "workers"]),
        demand=pd.DataFrame(
            [("440300", "6-25", 25), ("441900", "6-25", 20)], columns=["destination", "family", "places"]
        ),  # fmt: skip
        local_demand=pd.DataFrame([("450200", "6-25", 10)], columns=["destination", "family", "places"]),
        east_scores=scores,
        local_scores=pd.DataFrame([("450225", "450200", 0.9)], columns=["origin", "destination", "score"]),
        started=started,
        model={"kind": "test"},
        names={},
    )


def _by_kind(items: list[dict]) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for item in items:
        out.setdefault(item["kind"], []).append(item)
    return out


def test_each_kind_comes_from_its_evidence(inputs):
    proposer = proposals.Proposer(inputs)
    assert proposer.caps == {1: 10, 2: 101, 3: 10}
    assert proposer.before.expected_lasting == pytest.approx(10 * 0.8 + 5 * 0.85)
    kinds = _by_kind(proposer.all())
    (shift,) = kinds["target_shift"]
    assert shift["change"] | {"from_name": None, "to_name": None} == {
        "from_pairing_id": 2, "to_pairing_id": 1, "annual_target_moved": 40, "quarter_cap_moved": 10,
        "from_annual_target_after": 360,
        "to_annual_target_after": 80, "from_name": None, "to_name": None,
    }  # fmt: skip
    assert shift["simulated_effect"]["expected_lasting_after"] == pytest.approx(20 * 0.8 + 5 * 0.85)
    (link,) = kinds["new_link"]
    assert link["change"]["east_code"] == "441900" and link["change"]["west_code"] == "451000"
    assert link["evidence"]["route_retention_90"]["placements"] == 40
    assert link["evidence"]["route_retention_90"]["estimate"] == 1.0
    assert link["simulated_effect"]["expected_lasting_after"] == pytest.approx(10 * 0.8 + 15 * 0.7 + 5 * 0.85)
    assert link["change"]["annual_target"] == round(15 * 365 / 92)
    (retire,) = kinds["retire_link"]
    assert retire["change"]["pairing_id"] == 3 and retire["evidence"]["quarter_placements"] == 0
    assert retire["simulated_effect"]["expected_lasting_after"] == retire["simulated_effect"]["expected_lasting_before"]
    (channel,) = kinds["channel_shift"]
    assert channel["change"]["county"] == "450225" and channel["change"]["workers_to_local_or_nearby"] == 5
    assert channel["evidence"]["cross_region_retention_90"]["estimate"] == 0.0
    assert all(set(i) >= {"id", "kind", "evidence", "simulated_effect"} for i in proposer.all())


def test_a_retention_figure_needs_30_placements_behind_it(inputs):
    inputs.started = inputs.started.groupby(["hukou_county", "vacancy_county"]).head(29)
    kinds = _by_kind(proposals.Proposer(inputs).all())
    assert "new_link" not in kinds and "channel_shift" not in kinds
    figure = proposals.observed(inputs.started.head(29), Q.last)
    assert figure["estimate"] is None and figure["placements"] == 29 and "30" in figure["note"]


def test_the_simulated_effect_equals_the_allocator_under_the_proposed_pairings(inputs):
    proposer = proposals.Proposer(inputs)
    kinds = _by_kind(proposer.all())
    shift, link = kinds["target_shift"][0], kinds["new_link"][0]
    moved = proposals.quarter_share(Q, 40)
    caps = proposer.caps | {2: proposer.caps[2] - moved, 1: proposer.caps[1] + moved}
    edges, places = transport.as_workers(inputs.supply, inputs.demand, proposer.allowed)
    assert allocation.min_cost_flow(edges, places, caps).total_score == pytest.approx(
        shift["simulated_effect"]["expected_lasting_after"]
    )
    routes = pd.concat([proposer.allowed, proposer.scores[proposer.scores["link"].isna()]
                        .query("destination == '441900'").assign(link="new")])  # fmt: skip
    edges, places = transport.as_workers(inputs.supply, inputs.demand, routes)
    assert allocation.min_cost_flow(edges, places, proposer.caps).total_score == pytest.approx(
        link["simulated_effect"]["expected_lasting_after"]
    )
    edges, places = transport.as_workers(inputs.supply, inputs.demand, proposer.allowed)
    assert allocation.min_cost_flow(edges, places, proposer.caps).total_score == pytest.approx(
        shift["simulated_effect"]["expected_lasting_before"]
    )


def test_the_same_data_give_the_same_proposals(inputs):
    first, again = proposals.Proposer(inputs).all(), proposals.Proposer(inputs).all()
    assert first == again and len({p["id"] for p in first}) == len(first)
    assert all(p["id"].startswith("2026-Q3-") for p in first)


# --- over HTTP ----------------------------------------------------------------------------------------------


@pytest.fixture
def hezhou(client, tenants) -> int:
    """Foshan—Hezhou, in force since 2025 with a target of 400 a year, and nobody placed through it."""
    body = {"east_code": "440600", "west_code": "451100", "level": "prefecture", "annual_target": 400,
            "effective_from": "2025-01-01"}  # fmt: skip
    resp = client.post("/api/v1/pairings", json=body, headers=tenants["province"].headers)
    assert resp.status_code == 201, resp.text
    return resp.json()["id"]


def _retirement(client, tenants, pairing_id: int) -> dict:
    resp = client.get("/api/v1/pairings/proposals?quarter=2026-Q3", headers=tenants["province"].headers)
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["quarter"] == "2026-Q3" and body["model"]["kind"] in ("ranker", "rule_baseline")
    (item,) = [i for i in body["items"] if i["kind"] == "retire_link" and i["change"]["pairing_id"] == pairing_id]
    assert item["kind_label"] == "撤销结对 / Retire a pairing"
    return item


def test_accepting_a_retirement_ends_the_pairing_from_the_day_and_is_decided_once(client, tenants, hezhou):
    item = _retirement(client, tenants, hezhou)
    assert item["decision"] is None
    url = f"/api/v1/pairings/proposals/{item['id']}/decision"
    day = today() + timedelta(days=7)
    resp = client.post(url, json={"decision": "采纳", "effective_from": day.isoformat()},
                       headers=tenants["province"].headers)  # fmt: skip
    assert resp.status_code == 201, resp.text
    assert resp.json()["pairing_ids"] == [hezhou] and resp.json()["decision_label"] == "采纳 / Accept"
    versions = client.get(f"/api/v1/pairings/{hezhou}/versions", headers=tenants["province"].headers).json()
    assert versions[-1]["effective_from"] == day.isoformat()
    assert versions[-1]["end_date"] == (day - timedelta(days=1)).isoformat()
    again = client.post(url, json={"decision": "reject", "reason": "再议"}, headers=tenants["province"].headers)
    assert again.status_code == 409
    assert _retirement(client, tenants, hezhou)["decision"]["decision"] == "accept"


def test_a_rejection_needs_a_reason_and_an_unknown_proposal_is_404(client, tenants, hezhou):
    item = _retirement(client, tenants, hezhou)
    url = f"/api/v1/pairings/proposals/{item['id']}/decision"
    resp = client.post(url, json={"decision": "reject"}, headers=tenants["province"].headers)
    assert resp.status_code == 422 and resp.json()["detail"][0]["field"] == "reason"
    resp = client.post(url, json={"decision": "reject", "reason": "贺州新建园区，明年再看"},
                       headers=tenants["province"].headers)  # fmt: skip
    assert resp.status_code == 201 and resp.json()["pairing_ids"] == []
    assert client.get(f"/api/v1/pairings/{hezhou}", headers=tenants["province"].headers).json()["end_date"] is None
    for unknown in ("2026-Q3-retire_link-000000000000", "not-a-proposal"):
        resp = client.post(f"/api/v1/pairings/proposals/{unknown}/decision", json={"decision": "reject", "reason": "x"},
                           headers=tenants["province"].headers)  # fmt: skip
        assert resp.status_code == 404
    assert (
        client.get("/api/v1/pairings/proposals?quarter=2999-Q1", headers=tenants["province"].headers).status_code == 422
    )


def test_a_target_shift_never_moves_more_than_the_donor_has(inputs):
    small = _pairing(3, "440600", "451100", 10)  # its quarter allows 3 and carries no one
    inputs.pairings = [inputs.pairings[0], small]
    (shift,) = _by_kind(proposals.Proposer(inputs).all())["target_shift"]
    change = shift["change"]
    assert change["from_pairing_id"] == 3 and 0 < change["annual_target_moved"] <= 10
    assert change["from_annual_target_after"] >= 0
    assert change["to_annual_target_after"] - 40 == change["annual_target_moved"]


def test_the_allocator_rerun_on_todays_workers_under_a_proposal(app, client, tenants, hezhou):
    """Retiring Dongguan—Liuzhou (it carried no one at the quarter's end) would leave today's Rongshui worker
    without a paired job; retiring Foshan—Hezhou changes nothing."""
    body = {"east_code": "441900", "west_code": "450200", "level": "prefecture", "annual_target": 400,
            "effective_from": "2025-01-01"}  # fmt: skip
    liuzhou = client.post("/api/v1/pairings", json=body, headers=tenants["province"].headers).json()["id"]
    new_worker(client, tenants["county"])
    new_vacancy(client, tenants["employer"], headcount=3)
    app.state.matcher.forget()
    results = {}
    for pairing_id in (liuzhou, hezhou):
        item = _retirement(client, tenants, pairing_id)
        resp = client.get(f"/api/v1/pairings/proposals/{item['id']}/allocation", headers=tenants["province"].headers)
        assert resp.status_code == 200, resp.text
        results[pairing_id] = resp.json()
    assert results[liuzhou]["before"]["placed"] == 1 and results[liuzhou]["after"]["placed"] == 0
    assert results[hezhou]["before"] == results[hezhou]["after"] | {"seconds": results[hezhou]["before"]["seconds"]}
    assert results[hezhou]["workers"] >= 1 and results[hezhou]["candidate_edges"] >= 1
    assert client.get(f"/api/v1/pairings/proposals/{item['id']}/allocation",
                      headers=tenants["county"].headers).status_code == 403  # fmt: skip
