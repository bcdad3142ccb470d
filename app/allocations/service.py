"""Allocation proposals: candidate edges from the ranker, one exact solve, stored for officers to accept or reject."""

from __future__ import annotations

import time
from typing import Any

import pandas as pd
from sqlalchemy.orm import Session

from app import authz
from app.allocations import repository
from app.allocations.models import Allocation, AllocationItem
from app.allocations.schemas import AllocationCreate, AllocationItemRead, AllocationRead, ItemDecision
from app.authz import Action, Reach, Resource
from app.clock import today
from app.db import utcnow
from app.errors import Conflict, Msg, NotFound, ValidationFailed, field_error
from app.matching import repository as matching_repo
from app.matching.cache import PERSONAL_COLUMNS, Matcher, model_info
from app.matching.service import explain_pairs, ranker_inputs
from app.orgs.service import Principal
from app.pairings import service as pairing_service
from app.pairings.service import PairingAt
from app.pii import PiiVault
from app.placements import service as placements
from app.placements.schemas import PlacementCreate
from app.training import repository as training
from matching import allocation as solver
from matching.features import prefecture_of
from matching.ranking import top_k_batch

MAX_WORKERS = 20_000  # one request's solve stays within seconds; a province this large allocates county by county


def _workers_in_scope(session: Session, reach: Reach, county_code: str | None) -> pd.DataFrame:
    """Unplaced workers the caller may allocate: a county office's own; the province's (or one county's)."""
    assert reach.region is not None
    errors = []
    if county_code is not None and not repository.county_exists(session, county_code):
        errors.append(field_error("county_code", Msg("县级行政区划代码不存在", "no county has this code")))
    elif reach.worker_owner is not None and county_code not in (None, reach.region):
        msg = Msg("县级部门只能为本县劳动者生成分配方案", "a county office allocates its own county's workers only")
        errors.append(field_error("county_code", msg))
    elif reach.worker_owner is None and county_code and county_code[:2] != reach.region[:2]:
        errors.append(field_error("county_code", Msg("该县不在本省", "this county is outside your province")))
    if errors:
        raise ValidationFailed(errors)
    if reach.worker_owner is not None:
        scope: dict[str, Any] = {"owner_org_id": reach.worker_owner}
    else:
        scope = {"province": reach.region[:2]}
    frame = matching_repo.workers(session, unplaced=True, county_code=county_code, **scope)
    if len(frame) > MAX_WORKERS:
        msg = Msg(
            f"待分配劳动者超过 {MAX_WORKERS} 人，请按县分别生成（填写 county_code）",
            f"more than {MAX_WORKERS} unplaced workers; allocate one county at a time (county_code)",
        )
        raise ValidationFailed.one("county_code", msg)
    return frame.reset_index(drop=True)


def _pairing_lookup(pairings: pd.DataFrame) -> dict[tuple[str, str], int]:
    return {
        (str(e), str(w)): int(i) for i, e, w in pairings[["pairing_id", "east_code", "west_code"]].itertuples(False)
    }


def _levels(code: str) -> tuple[str, str, str]:
    """A county code and the prefecture and province codes that contain it, most specific first."""
    return code, prefecture_of(code), code[:2] + "0000"


def _per_county_pair(edges: pd.DataFrame, find: Any) -> pd.Series:
    keys = edges[["worker_county", "vacancy_county"]].astype(str).agg("|".join, axis=1)
    found = {k: find(*k.split("|")) for k in keys.unique()}
    return keys.map(found)


def edge_pairings(edges: pd.DataFrame, pairings: pd.DataFrame) -> pd.Series:
    """The most specific pairing each edge runs through: county, then prefecture, then province level."""
    lookup = _pairing_lookup(pairings)

    def find(west: str, east: str) -> int | None:
        for e in _levels(east):
            for w in _levels(west):
                if (e, w) in lookup:
                    return lookup[(e, w)]
        return None

    return _per_county_pair(edges, find)


def covering_pairings(edges: pd.DataFrame, pairings: pd.DataFrame) -> pd.Series:
    """Every pairing each edge runs under at any level (a quota on a province pairing covers its prefectures')."""
    lookup = _pairing_lookup(pairings)

    def find(west: str, east: str) -> tuple[int, ...]:
        return tuple(sorted({lookup[(e, w)] for e in _levels(east) for w in _levels(west) if (e, w) in lookup}))

    return _per_county_pair(edges, find)


def _capacity(board: pd.DataFrame) -> pd.Series:
    """Places left per open vacancy: what every solver is bound by."""
    return board.set_index("vacancy_id")["headcount_left"].clip(lower=0) if len(board) else pd.Series(dtype=int)


def with_reservations(session: Session, board: pd.DataFrame) -> pd.DataFrame:
    """The board with `reserved_left` and `graduates`: places an order class holds today for its graduates, which
    the batch top-k and every solver keep from anyone else."""
    held = training.reserved(session, today(), [int(v) for v in board["vacancy_id"]]) if len(board) else {}
    out = board.copy()
    out["reserved_left"] = [held[int(v)].places if int(v) in held else 0 for v in board["vacancy_id"]]
    out["graduates"] = [sorted(held[int(v)].graduates) if int(v) in held else [] for v in board["vacancy_id"]]
    return out


def solver_inputs(edges: pd.DataFrame, board: pd.DataFrame) -> tuple[pd.DataFrame, pd.Series]:
    """Edges and places as every allocation solves them (held places included): for a what-if run elsewhere."""
    return _held_capacity(edges, board)


def _held_capacity(edges: pd.DataFrame, board: pd.DataFrame) -> tuple[pd.DataFrame, pd.Series]:
    """Edges and places for the solvers, the reserved places a separate vacancy only their graduates reach."""
    held = board[board["reserved_left"] > 0] if len(board) else board
    return solver.hold_places(
        edges,
        _capacity(board),
        dict(zip(held["vacancy_id"].astype(int), held["reserved_left"].astype(int), strict=True)),
        dict(zip(held["vacancy_id"].astype(int), held["graduates"], strict=True)),
    )


def pairings_frame(pairings: list[PairingAt]) -> pd.DataFrame:
    """The pairings in force on the allocation's day, with their levels, to name the pairing an edge runs through."""
    rows = [(p.id, p.east_code, p.west_code, p.level) for p in pairings]
    return pd.DataFrame(rows, columns=["pairing_id", "east_code", "west_code", "level"])


def candidate_edges(
    session: Session, matcher: Matcher, vault: PiiVault, workers: pd.DataFrame, k: int
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, Any, dict[str, Any], frozenset[tuple[str, str]], dict[str, str]]:
    """Each worker's best `k` open vacancies by the active ranker, after the matcher's hard rules, with pairings."""
    matcher.refresh_models(session)
    ranker, info = model_info(matcher)
    board = with_reservations(session, matching_repo.open_vacancies(session))  # fresh: ids and places of now
    pairs, names = matcher.reference(session)
    on = today()
    edges = pd.DataFrame(columns=["worker_id", "vacancy_id", "score", "rank"])
    if len(workers) and len(board):
        workers = ranker_inputs(session, matcher, workers, vault, on)
        edges = top_k_batch(workers, board, ranker, k=k, pairs=pairs, rerank=False)
    if len(edges):
        edges = edges.merge(workers[["worker_id", "worker_county"]], on="worker_id", how="left")
        edges = edges.merge(board[["vacancy_id", "vacancy_county"]], on="vacancy_id", how="left")
        known = pairings_frame(pairing_service.pairings_on(session, on))
        edges["pairing_id"] = edge_pairings(edges, known)
        edges["pairing_ids"] = covering_pairings(edges, known)
    return edges, workers, board, ranker, info, pairs, names


def batch_inputs(
    session: Session, matcher: Matcher, vault: PiiVault, county_code: str | None = None
) -> tuple[pd.DataFrame, pd.DataFrame, Any, dict[str, Any], frozenset[tuple[str, str]]]:
    """What the batch ranking job needs: enriched unplaced workers, the open board, the ranker, the pairings."""
    matcher.refresh_models(session)
    ranker, info = model_info(matcher)
    board = with_reservations(session, matching_repo.open_vacancies(session))  # fresh: ids and places of now
    pairs, _ = matcher.reference(session)
    workers = matching_repo.workers(session, unplaced=True, county_code=county_code)
    on = today()
    if len(workers):
        workers = ranker_inputs(session, matcher, workers, vault, on)
    # Personal data never leaves for the cluster: the ranker needs none of it.
    workers = workers.drop(columns=[c for c in PERSONAL_COLUMNS if c in workers.columns])
    return workers, board, ranker, info, pairs


def evaluate(session: Session, matcher: Matcher, vault: PiiVault, county_code: str | None, k: int) -> dict[str, Any]:
    """The three methods (and the exact solver's placed-first variant) on the same unplaced workers and edges."""
    workers = matching_repo.workers(session, unplaced=True, county_code=county_code)
    edges, workers, board, _, info, _, _ = candidate_edges(session, matcher, vault, workers, k)
    held, capacity = _held_capacity(edges, board)
    runs = [solver.min_cost_flow(held, capacity), solver.greedy(held, capacity), solver.stable(held, capacity)]
    runs.append(solver.min_cost_flow(held, capacity, objective="placed_first"))
    return {
        "county_code": county_code,
        "workers": len(workers),
        "workers_with_candidates": int(edges["worker_id"].nunique()) if len(edges) else 0,
        "candidate_edges": len(edges),
        "candidates_per_worker": k,
        "open_places": int(capacity.sum()),
        "model": info,
        "methods": {
            r.method + ("" if r.objective in ("", "retention") else f"_{r.objective}"): r.summary() for r in runs
        },
    }


def create_allocation(
    session: Session, principal: Principal, matcher: Matcher, vault: PiiVault, data: AllocationCreate
) -> Allocation:
    """Rank each worker's candidate vacancies, solve once under headcount (and quotas), store the proposal.

    Nothing becomes a placement here: every item waits for an officer to accept it.
    """
    reach = authz.reach(principal, Resource.allocation, Action.create)
    started = time.perf_counter()
    quotas = {q.pairing_id: q.max for q in data.quotas}
    unknown = sorted(set(quotas) - repository.existing_pairings(session, list(quotas)))
    if unknown:
        raise ValidationFailed.one("quotas", Msg(f"结对关系不存在：{unknown}", f"no pairing has the id(s) {unknown}"))
    workers = _workers_in_scope(session, reach, data.county_code)
    edges, workers, board, ranker, info, pairs, names = candidate_edges(
        session, matcher, vault, workers, data.candidates_per_worker
    )
    held_edges, capacity = _held_capacity(edges, board)
    result = solver.released(
        solver.allocate(held_edges, capacity, quotas, method=data.method, objective=data.objective)
    )
    greedy = solver.greedy(held_edges, capacity, quotas) if data.method != "greedy" else result
    summary = {
        "workers": len(workers),
        "workers_with_candidates": int(edges["worker_id"].nunique()) if len(edges) else 0,
        "candidate_edges": len(edges),
        "open_places": int(capacity.sum()),
        **{k: v for k, v in result.summary().items() if k in ("placed", "expected_retained", "mean_score")},
        "solver": result.solver,
        "baseline_greedy": {"placed": greedy.placed, "expected_retained": round(greedy.total_score, 3)},
    }
    allocation = repository.add(
        session,
        Allocation(
            org_id=principal.org_id,
            county_code=data.county_code,
            method=data.method,
            objective=data.objective if data.method == "min_cost_flow" else "retention",
            candidates_per_worker=data.candidates_per_worker,
            quotas=[{"pairing_id": k, "max": v} for k, v in sorted(quotas.items())],
            model=info,
            summary=summary,
        ),
    )
    chosen = result.assignments.merge(edges[["worker_id", "vacancy_id", "rank"]], on=["worker_id", "vacancy_id"])
    reasons = _reasons(ranker, workers, board, chosen, pairs, names)
    repository.add_items(
        session,
        [
            {
                "allocation_id": allocation.id,
                "worker_id": int(row.worker_id),
                "vacancy_id": int(row.vacancy_id),
                "score": round(float(row.score), 6),
                "rank": int(row.rank),
                "pairing_id": None if pd.isna(row.pairing_id) else int(row.pairing_id),
                "reasons": why,
                "status": "proposed",
            }
            for row, why in zip(chosen.itertuples(index=False), reasons, strict=True)
        ],
    )
    allocation.summary = {**summary, "seconds": round(time.perf_counter() - started, 3)}
    session.flush()
    return allocation


def _reasons(
    ranker: Any,
    workers: pd.DataFrame,
    board: pd.DataFrame,
    chosen: pd.DataFrame,
    pairs: frozenset[tuple[str, str]],
    names: dict[str, str],
) -> list[list[dict[str, Any]]]:
    """The few factors that moved each proposed item's score most, in the matcher's own words."""
    if chosen.empty:
        return []
    w_rows = workers.set_index("worker_id").loc[chosen["worker_id"].to_numpy()].reset_index()
    v_rows = board.set_index("vacancy_id").loc[chosen["vacancy_id"].to_numpy()].reset_index()
    return explain_pairs(ranker, w_rows, v_rows, pairs, names)


def get_allocation(session: Session, principal: Principal, allocation_id: int) -> Allocation:
    """The caller's own proposal; a county office also reads a provincial proposal that holds items of its workers."""
    reach = authz.reach(principal, Resource.allocation, Action.read)
    allocation = repository.get(session, allocation_id, reach.proposer)
    if allocation is None and reach.worker_owner is not None:
        allocation = repository.get_provincial_with_workers_of(session, allocation_id, reach.worker_owner)
    if allocation is None:
        raise NotFound("allocation")
    return allocation


def _worker_owner(principal: Principal, allocation: Allocation) -> int | None:
    """A county office reading the province's proposal sees only the items of its own workers (the placement wall)."""
    if allocation.org_id == principal.org_id:
        return None
    return authz.reach(principal, Resource.allocation, Action.read).worker_owner


def list_allocations(session: Session, principal: Principal, after_id: int, limit: int) -> list[Allocation]:
    """A county office's own proposals and the province's that hold its workers; the province's all."""
    reach = authz.reach(principal, Resource.allocation, Action.read)
    return repository.page(session, reach.proposer, after_id, limit, with_workers_of=reach.worker_owner)


def list_items(
    session: Session, principal: Principal, allocation_id: int, after_id: int, limit: int, status: str | None
) -> tuple[Allocation, list[AllocationItem]]:
    allocation = get_allocation(session, principal, allocation_id)
    owner = _worker_owner(principal, allocation)
    return allocation, repository.items(session, allocation.id, after_id, limit, status, worker_owner=owner)


def _decidable_item(
    session: Session, principal: Principal, allocation_id: int, item_id: int, *, accepting: bool
) -> AllocationItem:
    """Who decides an item, once: a county proposal's items, the county that asked; a provincial proposal's items,
    the county office that owns the item's worker (accept or reject) or the province that asked (reject only)."""
    allocation = get_allocation(session, principal, allocation_id)
    own = allocation.org_id == principal.org_id
    proposer_kind = repository.org_kind(session, allocation.org_id)
    authz.check_item_decision(principal, proposer_kind, own=own, accepting=accepting)
    item = repository.get_item(
        session, allocation.id, item_id, for_update=True, worker_owner=_worker_owner(principal, allocation)
    )
    if item is None:
        raise NotFound("allocation_item")
    if item.status != "proposed":
        done = "已接受" if item.status == "accepted" else "已拒绝"
        raise Conflict(Msg(f"该建议此前已处理（{done}）", f"this item was already {item.status}"))
    return item


def accept_item(
    session: Session, principal: Principal, vault: PiiVault, allocation_id: int, item_id: int, data: ItemDecision
) -> AllocationItem:
    """Turn one proposed item into a placement, with every check a hand-recorded hire gets (409 if full or busy)."""
    item = _decidable_item(session, principal, allocation_id, item_id, accepting=True)
    body = PlacementCreate(
        worker_id=item.worker_id, vacancy_id=item.vacancy_id, start_date=data.start_date or today(), referred_by=None
    )
    placement = placements.create_placement(session, principal, body, vault)
    item.status, item.placement_id = "accepted", placement.id
    item.decided_at, item.decided_by_org_id = utcnow(), principal.org_id
    session.flush()
    return item


def reject_item(session: Session, principal: Principal, allocation_id: int, item_id: int) -> AllocationItem:
    """Mark an item as not taken; the worker and the place stay free."""
    item = _decidable_item(session, principal, allocation_id, item_id, accepting=False)
    item.status, item.decided_at, item.decided_by_org_id = "rejected", utcnow(), principal.org_id
    session.flush()
    return item


def to_read(allocation: Allocation) -> AllocationRead:
    return AllocationRead.model_validate(allocation)


def item_read(item: AllocationItem) -> AllocationItemRead:
    return AllocationItemRead.model_validate(item)
