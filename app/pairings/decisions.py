"""The proposals to adjust pairings over the API: list a quarter's (province), re-run the allocator for one on
today's workers, and accept or reject one.

Accepting writes what the proposal says through the pairings' own service, so the same checks hold: a target
shift is a new version of both pairings, a new link a new pairing, a retirement a version that ends the
pairing. A channel shift changes no pairing; its acceptance is recorded for the county office to act on.
"""

from datetime import date
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy.orm import Session

from app import authz
from app.authz import Action, Resource
from app.clock import today
from app.errors import Conflict, Msg, NotFound, ValidationFailed
from app.orgs.service import Principal
from app.pairings import proposals, repository, service
from app.pairings.models import ProposalDecision
from app.pairings.schemas import PairingCreate, PairingUpdate, ProposalDecisionCreate, ProposalDecisionRead
from app.pairings.service import EAST_PROVINCE, WEST_PROVINCE
from app.reference.service import RegionColumn
from app.reports.schemas import Quarter


def compute(
    session: Session, quarter: Quarter, ranker: Any, model: dict[str, Any]
) -> tuple[proposals.Proposer, list[dict[str, Any]]]:
    """The quarter's proposals with the decision taken on each, if any."""
    proposer = proposals.Proposer(proposals.load(session, quarter, ranker, model))
    decided = repository.decisions_of(session, str(quarter))
    items = proposer.all()
    for item in items:
        found = decided.get(item["id"])
        item["decision"] = None if found is None else ProposalDecisionRead.model_validate(found).model_dump(mode="json")
    return proposer, items


def check_reader(principal: Principal) -> None:
    authz.reach(principal, Resource.pairing_proposal, Action.read)


def list_proposals(
    session: Session, principal: Principal, quarter: Quarter, ranker: Any, model: dict[str, Any]
) -> dict[str, Any]:
    check_reader(principal)
    proposer, items = compute(session, quarter, ranker, model)
    return {
        "quarter": str(quarter),
        "model": model,
        "expected_lasting_now": round(proposer.before.expected_lasting, 3),
        "placed_now": proposer.before.placed,
        "items": items,
    }


def check_decider(principal: Principal) -> None:
    authz.reach(principal, Resource.pairing_proposal, Action.decide)


def _quarter_of(proposal_id: str) -> Quarter:
    try:
        return Quarter.parse(proposal_id[:7])
    except ValidationFailed:
        raise NotFound("proposal") from None


def _apply(session: Session, principal: Principal, item: dict[str, Any], day: date) -> list[int]:
    """Write what an accepted proposal says, from `day`; the pairings it wrote."""
    change, kind = item["change"], item["kind"]
    note = f"结对调整建议 {item['id']} / proposal {item['id']}"
    if kind == "target_shift":
        # The amount moves against the targets as they stand now: a change made since the quarter stays.
        moved = change["annual_target_moved"]
        for pairing_id, delta in ((change["from_pairing_id"], -moved), (change["to_pairing_id"], moved)):
            target = service.get_pairing(session, pairing_id).annual_target + delta
            if target < 0:
                raise Conflict(
                    Msg(
                        f"结对 {pairing_id} 的年度目标已低于拟调出的 {moved} 人，不能采纳",
                        f"pairing {pairing_id}'s annual target is now below the {moved} to move out",
                    )
                )
            update = PairingUpdate(annual_target=target, effective_from=day, note=note)
            service.update_pairing(session, principal, pairing_id, update, None)
        return [change["from_pairing_id"], change["to_pairing_id"]]
    if kind == "new_link":
        body = PairingCreate(
            east_code=change["east_code"], west_code=change["west_code"], level=change["level"],
            annual_target=change["annual_target"], note=note, start_date=day, effective_from=day,
        )  # fmt: skip
        return [service.create_pairing(session, principal, body).id]
    if kind == "retire_link":
        update = PairingUpdate(end_date=proposals.effective_end(day), effective_from=day, note=note)
        service.update_pairing(session, principal, change["pairing_id"], update, None)
        return [change["pairing_id"]]
    return []  # channel_shift: advice to a county office, no pairing changes


def decide(
    session: Session,
    principal: Principal,
    proposal_id: str,
    body: ProposalDecisionCreate,
    ranker: Any,
    model: dict[str, Any],
) -> ProposalDecision:
    """Accept (writing the change) or reject (with a reason) a proposal of a finished quarter, once."""
    check_decider(principal)
    quarter = _quarter_of(proposal_id)
    if repository.decision(session, proposal_id) is not None:
        raise Conflict(Msg("该建议已有决定，不能重复决定", "this proposal has been decided already"))
    if body.decision == "reject" and body.reason is None:
        raise ValidationFailed.one("reason", Msg("不采纳须说明理由", "a rejection needs a reason"))
    day = body.effective_from or today()
    if body.decision == "accept" and day < today():
        raise ValidationFailed.one(
            "effective_from", Msg("生效日期不能早于今天（中国标准时间）", "effective_from cannot be before today")
        )
    _, items = compute(session, Quarter.resolve(str(quarter), today()), ranker, model)
    item = next((i for i in items if i["id"] == proposal_id), None)
    if item is None:  # an id from other data: the proposals are recomputed, and this one is no longer among them
        raise NotFound("proposal")
    item.pop("decision", None)
    pairing_ids = _apply(session, principal, item, day) if body.decision == "accept" else []
    decision = ProposalDecision(
        proposal_id=proposal_id, quarter=str(quarter), kind=item["kind"], decision=body.decision,
        reason=body.reason, effective_from=day if body.decision == "accept" else None, proposal=item,
        pairing_ids=pairing_ids, org_id=principal.org_id,
    )  # fmt: skip
    repository.add(session, decision)
    return decision


ALLOCATOR_CANDIDATES = 5  # each unplaced worker's best vacancies the what-if allocation may choose from


def _edge_rules(
    item: dict[str, Any], edges: pd.DataFrame, proposer: proposals.Proposer
) -> tuple[np.ndarray, np.ndarray]:
    """Which candidate edges today's pairings allow, and which the proposal would: (before, after) masks."""
    homes, works = RegionColumn(edges["worker_county"].astype(str)), RegionColumn(edges["vacancy_county"].astype(str))
    cross = homes.within(WEST_PROVINCE) & works.within(EAST_PROVINCE)
    local = homes.within(WEST_PROVINCE) & works.within(WEST_PROVINCE)
    linked = {p.id for p in proposer.i.pairings}

    def under(pairings: set[int]) -> np.ndarray:
        return np.array([bool(set(ids or ()) & pairings) for ids in edges["pairing_ids"]], dtype=bool)

    before = cross & under(linked)
    change, kind = item["change"], item["kind"]
    if kind == "new_link":
        return before, before | (cross & homes.within(change["west_code"]) & works.within(change["east_code"]))
    if kind == "retire_link":
        return before, cross & under(linked - {change["pairing_id"]})
    if kind == "channel_shift":
        near_home = homes.within(change["county"]) & works.within(change["local_prefecture"])
        return before, before | (local & near_home)
    return before, before


def allocator_effect(
    session: Session,
    principal: Principal,
    matcher: Any,
    vault: Any,
    proposal_id: str,
    ranker: Any,
    model: dict[str, Any],
) -> dict[str, Any]:
    """The allocator re-run on today's unplaced workers and open places, under today's pairings and under the
    proposal's: each pairing's quota its target pro-rated to a quarter, as in the proposals' problem."""
    from app.allocations import service as allocations
    from app.matching import repository as matching_repo
    from matching import allocation as solver

    check_reader(principal)
    quarter = Quarter.resolve(str(_quarter_of(proposal_id)), today())
    proposer, items = compute(session, quarter, ranker, model)
    item = next((i for i in items if i["id"] == proposal_id), None)
    if item is None:
        raise NotFound("proposal")
    workers = matching_repo.workers(session, unplaced=True)
    edges, workers, board, _, info, _, _ = allocations.candidate_edges(
        session, matcher, vault, workers, ALLOCATOR_CANDIDATES
    )
    out: dict[str, Any] = {"proposal_id": proposal_id, "kind": item["kind"], "model": info, "workers": len(workers),
                           "candidate_edges": len(edges)}  # fmt: skip
    caps = dict(proposer.caps)
    after_caps = dict(caps)
    if item["kind"] == "target_shift":
        moved = item["change"]["quarter_cap_moved"]
        after_caps[item["change"]["from_pairing_id"]] -= moved
        after_caps[item["change"]["to_pairing_id"]] += moved
    if not len(edges):
        empty = {"expected_retained": 0.0, "placed": 0}
        return out | {"before": empty, "after": empty}
    before_mask, after_mask = _edge_rules(item, edges, proposer)
    held_before, capacity = allocations.solver_inputs(edges[before_mask], board)
    held_after, capacity_after = allocations.solver_inputs(edges[after_mask], board)
    before = solver.min_cost_flow(held_before, capacity, caps)
    after = solver.min_cost_flow(held_after, capacity_after, after_caps)
    return out | {"before": before.summary(), "after": after.summary()}
