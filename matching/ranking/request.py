"""One request: one worker against the prepared board (ranked, in tiers or by score) and the reasons of its rows.

The batch path's frames, sparse matrices and pandas sorts cost more than the arithmetic here, so this path does
the same float64 arithmetic (the `core` parts, in the same order) on plain arrays: scores are identical to
`top_k_batch` (tests compare them), and a request costs a few vector operations over the board.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Literal

import numpy as np

from matching.ranking import core
from matching.ranking.channels import ADMIT_TABLE, LEGAL_AGE, WIDENED_ADMIT_TABLE
from matching.ranking.prepared import OneWorker, PreparedBoard
from matching.ranking.reasons import Reader, factor_effects, reason_rows

Order = Literal["tiers", "retention"]


def _best(rank_key: np.ndarray, ids: np.ndarray, k: int) -> np.ndarray:
    """Positions of the `k` largest keys, best first, ties to the lower id (partition, then sort the few)."""
    if len(rank_key) > k:
        cut = -np.partition(-rank_key, k - 1)[k - 1]
        near = np.flatnonzero(rank_key >= cut)
    else:
        near = np.arange(len(rank_key))
    return near[np.lexsort((ids[near], -rank_key[near]))][:k]


def rank_one(
    worker: Any, board: PreparedBoard, k: int, exclude: Iterable[int] = (), order: Order = "retention"
) -> dict[str, np.ndarray]:
    """`top_k_prepared` for one worker row (shortlist = k, no rerank) without frames: the per-request path.

    Returns arrays `col` (board positions), `vacancy_id`, `score`, `logit`, `rank_key`, `tier` (index into
    `core.TIERS`). `order="retention"` is best rank key first, ties to the lower vacancy id (what the batch
    path gives); `order="tiers"` takes the tiers in turn (training, wish, skill, other) and the same order within
    each; the worker row's optional `training_vacancies` (ids) are the `training` tier. Vacancies in `exclude`
    (ids) are skipped as if they had no headcount left.
    """
    if k < 1:
        raise ValueError("k must be at least 1")
    empty = {n: np.zeros(0) for n in ("score", "logit", "rank_key")}
    empty.update(col=np.zeros(0, np.int64), vacancy_id=board.ids[:0], tier=np.zeros(0, np.int64))
    one = OneWorker(worker)
    if one.age < LEGAL_AGE or not len(board.ids):
        return empty
    ranker = board.ranker
    dist_c, channel_c, paired_c = board.home(one.county, one.lon, one.lat)
    channel = channel_c[board.county]
    admits = (WIDENED_ADMIT_TABLE if one.widen else ADMIT_TABLE)[one.pref]
    cols = np.flatnonzero(admits[channel])
    rules = board.rules
    ok = (one.age >= rules[:, 0]) & (one.age <= rules[:, 1]) & (one.edu >= rules[:, 2])
    keep = ok[board.rule[cols]]
    if one.blocked:
        keep &= ~np.isin(board.employer[cols], one.blocked)
    gone = [board.position[v] for v in exclude if v in board.position]
    if gone:
        keep &= ~np.isin(cols, gone)
    cols = cols[keep]
    vc, ch_s, mid_s = board.county[cols], channel[cols], board.mid[cols]
    located = core.location_table(ranker, dist_c, channel_c, one.pref, paired_c)
    place = located[vc, board.housing[cols].astype(np.int64)] + board.const[cols]
    occupations = board.occupations(one.desired, one.skills)
    code = board.code[cols]
    occ = core.occupation_part(ranker, occupations)[code]
    wage = core.wage_part(ranker, board.mids, one.expected0)[board.mid_id[cols]]  # per distinct pay, gathered
    logit = core.pair_logit(place, wage, occ, core.worker_part(ranker, one.edu))
    rank_key = logit + one.boost_wage * (mid_s >= one.expected0) + one.boost_local * (ch_s != 0)
    trained = np.isin(board.ids[cols], one.training)  # the worker's own order-class vacancies, any occupation
    desired, skill_family = occupations["occupation_desired"], occupations["occupation_skill_family"]
    tier = core.tier_of(desired[code], skill_family[code], trained)
    if order == "retention":
        chosen = _best(rank_key, board.ids[cols], k)
    else:  # each tier's best in turn; the big "other" tier is only partitioned
        picked: list[np.ndarray] = []
        for t in range(len(core.TIERS)):
            left = k - sum(len(p) for p in picked)
            if left <= 0:
                break
            members = np.flatnonzero(tier == t)
            if len(members):
                picked.append(members[_best(rank_key[members], board.ids[cols[members]], left)])
        chosen = np.concatenate(picked) if picked else np.zeros(0, np.int64)
    cols = cols[chosen]
    return {
        "col": cols,
        "vacancy_id": board.ids[cols],
        "score": 1.0 / (1.0 + np.exp(-logit[chosen])),
        "logit": logit[chosen],
        "rank_key": rank_key[chosen],
        "tier": tier[chosen],
    }


def explain_one(
    worker: Any,
    board: PreparedBoard,
    cols: np.ndarray,
    context: list[Any] | None = None,
    n: int = 3,
    reader: Reader = "worker",
) -> list[list[dict[str, Any]]]:
    """Reasons for one worker and the board positions `cols`, from the terms of the very features `rank_one`
    scored (the same `core` functions on the same board arrays)."""
    one = OneWorker(worker)
    m = len(cols)
    if not m:
        return []
    dist_c, channel_c, paired_c = board.home(one.county, one.lon, one.lat)
    vc = board.county[cols]
    code = board.code[cols]
    distance, housing = dist_c[vc], board.housing[cols]
    occupations = {name: values[code] for name, values in board.occupations(one.desired, one.skills).items()}
    features = {
        **core.vacancy_features(board.mid[cols], housing, board.meals[cols], board.contract[cols], board.shift[cols]),
        **core.location_features(distance, channel_c[vc], one.pref, paired_c[vc], housing),
        **core.wage_features(board.mid[cols], one.expected0),
        **occupations,
        **core.worker_features(np.full(m, one.edu)),
    }
    names, values = factor_effects(board.ranker.contributions_of(features), m)
    facts = {**features, "distance_km": distance}
    rows = [{key: np.asarray(v)[i] if np.ndim(v) else v for key, v in facts.items()} for i in range(m)]
    return reason_rows(names, values, rows, context or [None] * m, n, reader)
