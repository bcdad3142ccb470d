"""Batch top-k: every worker of a frame against every open vacancy, exact, in bounded memory.

Two stages in `top_k_batch`: (a) for a chunk of workers against every open vacancy, hard rules as a mask and
the ranker's own logit computed in matrix form (the `core` parts: location and vacancy per block, wage from a
small table, occupation and rules per vacancy kind), then an exact `argpartition` top-`shortlist`; (b) the
shortlist rebuilt as pair rows through `matching.features.pair_features` and rescored with
`ranker.predict_proba`. For an additive ranker both stages agree (the tests check it), so the shortlist loses
nothing; stage (b) is where a ranker with interactions would go.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import sparse

from matching.features import EDUCATION_RANK, WORKER_HISTORY_FEATURES, _explode, is_paired, pair_features
from matching.ranking import core
from matching.ranking.channels import (
    ADMIT_TABLE,
    LEGAL_AGE,
    PREFERENCES,
    WIDENED_ADMIT_TABLE,
    preference_index,
)
from matching.ranking.estimator import RetentionRanker
from matching.ranking.prepared import PreparedBoard, family_of

_CELLS = 1 << 22  # worker x vacancy cells scored at once (float32: 16 MB a matrix): the memory bound
_EPS32 = float(np.finfo(np.float32).eps)
_BATCH_ROWS = 400_000  # shortlist rows reranked and cut to k at a time


def _codes_of(items: pd.Series, vocab: dict[str, int]) -> tuple[np.ndarray, np.ndarray]:
    """(row, vocabulary id) for every item of every list cell that is in `vocab`; the lists are exploded once."""
    rows, values = _explode(items)
    ids, uniq = pd.factorize(values)
    table = np.array([vocab.get(str(u), -1) for u in uniq], dtype=np.int64)
    found = table[ids] if len(ids) else np.zeros(0, dtype=np.int64)
    return rows[found >= 0], found[found >= 0]


def _indicator(rows: np.ndarray, cols: np.ndarray, n_rows: int, n_cols: int) -> sparse.csr_matrix:
    data = np.ones(len(rows), dtype=bool)
    return sparse.csr_matrix((data, (rows, cols)), shape=(n_rows, n_cols), dtype=bool)


def _optional(wk: pd.DataFrame, column: str, default: Any, dtype: Any) -> np.ndarray:
    if column in wk.columns:
        return wk[column].fillna(default).to_numpy(dtype=dtype)
    return np.full(len(wk), default, dtype=dtype)


@dataclass
class WorkerSide:
    """Worker arrays for a whole frame, built once: scalars, occupation evidence, after-departure rules."""

    expected0: np.ndarray  # expected wage, 0 when none
    age: np.ndarray
    edu: np.ndarray
    w_const: np.ndarray  # the worker part of the logit (intercept included)
    desired: sparse.csr_matrix  # workers x board codes
    skilled: sparse.csr_matrix
    wish_family: sparse.csr_matrix  # workers x board families
    skill_family: sparse.csr_matrix
    boost_wage: np.ndarray
    boost_local: np.ndarray
    blocked: list[Any]
    ids: np.ndarray

    @classmethod
    def build(cls, wk: pd.DataFrame, board: PreparedBoard) -> WorkerSide:
        N = len(wk)
        edu = wk["education"].map(EDUCATION_RANK).fillna(0).to_numpy(float)

        def families(column: str) -> sparse.csr_matrix:
            lists = wk[column].map(
                lambda v: [family_of(str(c)) for c in v] if isinstance(v, (list, tuple, np.ndarray)) else []
            )
            return _indicator(*_codes_of(lists, board.fam_vocab), N, board.n_fams)

        return cls(
            expected0=np.nan_to_num(pd.to_numeric(wk["expected_wage"], errors="coerce").to_numpy(float), nan=0.0),
            age=wk["age"].to_numpy(float),
            edu=edu,
            w_const=core.worker_part(board.ranker, edu),
            desired=_indicator(*_codes_of(wk["desired_occupations"], board.code_vocab), N, board.n_codes),
            skilled=_indicator(*_codes_of(wk["skills"], board.code_vocab), N, board.n_codes),
            wish_family=families("desired_occupations"),
            skill_family=families("skills"),
            boost_wage=_optional(wk, "boost_wage_met", 0.0, float),
            boost_local=_optional(wk, "boost_local", 0.0, float),
            blocked=list(wk["blocked_employers"]) if "blocked_employers" in wk.columns else [None] * N,
            ids=wk["worker_id"].to_numpy(),
        )


@dataclass
class Block:
    """The vacancies one block of workers (same home county, preference and widening) may see, and their
    per-vacancy parts: what `_score_chunk` needs besides the chunk's rows."""

    board: PreparedBoard
    workers: WorkerSide
    cols: np.ndarray  # board positions admitted by the channel rule
    place: np.ndarray  # location + vacancy part of the logit per admitted vacancy (float64)
    channel: np.ndarray
    shortlist: int

    def __post_init__(self) -> None:
        self.place32 = self.place.astype(np.float32)
        self.mid = self.board.mid[self.cols]
        self.kind = self.board.kind[self.cols]
        self.code = self.board.code[self.cols]
        self.mid_id = self.board.mid_id[self.cols]
        # Block columns whose places left are all held for named workers, with those workers' ids.
        self.reserved = [(j, self.board.reserved_for[int(c)]) for j, c in enumerate(self.cols)
                         if int(c) in self.board.reserved_for]  # fmt: skip


def top_k_batch(
    workers: pd.DataFrame,
    vacancies: pd.DataFrame,
    ranker: RetentionRanker,
    k: int = 20,
    *,
    pairs: frozenset[tuple[str, str]] = frozenset(),
    shortlist: int | None = None,
    chunk_size: int = 512,
    rerank: bool = True,
    require_consent: bool = False,
) -> pd.DataFrame:
    """Best `k` open vacancies per worker: hard rules, exact vectorised logit, top-`shortlist`, model rerank.

    Returns one row per (worker_id, vacancy_id) with `score` (P(lasts 90 days)), `rank_key` (score's logit
    plus any after-departure boosts; rows are ordered by it) and `rank` (1 = best); ties go to the lower
    vacancy id. Memory is bounded by `_CELLS` float32 cells per chunk (at most `chunk_size` workers).
    Workers under the legal age, or (with `require_consent`) without consent, get no rows; vacancies
    without headcount left are never offered.

    Worker columns: worker_id, worker_county, worker_lon, worker_lat, education, skills, desired_occupations,
    channel_preference, expected_wage, age (a hard rule only: the legal age and the vacancy's limits; never a
    model input). Optional: blocked_employers (list of employer ids, e.g. after a dispute), boost_wage_met and
    boost_local (added to the rank key after a quit_wage / quit_homesick / quit_family), widen_local (show
    local and nearby jobs even to a cross-region-minded worker who just came home; other preferences stay as
    they are). Vacancy columns: vacancy_id, employer_id, vacancy_county, vacancy_lon, vacancy_lat,
    occupation_code, wage_min, wage_max, housing, meals, shift, contract_months, min_age, max_age,
    education_min, headcount_left. Optional: reserved_left (places held for the workers in `graduates`, a list
    of worker ids): a vacancy with no place left beyond those is offered to those workers only.
    """
    return top_k_prepared(
        workers,
        PreparedBoard(vacancies, ranker, pairs),
        k,
        shortlist=shortlist,
        chunk_size=chunk_size,
        rerank=rerank,
        require_consent=require_consent,
    )


def top_k_prepared(
    workers: pd.DataFrame,
    board: PreparedBoard,
    k: int = 20,
    *,
    shortlist: int | None = None,
    chunk_size: int = 512,
    rerank: bool = True,
    require_consent: bool = False,
) -> pd.DataFrame:
    """`top_k_batch` against a board prepared once (the API keeps one per process).

    Workers are blocked by (home county, channel preference): the channel hard rule then removes whole
    vacancy columns before any scoring, and the location part of the logit is one vector per block. In a
    block, a chunk's key is that vector + a wage table over the chunk's distinct expected wages + a per-worker
    table over vacancy kinds (occupation match and age/education rules, -inf where a rule fails), all
    float32. The float32 top-`shortlist` (plus anything within its rounding error of the cut) is rescored in
    float64, so the shortlist is exactly the float64 one.
    """
    if k < 1:
        raise ValueError("k must be at least 1")
    shortlist = max(k, shortlist or 2 * k)
    empty = pd.DataFrame({"worker_id": [], "vacancy_id": [], "score": [], "rank_key": [], "rank": []})
    wk = workers[pd.to_numeric(workers["age"], errors="coerce").fillna(0).to_numpy() >= LEGAL_AGE]
    if require_consent and "consent_to_share" in wk.columns:
        wk = wk[wk["consent_to_share"].fillna(False).to_numpy(dtype=bool)]
    wk = wk.reset_index(drop=True)
    if not len(board.ids) or wk.empty:
        return empty
    N = len(wk)
    side = WorkerSide.build(wk, board)
    county = wk["worker_county"].astype(str).to_numpy()
    lon, lat = wk["worker_lon"].to_numpy(float), wk["worker_lat"].to_numpy(float)
    pref = np.array([preference_index(p) for p in wk["channel_preference"]], dtype=np.int64)
    widen = _optional(wk, "widen_local", False, bool)

    parts: list[pd.DataFrame] = []
    done: list[pd.DataFrame] = []  # finished batches: memory is the output plus one batch of shortlists
    pending = 0
    county_id, county_uniq = pd.factorize(county)
    group = (county_id.astype(np.int64) * len(PREFERENCES) + pref) * 2 + widen
    by_group = np.lexsort((np.arange(N), side.expected0, group))
    bounds = np.flatnonzero(np.diff(group[by_group])) + 1
    for rows_all in np.split(by_group, bounds):
        first = int(rows_all[0])
        p = int(pref[first])
        dist_c, channel_c, paired_c = board.home(str(county_uniq[county_id[first]]), lon[first], lat[first])
        channel = channel_c[board.county]
        cols = np.flatnonzero((WIDENED_ADMIT_TABLE if widen[first] else ADMIT_TABLE)[p][channel])
        if not len(cols):
            continue
        vc = board.county[cols]
        located = core.location_table(board.ranker, dist_c, channel_c, p, paired_c)
        place = located[vc, board.housing[cols].astype(np.int64)] + board.const[cols]
        block = Block(board, side, cols, place, channel[cols], shortlist)
        step = max(1, min(chunk_size, _CELLS // len(cols)))
        for lo in range(0, len(rows_all), step):
            if pending >= _BATCH_ROWS:
                done.append(_finish(parts, wk, board, k, rerank))
                pending = 0
            parts.append(_score_chunk(block, rows_all[lo : lo + step]))
            pending += len(parts[-1])
    done.append(_finish(parts, wk, board, k, rerank))
    out = pd.concat(done, ignore_index=True)
    if not len(out):
        return empty
    out = out.sort_values(["row", "rank"], kind="stable")  # in the order the workers came in, best first within each
    return out[["worker_id", "vacancy_id", "score", "rank_key", "rank"]].reset_index(drop=True)


def _finish(parts: list[pd.DataFrame], wk: pd.DataFrame, board: PreparedBoard, k: int, rerank: bool) -> pd.DataFrame:
    """Rerank a batch of shortlists (every worker's whole shortlist is in one batch) and keep the top k."""
    if not parts:
        return pd.DataFrame({"row": [], "worker_id": [], "vacancy_id": [], "score": [], "rank_key": [], "rank": []})
    part = pd.concat(parts, ignore_index=True)
    parts.clear()
    part["worker_id"] = wk["worker_id"].to_numpy()[part["row"].to_numpy()]
    part["vacancy_id"] = board.ids[part["col"].to_numpy()]
    if rerank and len(part):
        scores = []
        for lo in range(0, len(part), 100_000):  # bounded memory for the pair rows
            block = part.iloc[lo : lo + 100_000]
            frame = pair_frame(
                wk.iloc[block["row"].to_numpy()].reset_index(drop=True),
                board.vacancies.iloc[block["col"].to_numpy()].reset_index(drop=True),
                board.pairs,
            )
            scores.append(board.ranker.predict_proba(pair_features(frame))[:, 1])
        score = np.concatenate(scores)
        with np.errstate(divide="ignore"):
            new_logit = np.log(score) - np.log1p(-score)
        part["rank_key"] = part["rank_key"].to_numpy() - part["logit"].to_numpy() + new_logit
        part["score"] = score
    else:
        part["score"] = 1.0 / (1.0 + np.exp(-part["logit"].to_numpy()))
    part = part.sort_values(["row", "rank_key", "vacancy_id"], ascending=[True, False, True], kind="stable")
    part["rank"] = part.groupby("row").cumcount() + 1
    return part[part["rank"] <= k][["row", "worker_id", "vacancy_id", "score", "rank_key", "rank"]]


def _score_chunk(block: Block, r: np.ndarray) -> pd.DataFrame:
    """One chunk of one block (workers `r`): float32 keys, the float32 shortlist, then exact float64 keys for it."""
    board, side, cols, ranker = block.board, block.workers, block.cols, block.board.ranker
    n, S = len(r), len(cols)
    # Wage: the exact wage part over (distinct expected wage in the chunk) x (distinct pay in the block).
    ue, inv = np.unique(side.expected0[r], return_inverse=True)
    small = core.wage_part(ranker, board.mids[None, :], ue[:, None]).astype(np.float32)
    table = small[:, block.mid_id]
    table += block.place32[None, :]
    key = table[inv.ravel()] if len(ue) < n else table
    # Occupation and hard rules: a (n, kinds) table, gathered by each vacancy's kind.
    occ = core.occupation_part(
        ranker,
        core.occupation_features(
            desired=side.desired[r].toarray(),
            wish_family=side.wish_family[r].toarray()[:, board.fam_of_code],
            skilled=side.skilled[r].toarray(),
            skill_family=side.skill_family[r].toarray()[:, board.fam_of_code],
        ),
    )
    rules = board.rules
    ok = (
        (side.age[r][:, None] >= rules[None, :, 0])
        & (side.age[r][:, None] <= rules[None, :, 1])
        & (side.edu[r][:, None] >= rules[None, :, 2])
    )
    kinds = occ[:, board.kind_code] + np.where(ok[:, board.kind_rule], 0.0, -np.inf)
    key += np.take(kinds.astype(np.float32), block.kind, axis=1)
    # After-departure adjustments: only the rows that have one.
    extra = np.zeros(n)
    for j in np.flatnonzero(side.boost_wage[r] != 0):
        key[j] += np.float32(side.boost_wage[r[j]]) * (block.mid >= side.expected0[r[j]])
        extra[j] += abs(side.boost_wage[r[j]])
    for j in np.flatnonzero(side.boost_local[r] != 0):
        key[j] += np.float32(side.boost_local[r[j]]) * (block.channel != 0)
        extra[j] += abs(side.boost_local[r[j]])
    for row, worker in enumerate(r):
        b = side.blocked[worker]
        if isinstance(b, (list, tuple, set, np.ndarray)) and len(b):
            key[row, np.isin(board.employer[cols], list(b))] = -np.inf
    for held_col, graduates in block.reserved:
        key[~np.isin(side.ids[r], graduates), held_col] = -np.inf
    # Candidates: the float32 top-m and everything within float32 rounding of its cut. The m-th largest of a
    # strided sample is a lower bound of the row's, so one comparison pass finds a small superset, and the
    # exact cut is taken among those few: partitioning every full row would dominate the batch's time.
    m = min(block.shortlist, S)
    finite_kinds = np.abs(kinds[np.isfinite(kinds)]).max() if np.isfinite(kinds).any() else 0.0
    scale = np.abs(block.place).max() + np.abs(small).max() + finite_kinds + extra.max() + 1.0
    tol = 64 * _EPS32 * scale
    sample = key[:, :: max(1, S // (160 * m))]
    if sample.shape[1] >= m:
        low = np.partition(sample, sample.shape[1] - m, axis=1)[:, sample.shape[1] - m].astype(float)
    else:
        low = np.full(n, -np.inf)
    low32 = np.where(np.isfinite(low), low - tol, -np.inf).astype(np.float32)
    rr, cc = np.nonzero((key >= low32[:, None]) & (key > -np.inf))
    vals = key[rr, cc].astype(float)
    order = np.lexsort((-vals, rr))
    sorted_rows = rr[order]
    at_m = (np.arange(len(order)) - np.searchsorted(sorted_rows, sorted_rows, side="left")) == m - 1
    cut = np.full(n, -np.inf)
    cut[sorted_rows[at_m]] = vals[order][at_m]
    near = vals >= cut[rr] - tol
    rr, cc = rr[near], cc[near]
    # Exact float64 keys for the candidates: the same parts, in the same order, as every other path.
    rows = r[rr]
    wage = core.wage_part(ranker, block.mid[cc], side.expected0[rows])
    logit = core.pair_logit(block.place[cc], wage, occ[rr, block.code[cc]], side.w_const[rows])
    rank_key = logit + side.boost_wage[rows] * (block.mid[cc] >= side.expected0[rows])
    rank_key = rank_key + side.boost_local[rows] * (block.channel[cc] != 0)
    # Exactly the float64 top-m per worker, ties to the lower vacancy id.
    order = np.lexsort((board.ids[cols[cc]], -rank_key, rr))
    sorted_rows = rr[order]
    position = np.arange(len(order)) - np.searchsorted(sorted_rows, sorted_rows, side="left")
    keep = order[position < m]
    return pd.DataFrame({"row": rows[keep], "col": cols[cc[keep]], "logit": logit[keep], "rank_key": rank_key[keep]})


def pair_frame(
    workers: pd.DataFrame, vacancies: pd.DataFrame, pairs: frozenset[tuple[str, str]] = frozenset()
) -> pd.DataFrame:
    """Row-aligned worker and vacancy frames (equal length) as `pair_features` input, `paired` computed."""
    out = pd.concat([workers.reset_index(drop=True), vacancies.reset_index(drop=True)], axis=1)
    out = out.loc[:, ~out.columns.duplicated()]
    for column in WORKER_HISTORY_FEATURES:  # pair_features wants them (departure model); the ranker never reads them
        if column not in out.columns:
            out[column] = 0.0
    out["paired"] = is_paired(out["worker_county"], out["vacancy_county"], pairs)
    return out


def cross_pairs(workers: pd.DataFrame, vacancies: pd.DataFrame, pairs: frozenset[tuple[str, str]]) -> pd.DataFrame:
    """Every worker with every vacancy, as pair_features input (small inputs only: evaluation, tests)."""
    wi = np.repeat(np.arange(len(workers)), len(vacancies))
    vi = np.tile(np.arange(len(vacancies)), len(workers))
    return pair_frame(workers.iloc[wi], vacancies.iloc[vi], pairs)
