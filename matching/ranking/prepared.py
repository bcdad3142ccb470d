"""The two sides prepared once per process: the open-vacancy board and the pool of workers.

A board holds everything that depends only on the vacancies (the vacancy part of each logit, integer ids for
county, occupation, family and hard-rule class, per-home-county distance/channel/pairing rows filled lazily);
a pool the same for workers. A request then pays only for its own worker or vacancy.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from sklearn.utils.validation import check_is_fitted

from matching.features import EDUCATION_RANK, channel_of, haversine_km, is_paired
from matching.ranking import core
from matching.ranking.channels import (
    ADMIT_TABLE,
    CHANNELS,
    LEGAL_AGE,
    PREFERENCES,
    WIDENED_ADMIT_TABLE,
    preference_index,
)
from matching.ranking.estimator import RetentionRanker, shift_codes


def _float(value: Any, default: float = 0.0) -> float:
    """A scalar cell as float, `default` for None/NaN/unparseable (what fillna + to_numeric do on a frame)."""
    try:
        out = float(value)
    except (TypeError, ValueError):
        return default
    return default if np.isnan(out) else out


def items_of(value: Any) -> list[str]:
    """A list cell's items as strings (None, NaN and non-lists give nothing), like the batch path's explode."""
    if not isinstance(value, (list, tuple, np.ndarray)):
        return []
    return [str(v) for v in value if v is not None and not (isinstance(v, float) and np.isnan(v))]


def family_of(code: str) -> str:
    """CSCO level-3 group ("6-05-01-02" -> "6-05-01")."""
    return code[:7]


class PreparedBoard:
    """The vacancy side of `top_k_batch` for one (vacancy frame, ranker, pairings), built once."""

    def __init__(
        self, vacancies: pd.DataFrame, ranker: RetentionRanker, pairs: frozenset[tuple[str, str]] = frozenset()
    ) -> None:
        check_is_fitted(ranker, "weights_")
        vac = vacancies[vacancies["headcount_left"].fillna(0).to_numpy() > 0].reset_index(drop=True)
        self.vacancies, self.ranker, self.pairs = vac, ranker, pairs
        self.ids = vac["vacancy_id"].to_numpy()
        county_ids, county_uniq = pd.factorize(vac["vacancy_county"].astype(str))
        self.county, self.county_codes = county_ids.astype(np.int64), list(county_uniq)
        first = pd.Series(np.arange(len(vac))).groupby(county_ids).first().to_numpy()
        self.county_lon = vac["vacancy_lon"].to_numpy(float)[first] if len(vac) else np.zeros(0)
        self.county_lat = vac["vacancy_lat"].to_numpy(float)[first] if len(vac) else np.zeros(0)
        self.housing = vac["housing"].fillna(False).to_numpy(dtype=bool)
        self.mid = (vac["wage_min"].to_numpy(float) + vac["wage_max"].to_numpy(float)) / 2
        self.mids, mid_id = np.unique(self.mid, return_inverse=True)  # the few distinct pays, for wage tables
        self.mid_id = np.asarray(mid_id, dtype=np.int64).ravel()
        self.meals = vac["meals"].fillna(False).to_numpy(dtype=float)
        self.contract = pd.to_numeric(vac["contract_months"], errors="coerce").fillna(0).to_numpy(float)
        self.shift = shift_codes(vac["shift"].to_numpy())
        self.const = core.vacancy_part(
            ranker, mid=self.mid, housing=self.housing, meals=self.meals, contract_months=self.contract,
            shift=self.shift,
        )  # fmt: skip
        self.employer = vac["employer_id"].to_numpy()
        # Occupation: code and level-3 family ids; the last id of each is "no code", never matched.
        codes = vac["occupation_code"].where(vac["occupation_code"].notna(), None).to_numpy(dtype=object)
        code_ids, code_uniq = pd.factorize(codes)
        self.code_vocab = {str(c): i for i, c in enumerate(code_uniq)}
        fam_of = [family_of(str(c)) for c in code_uniq]
        self.fam_vocab = {f: i for i, f in enumerate(dict.fromkeys(fam_of))}
        self.n_codes, self.n_fams = len(code_uniq) + 1, len(self.fam_vocab) + 1
        self.code = np.where(code_ids < 0, self.n_codes - 1, code_ids).astype(np.int64)
        self.fam_of_code = np.array([self.fam_vocab[f] for f in fam_of] + [self.n_fams - 1], dtype=np.int64)
        # Hard-rule classes: the distinct (min age, max age, education minimum) triples.
        rules = np.column_stack(
            [
                vac["min_age"].fillna(LEGAL_AGE).to_numpy(float),
                pd.to_numeric(vac["max_age"], errors="coerce").fillna(np.inf).to_numpy(float),
                vac["education_min"].map(EDUCATION_RANK).fillna(0).to_numpy(float),
            ]
        )
        self.rules, rule = np.unique(rules, axis=0, return_inverse=True) if len(vac) else (np.zeros((0, 3)), [])
        rule = np.asarray(rule, dtype=np.int64).ravel()
        # Kinds: distinct (code, rule class); one small per-worker table over kinds replaces two big gathers.
        kind_keys = self.code * max(len(self.rules), 1) + rule
        kinds, kind = np.unique(kind_keys, return_inverse=True) if len(vac) else (np.zeros(0, np.int64), [])
        self.kind = np.asarray(kind, dtype=np.int64).ravel()
        self.kind_code = kinds // max(len(self.rules), 1)
        self.kind_rule = kinds % max(len(self.rules), 1)
        self.rule = self.kind_rule[self.kind] if len(vac) else np.zeros(0, np.int64)  # rule class per vacancy
        self.position = {int(v): i for i, v in enumerate(self.ids)}
        # Optional `reserved_left` / `graduates`: a vacancy whose every place left is held for named workers (an
        # order class's graduates) is offered to those workers only (board position -> their ids).
        self.reserved_for: dict[int, np.ndarray] = {}
        if "reserved_left" in vac.columns and len(vac):
            held = pd.to_numeric(vac["reserved_left"], errors="coerce").fillna(0).to_numpy()
            closed = np.flatnonzero(vac["headcount_left"].to_numpy() - held <= 0)
            grads = vac["graduates"] if "graduates" in vac.columns else pd.Series([None] * len(vac))
            for i in closed:
                self.reserved_for[int(i)] = np.array([int(w) for w in items_of(grads.iloc[i])], dtype=np.int64)
        self.columns = {str(c): vac[c].to_numpy() for c in vac.columns}  # rows to show, read without the frame
        self._homes: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}

    def home(self, county: str, lon: float, lat: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(distance km, channel index into CHANNELS, paired) from one home county to every vacancy county."""
        found = self._homes.get(county)
        if found is None:
            n = len(self.county_codes)
            dist = haversine_km(np.full(n, lon), np.full(n, lat), self.county_lon, self.county_lat)
            dist = np.nan_to_num(dist, nan=0.0)
            east = pd.Series(self.county_codes, dtype=object)
            channel = pd.Series(channel_of(pd.Series([county] * n), east)).map(CHANNELS.index).to_numpy(np.int64)
            paired = is_paired(pd.Series([county] * n), east, self.pairs)
            found = (dist, channel, paired)
            self._homes[county] = found
        return found

    def occupations(self, desired: list[str], skills: list[str]) -> dict[str, np.ndarray]:
        """One worker's occupation features over the board's code ids (the last id, "no code", matches nothing)."""
        out = {}
        for name, codes in (("desired", desired), ("skilled", skills)):
            exact = np.zeros(self.n_codes, dtype=bool)
            family = np.zeros(self.n_fams, dtype=bool)
            for code in codes:
                found = self.code_vocab.get(code)
                if found is not None:
                    exact[found] = True
                fam = self.fam_vocab.get(family_of(code))
                if fam is not None:
                    family[fam] = True
            family[-1] = False
            out[name], out[f"{name}_family"] = exact, family[self.fam_of_code]
        return core.occupation_features(
            out["desired"], out["desired_family"], out["skilled"], out["skilled_family"]
        )  # fmt: skip


class OneWorker:
    """The worker-side scalars of one worker row (a mapping with the columns `top_k_batch` reads), converted once."""

    def __init__(self, worker: Any) -> None:
        self.row = worker
        self.county = str(worker["worker_county"])
        self.lon, self.lat = _float(worker["worker_lon"], np.nan), _float(worker["worker_lat"], np.nan)
        self.pref = preference_index(worker.get("channel_preference"))
        self.widen = bool(_float(worker.get("widen_local")))
        self.expected = _float(worker["expected_wage"], np.nan)
        self.expected0 = 0.0 if np.isnan(self.expected) else self.expected
        self.age = _float(worker["age"])
        self.edu = float(EDUCATION_RANK.get(worker["education"], 0))  # type: ignore[call-overload]
        self.boost_wage = _float(worker.get("boost_wage_met"))
        self.boost_local = _float(worker.get("boost_local"))
        blocked = worker.get("blocked_employers")
        self.blocked = list(blocked) if isinstance(blocked, (list, tuple, set, np.ndarray)) else []
        self.desired = items_of(worker["desired_occupations"])
        self.skills = items_of(worker["skills"])
        trained = worker.get("training_vacancies")
        self.training = [int(v) for v in trained] if isinstance(trained, (list, tuple, set, np.ndarray)) else []


class PreparedPool:
    """The worker side of `top_k_batch` for one (worker frame, ranker, pairings), built once per pool.

    A request for one vacancy's candidates then scores every pool worker against that vacancy with a few
    vector operations: per-worker constants, occupation evidence as inverted indexes (code -> workers), and
    blocked employers as employer -> workers are all computed here.
    """

    def __init__(
        self,
        workers: pd.DataFrame,
        ranker: RetentionRanker,
        pairs: frozenset[tuple[str, str]] = frozenset(),
        require_consent: bool = True,
    ) -> None:
        check_is_fitted(ranker, "weights_")
        keep = pd.to_numeric(workers["age"], errors="coerce").fillna(0).to_numpy() >= LEGAL_AGE
        if require_consent and "consent_to_share" in workers.columns:
            keep &= workers["consent_to_share"].fillna(False).to_numpy(dtype=bool)
        self.source = np.flatnonzero(keep)  # positions in the frame given
        wk = workers.iloc[self.source].reset_index(drop=True)
        self.ranker, self.pairs = ranker, pairs
        N = len(wk)
        self.ids = wk["worker_id"].to_numpy()
        county_ids, county_uniq = pd.factorize(wk["worker_county"].astype(str))
        self.county, self.county_codes = county_ids.astype(np.int64), list(county_uniq)
        first = pd.Series(np.arange(N)).groupby(county_ids).first().to_numpy() if N else np.zeros(0, np.int64)
        self.county_lon = wk["worker_lon"].to_numpy(float)[first]
        self.county_lat = wk["worker_lat"].to_numpy(float)[first]
        self.pref = np.array([preference_index(p) for p in wk["channel_preference"]], dtype=np.int64)
        self.widen = (
            wk["widen_local"].fillna(False).to_numpy(dtype=bool) if "widen_local" in wk.columns else np.zeros(N, bool)
        )
        self.expected0 = np.nan_to_num(pd.to_numeric(wk["expected_wage"], errors="coerce").to_numpy(float), nan=0.0)
        self.age = wk["age"].to_numpy(float)
        self.edu = wk["education"].map(EDUCATION_RANK).fillna(0).to_numpy(float)
        self.w_const = core.worker_part(ranker, self.edu)
        self.desired = self._index(wk["desired_occupations"], lambda c: c)
        self.skilled = self._index(wk["skills"], lambda c: c)
        self.wish_family = self._index(wk["desired_occupations"], family_of)
        self.skill_family = self._index(wk["skills"], family_of)
        blocked: dict[int, list[int]] = {}
        if "blocked_employers" in wk.columns:
            for row, items in enumerate(wk["blocked_employers"]):
                if isinstance(items, (list, tuple, set, np.ndarray)):
                    for employer in items:
                        blocked.setdefault(int(employer), []).append(row)
        self.blocked = {e: np.array(r, dtype=np.int64) for e, r in blocked.items()}

    @staticmethod
    def _index(lists: pd.Series, key: Any) -> dict[str, np.ndarray]:
        """item key -> rows whose list holds it (lists exploded once)."""
        out: dict[str, list[int]] = {}
        for row, items in enumerate(lists):
            for item in items_of(items):
                out.setdefault(key(item), []).append(row)
        return {k: np.unique(np.array(v, dtype=np.int64)) for k, v in out.items()}

    def rank(self, vacancy: PreparedBoard, limit: int) -> dict[str, np.ndarray]:
        """The pool's best `limit` workers for a one-vacancy board: `top_k_batch(pool, vacancy, k=1)` sorted by
        score then worker id, computed over the pool's arrays. Returns `row` (positions in the frame given to
        the pool), `worker_id`, `score`, `logit`."""
        empty = {"row": np.zeros(0, np.int64), "worker_id": self.ids[:0], "score": np.zeros(0), "logit": np.zeros(0)}
        if len(vacancy.ids) != 1 and len(vacancy.ids) != 0:
            raise ValueError("rank scores one vacancy; use top_k_batch for many")
        if not len(vacancy.ids) or not len(self.ids):
            return empty
        ranker = self.ranker
        U = len(self.county_codes)
        dist_u = haversine_km(self.county_lon, self.county_lat, np.full(U, vacancy.county_lon[0]),
                              np.full(U, vacancy.county_lat[0]))  # fmt: skip
        dist_u = np.nan_to_num(dist_u, nan=0.0)
        homes = pd.Series(self.county_codes, dtype=object)
        east = pd.Series([vacancy.county_codes[0]] * U, dtype=object)
        channel_u = pd.Series(channel_of(homes, east)).map(CHANNELS.index).to_numpy(np.int64)
        paired_u = is_paired(homes, east, self.pairs)
        ch = channel_u[self.county]
        admit = np.where(self.widen, WIDENED_ADMIT_TABLE[self.pref, ch], ADMIT_TABLE[self.pref, ch])
        # Location terms per (home county, preference), gathered per worker: the same values as per pair.
        located = core.location_part(
            ranker, distance=dist_u[:, None], channel=channel_u[:, None], preference=np.arange(len(PREFERENCES)),
            paired=paired_u[:, None], housing=vacancy.housing[0],
        )  # fmt: skip
        place = located[self.county, self.pref] + vacancy.const[0]
        N = len(self.ids)
        code = vacancy.code[0]
        flags = {n: np.zeros(N, bool) for n in ("desired", "wish_family", "skilled", "skill_family")}
        if code != vacancy.n_codes - 1:  # a vacancy without a code matches nothing
            text = next(c for c, i in vacancy.code_vocab.items() if i == code)
            flags["desired"][self.desired.get(text, [])] = True
            flags["skilled"][self.skilled.get(text, [])] = True
            flags["wish_family"][self.wish_family.get(family_of(text), [])] = True
            flags["skill_family"][self.skill_family.get(family_of(text), [])] = True
        occ = core.occupation_part(ranker, core.occupation_features(**flags))
        logit = core.pair_logit(place, core.wage_part(ranker, vacancy.mid[0], self.expected0), occ, self.w_const)
        rule = vacancy.rules[vacancy.rule[0]]
        keep = admit & (self.age >= rule[0]) & (self.age <= rule[1]) & (self.edu >= rule[2])
        blocked = self.blocked.get(int(vacancy.employer[0]))
        if blocked is not None:
            keep[blocked] = False
        rows = np.flatnonzero(keep)
        score = 1.0 / (1.0 + np.exp(-logit[rows]))
        order = np.lexsort((self.ids[rows], -score))[:limit]
        rows = rows[order]
        return {"row": self.source[rows], "worker_id": self.ids[rows], "score": score[order], "logit": logit[rows]}
