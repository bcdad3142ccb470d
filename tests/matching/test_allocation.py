"""Allocation solvers against brute force on small random instances: optimal, feasible, stable, deterministic."""

import itertools

import numpy as np
import pandas as pd
import pytest

from matching import allocation as alloc


def random_instance(rng: np.random.Generator, quotas: bool = False, ties: bool = False):
    n_workers, n_vacancies = int(rng.integers(1, 6)), int(rng.integers(1, 4))
    pairs = [(w, v) for w in range(n_workers) for v in range(n_vacancies) if rng.random() < 0.6]
    pairs = pairs[:11] or [(0, 0)]
    scores = rng.integers(1, 5, len(pairs)) / 5 if ties else rng.random(len(pairs)).round(4)
    edges = pd.DataFrame({"worker_id": [f"w{w}" for w, _ in pairs], "vacancy_id": [100 + v for _, v in pairs],
                          "score": scores})  # fmt: skip
    capacity = {100 + v: int(rng.integers(0, 3)) for v in range(n_vacancies)}
    quota_map = None
    if quotas:
        edges["pairing_id"] = rng.choice(["p1", "p2", None], len(pairs))  # crosses vacancies: the MILP path
        quota_map = {"p1": int(rng.integers(0, 3)), "p2": int(rng.integers(0, 2))}
    return edges, capacity, quota_map


def feasible(chosen: pd.DataFrame, capacity, quotas) -> bool:
    if chosen["worker_id"].duplicated().any():
        return False
    per_vacancy = chosen["vacancy_id"].value_counts()
    if any(n > capacity.get(v, 0) for v, n in per_vacancy.items()):
        return False
    if quotas and "pairing_id" in chosen:
        per_pairing = chosen["pairing_id"].dropna().value_counts()
        if any(n > quotas.get(p, np.inf) for p, n in per_pairing.items()):
            return False
    return True


def brute_force(edges: pd.DataFrame, capacity, quotas) -> tuple[float, int, float]:
    """(best total score, most workers placed, best total among the assignments placing that many)."""
    best_total, most, best_at_most = 0.0, 0, 0.0
    rows = list(range(len(edges)))
    for r in range(1, len(rows) + 1):
        for subset in itertools.combinations(rows, r):
            chosen = edges.iloc[list(subset)]
            if not feasible(chosen, capacity, quotas):
                continue
            total = float(chosen["score"].sum())
            best_total = max(best_total, total)
            if r > most:
                most, best_at_most = r, total
            elif r == most:
                best_at_most = max(best_at_most, total)
    return best_total, most, best_at_most


@pytest.mark.parametrize("quotas", [False, True], ids=["capacity", "capacity+quotas"])
def test_min_cost_flow_is_the_brute_force_optimum_and_beats_greedy_and_stable(quotas):
    rng = np.random.default_rng(11 if quotas else 3)
    for _ in range(120):
        edges, capacity, quota_map = random_instance(rng, quotas=quotas)
        best_total, most, best_at_most = brute_force(edges, capacity, quota_map)
        exact = alloc.min_cost_flow(edges, capacity, quota_map)
        assert exact.total_score == pytest.approx(best_total, abs=1e-5)
        placed_first = alloc.min_cost_flow(edges, capacity, quota_map, objective="placed_first")
        assert placed_first.placed == most
        assert placed_first.total_score == pytest.approx(best_at_most, abs=1e-5)
        for heuristic in (alloc.greedy, alloc.stable):
            result = heuristic(edges, capacity, quota_map)
            assert feasible(result.assignments, capacity, quota_map)
            assert result.total_score <= exact.total_score + 1e-9
        assert feasible(exact.assignments, capacity, quota_map)
        assert feasible(placed_first.assignments, capacity, quota_map)


def test_quotas_that_nest_in_vacancies_use_the_flow_and_quotas_that_cross_them_the_integer_programme():
    edges = pd.DataFrame(
        {
            "worker_id": [1, 2, 3, 4],
            "vacancy_id": [10, 10, 11, 11],
            "score": [0.9, 0.8, 0.7, 0.6],
            "pairing_id": ["dongguan", "dongguan", "foshan", "foshan"],
        }
    )
    nested = alloc.min_cost_flow(edges, {10: 2, 11: 2}, {"dongguan": 1})
    assert nested.solver == "ortools_min_cost_flow"
    assert sorted(nested.assignments["worker_id"]) == [1, 3, 4]
    crossing = edges.assign(pairing_id=["dongguan", "foshan", "dongguan", "foshan"])
    result = alloc.min_cost_flow(crossing, {10: 2, 11: 2}, {"dongguan": 1})
    assert result.solver == "highs_milp"
    assert sorted(result.assignments["worker_id"]) == [1, 2, 4]


def test_retention_can_leave_a_worker_out_where_placed_first_places_both():
    # Worker 1 is the likelier stayer in the only good job; worker 2 fits nothing else.
    edges = pd.DataFrame({"worker_id": [1, 2, 1], "vacancy_id": [10, 10, 11], "score": [0.9, 0.8, 0.05]})
    retention = alloc.min_cost_flow(edges, {10: 1, 11: 1})
    assert retention.assignments[["worker_id", "vacancy_id"]].values.tolist() == [[1, 10]]
    both = alloc.min_cost_flow(edges, {10: 1, 11: 1}, objective="placed_first")
    assert both.assignments[["worker_id", "vacancy_id"]].values.tolist() == [[1, 11], [2, 10]]
    assert both.total_score == pytest.approx(0.85) and retention.total_score == pytest.approx(0.9)


def test_greedy_crowds_the_best_job_and_the_exact_solver_does_not():
    # Both workers like job 10 best; greedy gives it to worker 1 and strands worker 2.
    edges = pd.DataFrame({"worker_id": [1, 1, 2], "vacancy_id": [10, 11, 10], "score": [0.9, 0.85, 0.8]})
    assert alloc.greedy(edges, {10: 1, 11: 1}).total_score == pytest.approx(0.9)
    exact = alloc.min_cost_flow(edges, {10: 1, 11: 1})
    assert exact.total_score == pytest.approx(1.65) and exact.placed == 2


def blocking_pairs(edges: pd.DataFrame, capacity, chosen: pd.DataFrame) -> list[tuple]:
    """(worker, vacancy) joined by an edge who both prefer each other to what they hold."""
    held = dict(zip(chosen["worker_id"], chosen["score"], strict=True))
    at_vacancy = chosen.groupby("vacancy_id")["score"].agg(["count", "min"])
    out = []
    for w, v, s in edges[["worker_id", "vacancy_id", "score"]].itertuples(index=False):
        if capacity.get(v, 0) == 0 or (w in held and held[w] >= s):
            continue
        count, worst = at_vacancy.loc[v] if v in at_vacancy.index else (0, np.inf)
        if count < capacity[v] or worst < s:
            out.append((w, v))
    return out


def test_stable_has_no_blocking_pair_and_equals_greedy_without_ties():
    rng = np.random.default_rng(5)
    for _ in range(300):
        edges, capacity, _ = random_instance(rng)
        result = alloc.stable(edges, capacity)
        assert blocking_pairs(edges, capacity, result.assignments) == []
        assert result.assignments.equals(alloc.greedy(edges, capacity).assignments)


def test_stable_has_no_blocking_pair_with_ties_either():
    rng = np.random.default_rng(9)
    for _ in range(300):
        edges, capacity, _ = random_instance(rng, ties=True)
        result = alloc.stable(edges, capacity)
        assert blocking_pairs(edges, capacity, result.assignments) == []


def test_larger_random_instances_respect_capacity_and_quotas():
    rng = np.random.default_rng(21)
    n = 4000
    edges = pd.DataFrame(
        {
            "worker_id": rng.integers(0, 800, n),
            "vacancy_id": rng.integers(0, 60, n),
            "score": rng.beta(4, 3, n),
        }
    )
    edges["pairing_id"] = np.where(edges["vacancy_id"] < 30, "east_a", "east_b")  # nests in vacancies
    capacity = {v: int(rng.integers(1, 8)) for v in range(60)}
    quotas = {"east_a": 40}
    results = {m: alloc.allocate(edges, capacity, quotas, method=m) for m in alloc.METHODS}
    for result in results.values():
        assert feasible(result.assignments, capacity, quotas)
        assert (result.assignments["pairing_id"] == "east_a").sum() <= 40
    assert results["min_cost_flow"].total_score >= max(r.total_score for r in results.values()) - 1e-9
    assert blocking_pairs(edges.drop(columns="pairing_id"), capacity, alloc.stable(edges, capacity).assignments) == []


def test_the_same_input_in_any_row_order_gives_the_same_proposal():
    rng = np.random.default_rng(8)
    edges, capacity, quotas = random_instance(rng, quotas=True, ties=True)
    for method in alloc.METHODS:
        first = alloc.allocate(edges, capacity, quotas, method=method).assignments
        for seed in range(5):
            shuffled = edges.sample(frac=1, random_state=seed)
            assert alloc.allocate(shuffled, capacity, quotas, method=method).assignments.equals(first)


def test_repeated_edges_keep_their_best_score_and_full_vacancies_take_nobody():
    edges = pd.DataFrame({"worker_id": [1, 1, 2], "vacancy_id": [10, 10, 11], "score": [0.3, 0.7, 0.9]})
    for method in alloc.METHODS:
        result = alloc.allocate(edges, {10: 1, 11: 0}, method=method)
        assert result.assignments[["worker_id", "vacancy_id", "score"]].values.tolist() == [[1, 10, 0.7]]


def test_bad_input_is_refused_with_a_reason():
    with pytest.raises(ValueError, match="within"):
        alloc.greedy(pd.DataFrame({"worker_id": [1], "vacancy_id": [1], "score": [1.5]}), {1: 1})
    with pytest.raises(ValueError, match="columns"):
        alloc.greedy(pd.DataFrame({"worker_id": [1], "score": [0.5]}), {1: 1})
    with pytest.raises(ValueError, match="unknown method"):
        alloc.allocate(pd.DataFrame({"worker_id": [1], "vacancy_id": [1], "score": [0.5]}), {1: 1}, method="x")  # type: ignore[arg-type]
    empty = alloc.min_cost_flow(pd.DataFrame(columns=["worker_id", "vacancy_id", "score"]), {})
    assert empty.placed == 0


NESTS = [(), ("gd",), ("gd", "dg"), ("gd", "dg", "dg-rs"), ("gd", "fs"), ("zj",)]


def nested_instance(rng: np.random.Generator):
    """Edges under a province pairing, its prefecture pairings and a county pairing inside one of them."""
    edges, capacity, _ = random_instance(rng)
    edges["pairing_ids"] = [NESTS[i] for i in rng.integers(0, len(NESTS), len(edges))]
    edges["pairing_id"] = [ids[-1] if ids else None for ids in edges["pairing_ids"]]  # the most specific
    names = ["gd", "dg", "dg-rs", "fs", "zj"]
    quotas = {p: int(rng.integers(0, 3)) for p in names if rng.random() < 0.6}
    return edges, capacity, quotas


def feasible_nested(edges: pd.DataFrame, chosen: pd.DataFrame, capacity, quotas) -> bool:
    """Capacity, one job per worker, and every quota counted over every pairing an edge runs under."""
    if not feasible(chosen.drop(columns=["pairing_id"], errors="ignore"), capacity, None):
        return False
    covering = chosen[["worker_id", "vacancy_id"]].merge(edges, on=["worker_id", "vacancy_id"])["pairing_ids"]
    counts = pd.Series([p for ids in covering for p in ids], dtype=object).value_counts()
    return all(n <= quotas.get(p, np.inf) for p, n in counts.items())


def test_nested_quotas_bind_every_level_and_the_solver_is_the_brute_force_optimum():
    rng = np.random.default_rng(29)
    milp_used = 0
    for _ in range(150):
        edges, capacity, quotas = nested_instance(rng)
        best_total = 0.0
        for r in range(1, len(edges) + 1):
            for subset in itertools.combinations(range(len(edges)), r):
                chosen = edges.iloc[list(subset)]
                if feasible_nested(edges, chosen, capacity, quotas):
                    best_total = max(best_total, float(chosen["score"].sum()))
        exact = alloc.min_cost_flow(edges, capacity, quotas)
        assert feasible_nested(edges, exact.assignments, capacity, quotas)
        assert exact.total_score == pytest.approx(best_total, abs=1e-5)
        milp_used += exact.solver == "highs_milp"
        for heuristic in (alloc.greedy, alloc.stable):
            result = heuristic(edges, capacity, quotas)
            assert feasible_nested(edges, result.assignments, capacity, quotas)
            assert result.total_score <= exact.total_score + 1e-9
    assert milp_used > 20  # nested quotas do reach the integer programme


def test_a_province_quota_of_zero_stops_placements_under_its_prefecture_pairings():
    edges = pd.DataFrame(
        {
            "worker_id": [1, 2, 3],
            "vacancy_id": [10, 11, 12],
            "score": [0.9, 0.8, 0.5],
            "pairing_id": ["dongguan", "dongguan-rongshui", None],
            "pairing_ids": [("guangdong", "dongguan"), ("guangdong", "dongguan", "dongguan-rongshui"), ()],
        }
    )
    capacity = {10: 1, 11: 1, 12: 1}
    for method in alloc.METHODS:
        result = alloc.allocate(edges, capacity, {"guangdong": 0}, method=method)
        assert list(result.assignments["worker_id"]) == [3], method
    only_county = alloc.min_cost_flow(edges, capacity, {"dongguan-rongshui": 0})
    assert only_county.solver == "ortools_min_cost_flow"  # one quota per edge: still the flow
    assert sorted(only_county.assignments["worker_id"]) == [1, 3]


@pytest.mark.parametrize("method", alloc.METHODS)
def test_held_places_go_to_the_named_workers_only(method):
    # Vacancy 7 has 3 places, 2 held for graduates g1 and g2; the others score higher everywhere.
    edges = pd.DataFrame(
        {
            "worker_id": ["a", "b", "c", "g1", "g2", "a", "b", "c"],
            "vacancy_id": [7, 7, 7, 7, 7, 8, 8, 8],
            "score": [0.9, 0.9, 0.9, 0.5, 0.5, 0.4, 0.4, 0.4],
        }
    )
    capacity = {7: 3, 8: 3}
    plain = alloc.allocate(edges, capacity, method=method)
    assert plain.assignments.query("vacancy_id == 7")["worker_id"].isin(["a", "b", "c"]).sum() == 3
    held_edges, held_capacity = alloc.hold_places(edges, capacity, {7: 2}, {7: ["g1", "g2"]})
    result = alloc.released(alloc.allocate(held_edges, held_capacity, method=method))
    on_7 = result.assignments.query("vacancy_id == 7")["worker_id"]
    assert sorted(on_7) == ["a", "g1", "g2"] or sorted(on_7) == ["b", "g1", "g2"] or sorted(on_7) == ["c", "g1", "g2"]
    assert set(result.assignments["vacancy_id"]) <= {7, 8} and not result.assignments["worker_id"].duplicated().any()
    assert result.placed == 5
