"""Allocation under capacity: assign workers to vacancies so that the most placements last, not the first few.

Ranking one worker at a time sends everyone to the same few good jobs. These solvers take the ranker's
candidate edges (``worker_id, vacancy_id, score`` where ``score`` is the predicted chance the placement lasts at
least 90 days), each vacancy's remaining headcount and optional per-pairing quotas, and return one proposal:

- ``min_cost_flow``: exact. Maximises the sum of scores, i.e. the expected number of workers still in the job
  after 90 days, with OR-tools' ``SimpleMinCostFlow``; ``objective="placed_first"`` instead maximises the
  number of workers placed and, among those assignments, the expected retention (lexicographic).
- ``greedy``: what ranking alone does: the highest-scored edge whose worker is free and whose vacancy has room
  is taken, then the next.
- ``stable``: worker-proposing deferred acceptance (hospital-resident); vacancies prefer higher scores.

Everything is pure numpy/pandas (no ``app`` imports). Ties are broken by (worker_id, vacancy_id), so the same
input always gives the same proposal.
"""

from __future__ import annotations

import heapq
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

METHODS = ("min_cost_flow", "greedy", "stable")
Method = Literal["min_cost_flow", "greedy", "stable"]
Objective = Literal["retention", "placed_first"]
SCALE = 1_000_000  # scores become integer costs in millionths: ties closer than 1e-6 are ties
EDGE_COLUMNS = ("worker_id", "vacancy_id", "score")


@dataclass(frozen=True)
class Allocation:
    """One proposal: the chosen edges (worker_id, vacancy_id, score[, pairing_id]) and how it was found."""

    assignments: pd.DataFrame
    method: str
    objective: str = ""  # min_cost_flow only: retention or placed_first
    solver: str = ""
    seconds: float = 0.0
    details: dict[str, object] = field(default_factory=dict)

    @property
    def placed(self) -> int:
        return len(self.assignments)

    @property
    def total_score(self) -> float:
        return float(self.assignments["score"].sum())

    def summary(self) -> dict[str, object]:
        """The figures an officer compares methods by: expected stays, workers placed, mean score."""
        placed = self.placed
        return {
            "method": self.method,
            "objective": self.objective,
            "expected_retained": round(self.total_score, 3),
            "placed": placed,
            "mean_score": round(self.total_score / placed, 4) if placed else None,
            "seconds": round(self.seconds, 3),
        }


@dataclass(frozen=True)
class _Problem:
    """Edges as dense integer codes, sorted by (score desc, worker, vacancy) so every solver sees one order."""

    edges: pd.DataFrame  # worker_id, vacancy_id, score, pairing_id (NaN when none), w, v, q (-1 when no quota)
    worker_ids: np.ndarray
    vacancy_ids: np.ndarray
    capacity: np.ndarray  # per vacancy code
    quota: np.ndarray  # per quota code
    quota_ids: list[object]
    # Every quota each edge counts against (an edge under a county pairing also runs under the prefecture and
    # province pairings that contain it): (edge row, quota code) pairs, and per edge a tuple of codes.
    member_edge: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    member_quota: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    quotas_of: list[tuple[int, ...]] = field(default_factory=list)

    @property
    def nested(self) -> bool:
        """Some edge counts against more than one quota: the flow's single quota layer cannot express it."""
        return any(len(qs) > 1 for qs in self.quotas_of)


def _prepare(
    edges: pd.DataFrame, capacity: Mapping[Any, int] | pd.Series, quotas: Mapping[Any, int] | None
) -> _Problem:
    missing = [c for c in EDGE_COLUMNS if c not in edges.columns]
    if missing:
        raise ValueError(f"edges lack columns {missing}")
    score = edges["score"].to_numpy(dtype=float)
    if len(score) and (np.isnan(score).any() or score.min() < 0 or score.max() > 1):
        raise ValueError("scores are probabilities: every score must be within [0, 1]")
    cap = pd.Series(capacity, dtype="int64") if not isinstance(capacity, pd.Series) else capacity.astype("int64")
    if len(cap) and cap.min() < 0:
        raise ValueError("remaining capacity cannot be negative")
    quotas = dict(quotas or {})
    if any(int(m) < 0 for m in quotas.values()):
        raise ValueError("a quota cannot be negative")
    pairing = edges["pairing_id"].to_numpy(dtype=object) if "pairing_id" in edges else np.full(len(edges), None)
    # Integer codes first (ids keep their order), then everything is numpy: this runs on millions of edges.
    w_all, worker_ids = pd.factorize(edges["worker_id"], sort=True)
    v_all, vacancy_ids = pd.factorize(edges["vacancy_id"], sort=True)
    cap_all = cap.reindex(vacancy_ids).fillna(0).to_numpy(dtype=np.int64)
    # A vacancy without stated capacity (or none left) cannot take anyone; a repeated edge keeps its best score.
    keep = np.flatnonzero(cap_all[v_all] > 0)
    by_score = keep[np.argsort(-score[keep], kind="stable")]
    pair_key = w_all[by_score].astype(np.int64) * max(len(vacancy_ids), 1) + v_all[by_score]
    by_pair = np.argsort(pair_key, kind="stable")  # (worker, vacancy), best score first within a pair
    sorted_key = pair_key[by_pair]
    first = np.ones(len(by_pair), dtype=bool)
    first[1:] = sorted_key[1:] != sorted_key[:-1]
    rows = by_score[by_pair[first]]  # one per pair, in (worker, vacancy) order
    rows = rows[np.argsort(-score[rows], kind="stable")]  # score desc, then worker, vacancy
    used_w, w = _compact(w_all[rows], len(worker_ids))
    used_v, v = _compact(v_all[rows], len(vacancy_ids))
    quota_ids = sorted(quotas, key=str)
    code = {k: i for i, k in enumerate(quota_ids)}
    # `pairing_ids` (optional): every pairing an edge runs under; else just its `pairing_id`.
    covering = edges["pairing_ids"].to_numpy(dtype=object) if "pairing_ids" in edges else None
    quotas_of: list[tuple[int, ...]] = []
    for r in rows.tolist() if quota_ids else []:
        ids = covering[r] if covering is not None else (pairing[r],)
        quotas_of.append(tuple(sorted({code[i] for i in (ids or ()) if _present(i) and i in code})))
    if not quota_ids:
        quotas_of = [()] * len(rows)
    q = np.array([qs[0] if len(qs) == 1 else -1 for qs in quotas_of], dtype=np.int64)
    member_edge = np.array([i for i, qs in enumerate(quotas_of) for _ in qs], dtype=np.int64)
    member_quota = np.array([c for qs in quotas_of for c in qs], dtype=np.int64)
    frame = pd.DataFrame(
        {
            "worker_id": np.asarray(worker_ids)[used_w][w],
            "vacancy_id": np.asarray(vacancy_ids)[used_v][v],
            "score": score[rows],
            "pairing_id": pairing[rows],
            "w": w,
            "v": v,
            "q": q,
        }
    )
    return _Problem(
        edges=frame,
        worker_ids=np.asarray(worker_ids)[used_w],
        vacancy_ids=np.asarray(vacancy_ids)[used_v],
        capacity=cap_all[used_v],
        quota=np.array([int(quotas[q]) for q in quota_ids], dtype=np.int64),
        quota_ids=quota_ids,
        member_edge=member_edge,
        member_quota=member_quota,
        quotas_of=quotas_of,
    )


def _present(value: object) -> bool:
    return value is not None and not (isinstance(value, float) and np.isnan(value))


def _compact(codes: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """The codes still in use and the codes renumbered 0..k-1 in the same order (linear, no sort)."""
    present = np.zeros(n, dtype=bool)
    present[codes] = True
    renumber = np.cumsum(present) - 1
    return np.flatnonzero(present), renumber[codes]


def _result(problem: _Problem, chosen: np.ndarray, method: str, started: float, **kw: object) -> Allocation:
    cols = ["worker_id", "vacancy_id", "score", "pairing_id"]
    picked = problem.edges.loc[chosen, cols].sort_values(["worker_id", "vacancy_id"]).reset_index(drop=True)
    return Allocation(assignments=picked, method=method, seconds=time.perf_counter() - started, **kw)  # type: ignore[arg-type]


def allocate(
    edges: pd.DataFrame,
    capacity: Mapping[Any, int] | pd.Series,
    quotas: Mapping[Any, int] | None = None,
    method: Method = "min_cost_flow",
    objective: Objective = "retention",
) -> Allocation:
    """Dispatch by method name (the API and the CLI take the method as a string)."""
    if method == "min_cost_flow":
        return min_cost_flow(edges, capacity, quotas, objective=objective)
    if method == "greedy":
        return greedy(edges, capacity, quotas)
    if method == "stable":
        return stable(edges, capacity, quotas)
    raise ValueError(f"unknown method {method!r}; one of {METHODS}")


def min_cost_flow(
    edges: pd.DataFrame,
    capacity: Mapping[Any, int] | pd.Series,
    quotas: Mapping[Any, int] | None = None,
    *,
    objective: Objective = "retention",
) -> Allocation:
    """The exact optimum: at most one job per worker, remaining headcount per vacancy, at most `max` per pairing.

    ``objective="retention"`` (the default) maximises the expected number of placements that last 90 days, the
    measure the programme is judged by; it may leave a worker unplaced when placing them would push a likelier
    stayer out. ``"placed_first"`` places as many workers as possible and, among those assignments, maximises
    expected retention (a bonus per assignment larger than any possible score total). Workers may always stay
    unassigned. Quotas are a node layer vacancy -> pairing -> sink when every edge into a vacancy carries the
    same quota pairing (always so for one county's workers); otherwise the same problem is solved exactly as an
    integer programme (HiGHS via scipy), since crossing quota and capacity constraints are no longer a flow.
    """
    started = time.perf_counter()
    p = _prepare(edges, capacity, quotas)
    e = p.edges
    n_w, n_v, n_q = len(p.worker_ids), len(p.vacancy_ids), len(p.quota)
    bonus = SCALE * (min(n_w, int(p.capacity.sum())) + 1) if objective == "placed_first" else 0
    gain = np.rint(e["score"].to_numpy() * SCALE).astype(np.int64) + bonus
    if len(e) == 0:
        return _result(p, np.zeros(0, dtype=bool), "min_cost_flow", started, objective=objective, solver="none")
    quota_of_vacancy = e.groupby("v")["q"].agg(["min", "max"])
    if n_q and (p.nested or (quota_of_vacancy["min"] != quota_of_vacancy["max"]).any()):
        return _milp(p, gain, started, objective)

    from ortools.graph.python import min_cost_flow as mcf

    source, sink = 0, 1
    w_node = 2 + np.arange(n_w)
    v_node = 2 + n_w + np.arange(n_v)
    q_node = 2 + n_w + n_v + np.arange(n_q)
    v_quota = np.full(n_v, -1, dtype=np.int64)
    v_quota[quota_of_vacancy.index.to_numpy()] = quota_of_vacancy["min"].to_numpy()
    v_head = np.where(v_quota >= 0, q_node[np.maximum(v_quota, 0)] if n_q else sink, sink)
    tails = np.concatenate([[source], np.full(n_w, source), w_node[e["w"]], v_node, q_node])
    heads = np.concatenate([[sink], w_node, v_node[e["v"]], v_head, np.full(n_q, sink)])
    caps = np.concatenate([[n_w], np.ones(n_w), np.ones(len(e)), p.capacity, p.quota]).astype(np.int64)
    costs = np.concatenate([[0], np.zeros(n_w), -gain, np.zeros(n_v), np.zeros(n_q)]).astype(np.int64)
    solver = mcf.SimpleMinCostFlow()
    arcs = solver.add_arcs_with_capacity_and_unit_cost(tails, heads, caps, costs)
    supplies = np.zeros(2 + n_w + n_v + n_q, dtype=np.int64)
    supplies[source], supplies[sink] = n_w, -n_w  # every worker's unit reaches the sink: by a job or the bypass
    solver.set_nodes_supplies(np.arange(len(supplies)), supplies)
    status = solver.solve()
    if status != solver.OPTIMAL:
        raise RuntimeError(f"min-cost flow did not solve: status {status}")
    flows = solver.flows(arcs)
    chosen = flows[1 + n_w : 1 + n_w + len(e)] > 0
    return _result(p, chosen, "min_cost_flow", started, objective=objective, solver="ortools_min_cost_flow")


def _milp(p: _Problem, gain: np.ndarray, started: float, objective: str) -> Allocation:
    """Quotas that cut across vacancies: the same optimum as an integer programme (exact, slower)."""
    from scipy.optimize import Bounds, LinearConstraint, milp
    from scipy.sparse import csr_matrix, vstack

    e = p.edges
    n = len(e)
    cols = np.arange(n)
    rows = [
        csr_matrix((np.ones(n), (e["w"].to_numpy(), cols)), shape=(len(p.worker_ids), n)),
        csr_matrix((np.ones(n), (e["v"].to_numpy(), cols)), shape=(len(p.vacancy_ids), n)),
    ]
    upper = [np.ones(len(p.worker_ids)), p.capacity.astype(float)]
    if len(p.member_edge):
        ones = np.ones(len(p.member_edge))
        rows.append(csr_matrix((ones, (p.member_quota, p.member_edge)), shape=(len(p.quota), n)))
        upper.append(p.quota.astype(float))
    constraint = LinearConstraint(vstack(rows).tocsr(), -np.inf, np.concatenate(upper))
    res = milp(-gain.astype(float), constraints=constraint, integrality=np.ones(n), bounds=Bounds(0, 1))
    if res.x is None:
        raise RuntimeError(f"integer programme did not solve: {res.message}")
    return _result(p, res.x > 0.5, "min_cost_flow", started, objective=objective, solver="highs_milp")


def greedy(
    edges: pd.DataFrame, capacity: Mapping[Any, int] | pd.Series, quotas: Mapping[Any, int] | None = None
) -> Allocation:
    """Rank by rank: the best-scored remaining edge whose worker is free and whose vacancy (and pairing) has room."""
    started = time.perf_counter()
    p = _prepare(edges, capacity, quotas)
    # Plain lists: indexing them in a Python loop is several times faster than indexing numpy arrays.
    taken = [False] * len(p.worker_ids)
    room = p.capacity.tolist()
    quota = p.quota.tolist()
    chosen = np.zeros(len(p.edges), dtype=bool)
    w_arr, v_arr = (p.edges[c].tolist() for c in ("w", "v"))
    for i, (w, v, qs) in enumerate(zip(w_arr, v_arr, p.quotas_of, strict=True)):  # score desc, worker, vacancy
        if taken[w] or room[v] == 0 or any(quota[q] == 0 for q in qs):
            continue
        taken[w] = True
        room[v] -= 1
        for q in qs:
            quota[q] -= 1
        chosen[i] = True
    return _result(p, chosen, "greedy", started, solver="greedy")


def stable(
    edges: pd.DataFrame, capacity: Mapping[Any, int] | pd.Series, quotas: Mapping[Any, int] | None = None
) -> Allocation:
    """Worker-proposing deferred acceptance: each vacancy (and each quota pairing) holds its best-scored proposers.

    Without quotas the result has no blocking pair: no worker and vacancy joined by an edge who would both
    rather be together (the vacancy has room, or holds someone with a lower score). A pairing quota is a
    second "hospital" over its vacancies that drops its worst-scored holder when over its cap; the
    proposal respects every quota, and is stable in the same sense when each vacancy's edges share one
    pairing (one county's workers). Since both sides rank by the same score, without ties or quotas this is
    the same assignment as ``greedy``: the best remaining edge is always in every stable matching.
    """
    started = time.perf_counter()
    p = _prepare(edges, capacity, quotas)
    e = p.edges
    # Each worker's edges in their preference order (the frame is sorted by score desc, then ids), and an
    # edge's index in that frame is also its rank for the vacancy: a lower index is a better proposer.
    order_np = np.argsort(e["w"].to_numpy(), kind="stable")
    starts = np.searchsorted(e["w"].to_numpy()[order_np], np.arange(len(p.worker_ids) + 1)).tolist()
    order = order_np.tolist()
    w_arr, v_arr = (e[c].tolist() for c in ("w", "v"))
    q_arr = p.quotas_of
    capacity, quota = p.capacity.tolist(), p.quota.tolist()
    next_choice = starts[:-1]
    held_v: list[list[int]] = [[] for _ in range(len(p.vacancy_ids))]  # heaps of -edge: the worst on top
    held_q: list[list[int]] = [[] for _ in range(len(p.quota))]
    count_v = [0] * len(p.vacancy_ids)
    count_q = [0] * len(p.quota)
    holding = [-1] * len(p.worker_ids)  # the edge a worker is held on, -1 when free
    free = list(range(len(p.worker_ids) - 1, -1, -1))

    def reject_worst(heap: list[int]) -> None:
        while True:  # lazy deletion: entries of workers rejected elsewhere are skipped
            edge = -heapq.heappop(heap)
            if holding[w_arr[edge]] == edge:
                break
        worker = w_arr[edge]
        holding[worker] = -1
        count_v[v_arr[edge]] -= 1
        for q in q_arr[edge]:
            count_q[q] -= 1
        free.append(worker)

    while free:
        w = free.pop()
        if next_choice[w] >= starts[w + 1]:
            continue  # out of options: stays unassigned
        edge = order[next_choice[w]]
        next_choice[w] += 1
        v = v_arr[edge]
        holding[w] = edge
        heapq.heappush(held_v[v], -edge)
        count_v[v] += 1
        for q in q_arr[edge]:
            heapq.heappush(held_q[q], -edge)
            count_q[q] += 1
        while count_v[v] > capacity[v]:
            reject_worst(held_v[v])
        for q in q_arr[edge]:
            while count_q[q] > quota[q]:
                reject_worst(held_q[q])
    held = np.asarray(holding, dtype=np.int64)
    chosen = np.zeros(len(e), dtype=bool)
    chosen[held[held >= 0]] = True
    return _result(p, chosen, "stable", started, solver="deferred_acceptance")


def hold_places(
    edges: pd.DataFrame,
    capacity: Mapping[Any, int] | pd.Series,
    held: Mapping[int, int],
    graduates: Mapping[int, Any],
) -> tuple[pd.DataFrame, pd.Series]:
    """Places a vacancy holds for named workers (an order class's graduates) as a second vacancy only they reach.

    Vacancy `v` (a positive integer id) holding `held[v]` of its places keeps `capacity - held` for everyone
    and gains a twin `-v` with the held places, to which only the edges of `graduates[v]` are copied; any
    solver then never gives a held place to anyone else, and `released` maps the twins back to `v`.
    """
    cap = pd.Series(capacity, dtype="int64") if not isinstance(capacity, pd.Series) else capacity.astype("int64")
    cap = cap.copy()
    twins = [edges.iloc[:0]]
    for vacancy, places in held.items():
        if vacancy not in cap.index or places <= 0:
            continue
        if vacancy <= 0:
            raise ValueError("held places need positive vacancy ids")
        kept = min(int(places), int(cap[vacancy]))
        cap[vacancy] -= kept
        cap[-vacancy] = kept
        theirs = edges[(edges["vacancy_id"] == vacancy) & edges["worker_id"].isin(list(graduates.get(vacancy, ())))]
        twins.append(theirs.assign(vacancy_id=-vacancy))
    return pd.concat([edges, *twins], ignore_index=True), cap


def released(result: Allocation) -> Allocation:
    """A proposal made with `hold_places`, its twin vacancies named by their own ids again."""
    assignments = result.assignments.assign(vacancy_id=result.assignments["vacancy_id"].abs())
    assignments = assignments.sort_values(["worker_id", "vacancy_id"]).reset_index(drop=True)
    return Allocation(assignments, result.method, result.objective, result.solver, result.seconds, result.details)
