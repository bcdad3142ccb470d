"""Route-level transport: the optimum of the aggregated problem is the allocator's, run on the workers one by one."""

import numpy as np
import pandas as pd
import pytest

from matching import allocation, transport


def _frames(rows_s, rows_d, rows_r):
    return (
        pd.DataFrame(rows_s, columns=["origin", "family", "workers"]),
        pd.DataFrame(rows_d, columns=["destination", "family", "places"]),
        pd.DataFrame(rows_r, columns=["origin", "destination", "score", "link"]),
    )


def test_the_likelier_stayers_go_first_and_a_cap_moves_the_rest():
    supply, demand, scores = _frames(
        [("450225", "6-25", 2), ("451122", "6-25", 2), ("451122", "4-03", 5)],
        [("441900", "6-25", 3), ("440600", "4-03", 1)],
        [("450225", "441900", 0.9, "rongshui"), ("451122", "441900", 0.6, "zhongshan"),
         ("451122", "440600", 0.5, None)],
    )  # fmt: skip
    free = transport.solve(supply, demand, scores)
    assert free.solver == "ortools_min_cost_flow"
    assert free.flows[["origin", "destination", "family", "flow"]].values.tolist() == [
        ["450225", "441900", "6-25", 2], ["451122", "440600", "4-03", 1], ["451122", "441900", "6-25", 1],
    ]  # fmt: skip
    assert free.expected_lasting == pytest.approx(2 * 0.9 + 0.5 + 0.6)
    capped = transport.solve(supply, demand, scores, {"rongshui": 1})
    assert capped.solver.startswith("highs") and capped.placed == 4
    assert capped.expected_lasting == pytest.approx(0.9 + 0.5 + 2 * 0.6)
    closed = transport.solve(supply, demand, scores[scores["link"] != "zhongshan"])  # a link retired
    assert closed.expected_lasting == pytest.approx(2 * 0.9 + 0.5)


@pytest.mark.parametrize("capped", [False, True])
@pytest.mark.parametrize("seed", range(6))
def test_the_route_optimum_equals_the_allocators_on_the_same_workers(seed, capped):
    rng = np.random.default_rng(seed)
    origins, destinations, families = ["a", "b", "c", "d"], ["X", "Y", "Z"], ["f1", "f2", "f3"]
    supply = [(o, f, int(rng.integers(0, 5))) for o in origins for f in families]
    demand = [(d, f, int(rng.integers(0, 5))) for d in destinations for f in families]
    links = ["k1", "k2", None]
    routes = [(o, d, round(float(rng.uniform(0.2, 0.95)), 3), links[int(rng.integers(0, 3))])
              for o in origins for d in destinations if rng.random() < 0.7]  # fmt: skip
    s, d, r = _frames(supply, demand, routes)
    caps = {"k1": int(rng.integers(0, 4)), "k2": int(rng.integers(0, 6))} if capped else {}
    routed = transport.solve(s, d, r, caps)
    assert routed.solver.startswith("highs") if capped else routed.solver == "ortools_min_cost_flow"  # caps bind
    edges, places = transport.as_workers(s, d, r)
    one_by_one = allocation.min_cost_flow(edges, places, caps)
    assert routed.expected_lasting == pytest.approx(one_by_one.total_score, abs=1e-9)
    used = routed.flows.groupby("link")["flow"].sum()
    assert all(used.get(k, 0) <= cap for k, cap in caps.items())
    assert (routed.flows.groupby(["origin", "family"])["flow"].sum() <= s.set_index(["origin", "family"])["workers"]
            .reindex(routed.flows.groupby(["origin", "family"])["flow"].sum().index)).all()  # fmt: skip


def test_bad_scores_and_caps_are_refused():
    supply, demand, scores = _frames([("a", "f", 1)], [("X", "f", 1)], [("a", "X", 1.2, None)])
    with pytest.raises(ValueError, match="within"):
        transport.solve(supply, demand, scores)
    with pytest.raises(ValueError, match="negative"):
        transport.solve(supply, demand, scores.assign(score=0.5), {"k": -1})
    assert transport.solve(supply, demand, scores.assign(score=0.5).iloc[:0]).placed == 0


@pytest.mark.parametrize("seed", [56, 91, 184])  # instances whose linear relaxation is fractional
def test_a_fractional_relaxation_falls_back_to_the_integer_programme(seed):
    rng = np.random.default_rng(seed)
    origins, destinations, families = ["a", "b", "c"], ["X", "Y"], ["f1", "f2"]
    supply = [(o, f, int(rng.integers(0, 3))) for o in origins for f in families]
    demand = [(d, f, int(rng.integers(0, 3))) for d in destinations for f in families]
    links = ["k1", "k2", None]
    routes = [(o, d, round(float(rng.uniform(0.2, 0.95)), 3), links[int(rng.integers(0, 3))])
              for o in origins for d in destinations]  # fmt: skip
    s, d, r = _frames(supply, demand, routes)
    caps = {"k1": int(rng.integers(0, 3)), "k2": int(rng.integers(0, 3))}
    routed = transport.solve(s, d, r, caps)
    assert routed.solver == "highs_milp"
    edges, places = transport.as_workers(s, d, r)
    assert routed.expected_lasting == pytest.approx(allocation.min_cost_flow(edges, places, caps).total_score)


@pytest.mark.parametrize("seed", range(4))
def test_column_generation_reaches_the_same_optimum_from_one_arc_per_node(seed, monkeypatch):
    """Start each supply node with its single best arc: the rest must enter by their reduced cost."""
    monkeypatch.setattr(transport, "START_COLUMNS", 1)
    rng = np.random.default_rng(100 + seed)
    origins, destinations, families = ["a", "b", "c", "d"], ["U", "V", "W", "X", "Y", "Z"], ["f1", "f2"]
    supply = [(o, f, int(rng.integers(0, 5))) for o in origins for f in families]
    demand = [(d, f, int(rng.integers(0, 3))) for d in destinations for f in families]
    routes = [(o, d, round(float(rng.uniform(0.2, 0.95)), 3), ["k1", "k2"][int(rng.integers(0, 2))])
              for o in origins for d in destinations]  # fmt: skip
    s, d, r = _frames(supply, demand, routes)
    caps = {"k1": int(rng.integers(1, 4)), "k2": int(rng.integers(1, 4))}
    routed = transport.solve(s, d, r, caps, flow_first=False)
    edges, places = transport.as_workers(s, d, r)
    assert routed.expected_lasting == pytest.approx(allocation.min_cost_flow(edges, places, caps).total_score)
