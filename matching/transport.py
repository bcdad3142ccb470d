"""Route-level transport: how many unplaced workers each (origin, destination) route should carry, by occupation
family, so that the most placements last; the pairing proposals compare it under today's and proposed pairings.

Workers of one origin and family are interchangeable here, and so are the places of one destination and family:
a route's score (the ranker's predicted chance a placement on it lasts 90 days) is the same for all of them. The
problem is then the allocator's (``matching.allocation``) with one node per (origin, family) and per (destination,
family) instead of one per worker and vacancy, and it is solved the way the allocator solves its own: an OR-tools
min-cost flow, or, when a link's cap binds across families (no longer a flow), the same problem as an integer
programme (HiGHS). Scores become the allocator's integer gains, so both reach the same optimum
(tests/matching/test_transport.py checks it against the allocator run on the workers one by one).
Pure numpy/pandas/OR-tools: no ``app`` imports.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from matching.allocation import SCALE

SUPPLY_COLUMNS = ("origin", "family", "workers")
DEMAND_COLUMNS = ("destination", "family", "places")
SCORE_COLUMNS = ("origin", "destination", "score")  # and optionally "link": the cap a route's flow counts against


@dataclass(frozen=True)
class Routes:
    """The flows (origin, destination, family, flow, score, link) and the expected lasting placements they make."""

    flows: pd.DataFrame
    expected_lasting: float
    solver: str
    seconds: float

    @property
    def placed(self) -> int:
        return int(self.flows["flow"].sum())


def _arcs(supply: pd.DataFrame, demand: pd.DataFrame, scores: pd.DataFrame) -> pd.DataFrame:
    """Every (origin, destination, family) a scored route can carry: supply and demand of that family both there."""
    for frame, columns in ((supply, SUPPLY_COLUMNS), (demand, DEMAND_COLUMNS), (scores, SCORE_COLUMNS)):
        missing = [c for c in columns if c not in frame.columns]
        if missing:
            raise ValueError(f"missing columns {missing}")
    s = scores["score"].to_numpy(dtype=float)
    if len(s) and (np.isnan(s).any() or s.min() < 0 or s.max() > 1):
        raise ValueError("scores are probabilities: every score must be within [0, 1]")
    if supply.empty or demand.empty or scores.empty:  # nothing to carry (and empty frames carry no dtypes)
        return pd.DataFrame(columns=["origin", "destination", "score", "link", "family", "workers", "places"])
    supply = supply[supply["workers"] > 0].groupby(["origin", "family"], as_index=False)["workers"].sum()
    demand = demand[demand["places"] > 0].groupby(["destination", "family"], as_index=False)["places"].sum()
    routes = scores.drop_duplicates(["origin", "destination"], keep="first")
    if "link" not in routes:
        routes = routes.assign(link=None)
    arcs = routes.merge(supply, on="origin").merge(demand, on=["destination", "family"])
    return arcs.sort_values(["origin", "destination", "family"], kind="stable").reset_index(drop=True)


def solve(
    supply: pd.DataFrame,
    demand: pd.DataFrame,
    scores: pd.DataFrame,
    caps: Mapping[Any, int] | None = None,
    flow_first: bool = True,
) -> Routes:
    """Maximise the expected lasting placements: each route's flow × its score, within supply, places and caps.

    `scores` lists the routes that may carry workers at all (those the pairings allow); a route with a `link`
    counts against `caps[link]` when that link has a cap. Workers may stay where they are. `flow_first=False`
    skips the flow when the caller knows a cap binds (re-solving a problem whose caps bound before).
    """
    started = time.perf_counter()
    arcs = _arcs(supply, demand, scores)
    caps = {k: int(v) for k, v in (caps or {}).items()}
    if any(v < 0 for v in caps.values()):
        raise ValueError("a cap cannot be negative")
    gain = np.rint(arcs["score"].to_numpy(dtype=float) * SCALE).astype(np.int64)
    if not len(arcs):
        return _routes(arcs, np.zeros(0, dtype=np.int64), "none", started)
    if caps and not flow_first:
        flow, solver = _milp(arcs, gain, caps)
        return _routes(arcs, flow, solver, started)
    flow = _min_cost_flow(arcs, gain)
    solver = "ortools_min_cost_flow"
    if caps and not _within_caps(arcs, flow, caps):
        flow, solver = _milp(arcs, gain, caps)
    return _routes(arcs, flow, solver, started)


def _routes(arcs: pd.DataFrame, flow: np.ndarray, solver: str, started: float) -> Routes:
    flows = arcs.assign(flow=flow)[["origin", "destination", "family", "flow", "score", "link"]]
    flows = flows[flows["flow"] > 0].reset_index(drop=True)
    expected = float((flows["flow"] * flows["score"]).sum())
    return Routes(flows, expected, solver, time.perf_counter() - started)


def _codes(arcs: pd.DataFrame, *columns: str) -> tuple[np.ndarray, int]:
    """A node number per arc for the distinct values of `columns` (factorised column by column: a MultiIndex is
    many times slower on 200,000 arcs)."""
    combined = np.zeros(len(arcs), dtype=np.int64)
    for column in columns:
        codes, uniques = pd.factorize(arcs[column])
        combined = combined * max(len(uniques), 1) + codes
    codes, uniques = pd.factorize(combined)
    return codes, len(uniques)


def _sizes(arcs: pd.DataFrame, codes: np.ndarray, n: int, column: str) -> np.ndarray:
    out = np.zeros(n, dtype=np.int64)
    out[codes] = arcs[column].to_numpy(dtype=np.int64)  # the same value on every arc of a node
    return out


def _min_cost_flow(arcs: pd.DataFrame, gain: np.ndarray) -> np.ndarray:
    """Without caps the problem is a transport problem: source → (origin, family) → (destination, family) → sink."""
    from ortools.graph.python import min_cost_flow as mcf

    s_code, n_s = _codes(arcs, "origin", "family")
    d_code, n_d = _codes(arcs, "destination", "family")
    supply, places = _sizes(arcs, s_code, n_s, "workers"), _sizes(arcs, d_code, n_d, "places")
    total = int(supply.sum())
    source, sink = 0, 1
    s_node, d_node = 2 + np.arange(n_s), 2 + n_s + np.arange(n_d)
    tails = np.concatenate([[source], np.full(n_s, source), s_node[s_code], d_node])
    heads = np.concatenate([[sink], s_node, d_node[d_code], np.full(n_d, sink)])
    capacity = np.concatenate([[total], supply, np.minimum(supply[s_code], places[d_code]), places])
    costs = np.concatenate([[0], np.zeros(n_s), -gain, np.zeros(n_d)]).astype(np.int64)
    solver = mcf.SimpleMinCostFlow()
    handles = solver.add_arcs_with_capacity_and_unit_cost(tails, heads, capacity.astype(np.int64), costs)
    supplies = np.zeros(2 + n_s + n_d, dtype=np.int64)
    supplies[source], supplies[sink] = total, -total  # a worker who stays takes the bypass
    solver.set_nodes_supplies(np.arange(len(supplies)), supplies)
    status = solver.solve()
    if status != solver.OPTIMAL:
        raise RuntimeError(f"min-cost flow did not solve: status {status}")
    return np.asarray(solver.flows(handles)[1 + n_s : 1 + n_s + len(arcs)], dtype=np.int64)


def _capped(arcs: pd.DataFrame, caps: Mapping[Any, int]) -> tuple[np.ndarray, np.ndarray, list[Any]]:
    """(arc row, cap code) for every arc whose link has a cap, and the caps' keys in code order."""
    keys = sorted((k for k in caps if k is not None), key=str)
    code = {k: i for i, k in enumerate(keys)}
    links = arcs["link"].tolist()
    rows = np.array([i for i, k in enumerate(links) if k in code], dtype=np.int64)
    return rows, np.array([code[links[i]] for i in rows], dtype=np.int64), keys


def _within_caps(arcs: pd.DataFrame, flow: np.ndarray, caps: Mapping[Any, int]) -> bool:
    rows, codes, keys = _capped(arcs, caps)
    used = np.bincount(codes, weights=flow[rows], minlength=len(keys))
    return bool(np.all(used <= np.array([caps[k] for k in keys]) + 1e-9))


def _milp(arcs: pd.DataFrame, gain: np.ndarray, caps: Mapping[Any, int]) -> tuple[np.ndarray, str]:
    """A cap over several families is no longer a flow: the same problem as an integer programme (exact), solved
    as a linear programme when that already gives whole numbers."""
    from scipy.optimize import Bounds, LinearConstraint, milp
    from scipy.sparse import csr_matrix, vstack

    n = len(arcs)
    cols = np.arange(n)
    s_code, n_s = _codes(arcs, "origin", "family")
    d_code, n_d = _codes(arcs, "destination", "family")
    rows_, codes, keys = _capped(arcs, caps)
    matrix = vstack(
        [
            csr_matrix((np.ones(n), (s_code, cols)), shape=(n_s, n)),
            csr_matrix((np.ones(n), (d_code, cols)), shape=(n_d, n)),
            csr_matrix((np.ones(len(rows_)), (codes, rows_)), shape=(len(keys), n)),
        ]
    ).tocsr()
    upper = np.concatenate(
        [
            _sizes(arcs, s_code, n_s, "workers"),
            _sizes(arcs, d_code, n_d, "places"),
            np.array([caps[k] for k in keys], dtype=np.int64),
        ]
    ).astype(float)
    bound = np.minimum(arcs["workers"], arcs["places"]).to_numpy(dtype=float)
    # The linear relaxation first: when its optimum is integral it is the integer optimum too, which is usual for a
    # transport problem with a few side constraints.
    relaxed = _relaxation(matrix, upper, gain, s_code)
    if relaxed is not None and np.all(np.abs(relaxed - np.rint(relaxed)) < 1e-6):
        return np.rint(relaxed).astype(np.int64), "highs_lp"
    result = milp(
        -gain.astype(float),
        constraints=LinearConstraint(matrix, -np.inf, upper),
        integrality=np.ones(n),
        bounds=Bounds(0, bound),
    )
    if result.x is None:
        raise RuntimeError(f"integer programme did not solve: {result.message}")
    return np.rint(result.x).astype(np.int64), "highs_milp"


START_COLUMNS = 3  # each (origin, family) starts with its best-scored arcs; the rest enter when they would pay


def _relaxation(matrix: Any, upper: np.ndarray, gain: np.ndarray, s_code: np.ndarray) -> np.ndarray | None:
    """The linear relaxation's optimum by column generation: solve over a few arcs per supply node, price every
    arc with the duals, add those whose reduced cost says they would raise the total, repeat until none would.

    Exact (an optimum of the restricted problem with no improving arc left is an optimum of the whole), and a few
    times faster than one solve over every arc when most workers' best routes are enough.
    """
    from scipy.optimize import linprog

    n = len(gain)
    cost = -gain.astype(float)
    rank = np.empty(n, dtype=np.int64)
    order = np.lexsort((np.arange(n), -gain, s_code))
    starts = np.r_[0, np.flatnonzero(np.diff(s_code[order])) + 1]
    rank[order] = np.arange(n) - np.repeat(starts, np.diff(np.r_[starts, n]))
    active = rank < START_COLUMNS
    by_column = matrix.tocsc()
    for _ in range(50):
        cols = np.flatnonzero(active)
        result = linprog(cost[cols], A_ub=by_column[:, cols], b_ub=upper, bounds=(0, None), method="highs-ds")
        if result.x is None:
            return None
        reduced = cost - by_column.T @ result.ineqlin.marginals
        entering = ~active & (reduced < -1e-6 * max(1.0, float(np.abs(cost).max())))
        if not entering.any():
            x = np.zeros(n)
            x[cols] = result.x
            return x
        active |= entering
    return None  # did not settle: the caller solves the integer programme over every arc


def as_workers(supply: pd.DataFrame, demand: pd.DataFrame, scores: pd.DataFrame) -> tuple[pd.DataFrame, pd.Series]:
    """The same problem one worker and one (destination, family) "vacancy" at a time, for ``allocation.allocate``:
    its edges (worker_id, vacancy_id, score, pairing_id) and each vacancy's places. Small instances only."""
    arcs = _arcs(supply, demand, scores)
    d_code, n_d = _codes(arcs, "destination", "family")
    places = pd.Series(_sizes(arcs, d_code, n_d, "places"), index=np.arange(n_d) + 1)
    s_code, n_s = _codes(arcs, "origin", "family")
    workers = _sizes(arcs, s_code, n_s, "workers")
    first_worker = np.concatenate([[0], np.cumsum(workers)[:-1]])
    parts = []
    for i in range(len(arcs)):
        n = workers[s_code[i]]
        parts.append(
            pd.DataFrame(
                {
                    "worker_id": first_worker[s_code[i]] + np.arange(n) + 1,
                    "vacancy_id": d_code[i] + 1,
                    "score": arcs["score"].iat[i],
                    "pairing_id": arcs["link"].iat[i],
                }
            )
        )
    edges = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=["worker_id", "vacancy_id", "score"])
    return edges, places


TYPICAL_OCCUPATION = "6-25-04-00"  # any real code: the typical worker asked for the job's own occupation


def typical_scores(ranker: Any, origins: pd.DataFrame, destinations: pd.DataFrame, paired: bool) -> pd.DataFrame:
    """Each route's score: the ranker's chance that a typical placement on it lasts 90 days.

    `origins` and `destinations` have `code`, `lon`, `lat` (a county or prefecture and its point). The typical
    placement holds everything but the route fixed, so routes differ by what the ranker reads of the route
    itself (distance, crossing a province, being paired): a worker with junior secondary schooling placed in
    the occupation they asked for, at the wage they expect, on a 12-month day-shift contract with dormitory
    and meals.
    """
    o = origins.reset_index(drop=True)
    d = destinations.reset_index(drop=True)
    oi, di = np.repeat(np.arange(len(o)), len(d)), np.tile(np.arange(len(d)), len(o))
    n = len(oi)
    pairs = pd.DataFrame(
        {
            "worker_county": o["code"].to_numpy()[oi],
            "worker_lon": o["lon"].to_numpy(dtype=float)[oi],
            "worker_lat": o["lat"].to_numpy(dtype=float)[oi],
            "education": "junior_secondary",
            "skills": [[] for _ in range(n)],
            "desired_occupations": [[TYPICAL_OCCUPATION] for _ in range(n)],
            "channel_preference": "any",
            "expected_wage": 5000.0,
            "dependants": 0,
            "monitored_household": 0,
            "prior_placements": 0,
            "prior_early_exits": 0,
            "vacancy_county": d["code"].to_numpy()[di],
            "vacancy_lon": d["lon"].to_numpy(dtype=float)[di],
            "vacancy_lat": d["lat"].to_numpy(dtype=float)[di],
            "occupation_code": TYPICAL_OCCUPATION,
            "wage_min": 4500.0,
            "wage_max": 5500.0,
            "housing": True,
            "meals": True,
            "shift": "day",
            "contract_months": 12.0,
            "paired": float(paired),
        }
    )
    from matching.features import pair_features

    score = ranker.predict_proba(pair_features(pairs))[:, 1] if n else np.zeros(0)
    return pd.DataFrame({"origin": pairs["worker_county"], "destination": pairs["vacancy_county"], "score": score})
