"""The matcher's process state: the active models, the open-vacancy board and the worker pool, kept per process.

One `Matcher` per process, created in the app's lifespan (`app.state.matcher`) or by a CLI command. Its lock
guards every field that a request or the background refresh replaces; slow work (deserialising a model,
reading a board, preparing it) happens outside it, and the result is installed under it. Requests read a
consistent set of references taken under the lock and never wait for a load.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pandas as pd
from sqlalchemy.orm import Session

from app.artefacts import service as artefacts
from app.config import Settings
from app.db import Database
from app.errors import Msg
from app.matching import repository
from app.pairings import service as pairing_service
from app.pii import PiiVault
from app.reference import repository as reference_repo
from app.workers.idnumber import age_on, parse_id_number
from matching.occupations import confident_codes
from matching.ranking import RANKER_FORMAT, PreparedBoard, PreparedPool, RuleBaseline

log = logging.getLogger("laborbridge.matching")

RULE_FALLBACK = Msg(
    "尚无已启用的排序模型，按规则（工种匹配+工资）排序，分数不是留岗概率",
    "no ranker is active yet: ranked by rule (occupation match + wage); the score is not a retention probability",
)
STALE_RANKER = Msg(
    "已启用的排序模型是旧格式，请重新运行 laborbridge train；暂按规则（工种匹配+工资）排序",
    "the active ranker is of an older format (run `laborbridge train` again); ranked by rule "
    "(occupation match + wage) for now",
)
PERSONAL_COLUMNS = ("name", "sex", "id_number_masked", "phone_masked", "id_number_enc")  # never kept in the pool
PAST_JOB_MIN_SCORE = 0.3  # a past-job title counts as occupation evidence only when the normaliser is this sure
Reference = tuple[frozenset[tuple[str, str]], dict[str, str]]
PoolBuilder = Callable[[Session, "Matcher", pd.DataFrame, PiiVault, date], pd.DataFrame]


def _load_reference(session: Session) -> Reference:
    """Pairings in force today (for pair features) and division names (for reasons), read with each board."""
    return frozenset(pairing_service.pair_codes_on(session)), reference_repo.division_names(session)


def age_from_id(enc: str, vault: PiiVault, on: date) -> int:
    """Age on `on` from an encrypted ID number (hard rules only: age is never a model input)."""
    return age_on(parse_id_number(vault.decrypt(enc)).birth_date, on)


def usable_ranker(estimator: Any) -> bool:
    """A stored ranker of another format (other inputs, or a model that did not promise its signs) is not used:
    the API falls back to the rule baseline and `laborbridge train --if-missing` refits it."""
    return getattr(estimator, "format_", None) == RANKER_FORMAT


@dataclass
class Matcher:
    """Per-process models and the cached open-vacancy board; refreshed cheaply, never fitted in a request."""

    settings: Settings
    db: Database | None = None  # for the background board refresh; without it the board is refreshed inline
    ranker: artefacts.Loaded | None = None
    normaliser: artefacts.Loaded | None = None
    # Fitted once per matcher, not at import: one instance, because prepared boards are cached per ranker object.
    rule: RuleBaseline = field(default_factory=lambda: RuleBaseline().fit())
    _models_checked: float = -1e18
    _board: pd.DataFrame | None = None
    _board_sig: tuple[Any, ...] | None = None
    _board_checked: float = -1e18
    _reference: Reference | None = None
    _titles: dict[str, str | None] = field(default_factory=dict)  # belongs to one normaliser: replaced with it
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _loading: threading.Lock = field(default_factory=threading.Lock)  # one model load at a time
    _prepared: tuple[tuple[Any, ...], PreparedBoard, pd.DataFrame] | None = None
    _pool: pd.DataFrame | None = None
    _pool_key: tuple[Any, ...] | None = None
    _pool_checked: float = -1e18
    # (day, worker id -> (encrypted ID, age on that day)): replaced whole on a new day
    _ages: tuple[date | None, dict[int, tuple[str, int]]] = (None, {})
    _gone: frozenset[int] = frozenset()  # board vacancies found filled or closed since the board was loaded
    _refreshing: bool = False
    _generation: int = 0  # bumped by forget(): a refresh started before it must not install its old board
    _pool_prepared: tuple[tuple[Any, ...], PreparedPool, pd.DataFrame] | None = None

    def refresh_models(self, session: Session, force: bool = False) -> None:
        """Reload a model only when another version became active (one small query every few seconds).

        A new version is deserialised outside the lock: requests keep the model they have until it is ready,
        and a request that finds another thread loading does not wait for it (unless `force`, as at start-up).
        """
        now = time.monotonic()
        if not force and now - self._models_checked < self.settings.match_model_check_seconds:
            return
        if not self._loading.acquire(blocking=force):
            return
        try:
            versions = repository.active_versions(session)
            loaded: dict[str, artefacts.Loaded | None] = {}
            for kind, current in (("ranker", self.ranker), ("occupations", self.normaliser)):
                wanted = versions.get(kind)
                if (current.version if current else None) != wanted:
                    loaded[kind] = artefacts.load_active(session, kind) if wanted else None
            with self._lock:
                if "ranker" in loaded:
                    self.ranker = loaded["ranker"]
                if "occupations" in loaded:
                    self.normaliser, self._titles = loaded["occupations"], {}
                self._models_checked = now
        finally:
            self._loading.release()

    def model_info(self) -> tuple[Any, dict[str, Any]]:
        """The ranker requests use now, and what to tell the caller about it."""
        ranker = self.ranker
        if ranker is None:
            return self.rule, {"kind": "rule_baseline", "version": None, "note": RULE_FALLBACK.text()}
        if not usable_ranker(ranker.estimator):
            return self.rule, {"kind": "rule_baseline", "version": None, "note": STALE_RANKER.text()}
        return ranker.estimator, {"kind": "ranker", "version": ranker.version, "note": None}

    def forget(self) -> None:
        """Look again at the next request (after `laborbridge train` in the same process, or in tests)."""
        with self._lock:
            self._generation += 1
            self._models_checked = self._board_checked = self._pool_checked = -1e18
            self._board = self._board_sig = None
            self._reference = None
            self._prepared = None
            self._pool = self._pool_key = None
            self._pool_prepared = None
            self._gone = frozenset()

    def reference(self, session: Session) -> Reference:
        with self._lock:
            reference = self._reference
        if reference is None:
            reference = _load_reference(session)
            with self._lock:
                self._reference = self._reference or reference
        return reference

    def board(self, session: Session) -> pd.DataFrame:
        """Open vacancies, reloaded when a vacancy or placement changed (checked at most every board seconds).

        Only the first load waits; later checks and reloads run in a background thread (when the matcher has
        a database) while requests keep using the current board, so a request never pays for the check (a
        count and max(updated_at) over vacancies and placements) or the reload (seconds at 100,000 vacancies).
        """
        now = time.monotonic()
        with self._lock:
            board, checked, generation = self._board, self._board_checked, self._generation
        if board is not None and now - checked < self.settings.match_board_check_seconds:
            return board
        if board is None or not (self.settings.match_refresh_in_background and self.db is not None):
            self._refresh_board(session, generation)
        else:
            self._refresh_in_background(generation)
        with self._lock:
            board = self._board
        assert board is not None
        return board

    def _refresh_board(self, session: Session, generation: int) -> None:
        """Reload the board if its signature changed, and prepare it for the current ranker before installing."""
        sig = repository.board_signature(session)
        with self._lock:
            current, current_sig = self._board, self._board_sig
        if current is None or sig != current_sig:
            board = repository.open_vacancies(session)
            reference = _load_reference(session)
            ranker, _ = self.model_info()
            prepared = ((id(board), id(ranker), id(reference[0])), PreparedBoard(board, ranker, reference[0]), board)
            with self._lock:
                if generation != self._generation:
                    return
                self._board, self._board_sig, self._reference = board, sig, reference
                self._prepared, self._gone = prepared, frozenset()
        with self._lock:
            if generation == self._generation:
                self._board_checked = time.monotonic()

    def _refresh_in_background(self, generation: int) -> None:
        with self._lock:
            if self._refreshing:
                return
            self._refreshing = True
        threading.Thread(target=self._background, args=(generation,), daemon=True).start()

    def _background(self, generation: int) -> None:
        assert self.db is not None
        try:
            with self.db.session(write=False) as session:
                self._refresh_board(session, generation)
        except Exception:  # the current board keeps serving; the next request after the interval tries again
            log.warning("matcher board refresh failed", exc_info=True)
            with self._lock:
                self._board_checked = time.monotonic()
        finally:
            with self._lock:
                self._refreshing = False

    def snapshot(self, session: Session, ranker: Any) -> tuple[PreparedBoard, frozenset[int], Reference]:
        """(board prepared for this ranker, vacancies found gone since, pairings and names) from one board load,
        read together so a background swap between them cannot mix two boards."""
        self.board(session)
        reference = self.reference(session)
        with self._lock:
            board, reference, cached, gone = self._board, self._reference or reference, self._prepared, self._gone
        assert board is not None
        key = (id(board), id(ranker), id(reference[0]))
        if cached is None or cached[0] != key:  # a new ranker (or the first request): prepare once, keep it
            cached = (key, PreparedBoard(board, ranker, reference[0]), board)
            with self._lock:
                if self._board is board:
                    self._prepared = cached
        return cached[1], gone, reference

    def forget_vacancies(self, vacancy_ids: list[int]) -> None:
        """Vacancies a request found filled or closed: skipped by every request until the board is reloaded."""
        with self._lock:
            self._gone = self._gone | frozenset(vacancy_ids)

    def prepared_pool(self, pool: pd.DataFrame, ranker: Any, pairs: frozenset[tuple[str, str]]) -> PreparedPool:
        """The pool's worker side prepared for this ranker, kept until the pool, the ranker or the pairings change."""
        key = (id(pool), id(ranker), id(pairs))
        with self._lock:
            cached = self._pool_prepared
        # The pool itself is kept beside its key: a freed frame's id() can be reused by the next one.
        if cached is None or cached[0] != key or cached[2] is not pool:
            cached = (key, PreparedPool(pool, ranker, pairs, require_consent=True), pool)
            with self._lock:
                self._pool_prepared = cached
        return cached[1]

    def pool(self, session: Session, vault: PiiVault, on: date, build: PoolBuilder) -> pd.DataFrame:
        """Unplaced consenting workers as ranker input (age, evidence, blocked employers), cached.

        Reloaded when a worker, vacancy or placement changed (checked at most every board seconds), on a new
        day, or when the dispute period changes. Holds no name, ID number, phone or birth date: the ID is
        decrypted once per worker (and again only if it changes) to compute the age the hard rules need.
        `build` turns the unplaced workers' rows into ranker input (the matching service's `ranker_inputs`).
        """
        now = time.monotonic()
        with self._lock:
            pool, key, checked = self._pool, self._pool_key, self._pool_checked
        fresh = now - checked < self.settings.match_board_check_seconds
        if pool is not None and fresh and key and key[0] == on:
            return pool
        normaliser = self.normaliser
        wanted = (on, self.settings.dispute_block_days, normaliser and normaliser.version,
                  repository.pool_signature(session))  # fmt: skip
        if pool is None or wanted != key:
            unplaced = repository.workers(session, unplaced=True, consent_only=True)
            pool = build(session, self, unplaced, vault, on)
            pool = pool.drop(columns=[c for c in PERSONAL_COLUMNS if c in pool.columns])
            with self._lock:
                self._pool, self._pool_key = pool, wanted
        with self._lock:
            self._pool_checked = now
        return pool

    def ages(self, frame: pd.DataFrame, vault: PiiVault, on: date) -> list[int]:
        """Age on `on` per row, decrypting an ID number only when this process has not seen it yet."""
        with self._lock:
            day, seen_ages = self._ages
            if day != on:
                seen_ages = {}
                self._ages = (on, seen_ages)
        out = []
        for worker_id, enc in zip(frame["worker_id"], frame["id_number_enc"], strict=True):
            seen = seen_ages.get(int(worker_id))
            if seen is None or seen[0] != enc:
                seen = (enc, age_from_id(enc, vault, on))
                seen_ages[int(worker_id)] = seen  # one key per assignment: safe beside other request threads
            out.append(seen[1])
        return out

    def infer_titles(self, titles: list[str]) -> dict[str, str | None]:
        """Best code per title when the normaliser is sure enough; cached, so repeated titles cost nothing."""
        with self._lock:
            normaliser, known = self.normaliser, self._titles
        if normaliser is None:
            return {}
        todo = [t for t in titles if t not in known]
        # `known` belongs to this normaliser: a newer one got a new dict, so old codes never mix with new ones.
        known.update(confident_codes(normaliser.estimator, todo, PAST_JOB_MIN_SCORE))
        return {t: known.get(t) for t in titles}


def model_info(matcher: Matcher) -> tuple[Any, dict[str, Any]]:
    """The ranker the matcher's requests use now (the rule baseline until a usable ranker is active)."""
    return matcher.model_info()
