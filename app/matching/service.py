"""Ranked vacancies for a worker and ranked candidates for a vacancy, from models loaded once per process."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy.orm import Session

from app.artefacts import service as artefacts
from app.clock import today
from app.config import Settings
from app.errors import Forbidden, Msg
from app.matching import repository
from app.matching.models import OccupationInference
from app.orgs.service import Principal
from app.pii import PiiVault
from app.vacancies import service as vacancies
from app.workers import service as workers
from app.workers.idnumber import age_on, parse_id_number
from matching.features import pair_features, prefecture_of
from matching.ranking import HORIZON_DAYS, RuleBaseline, pair_frame, reason_texts, top_k_batch

NO_NORMALISER = Msg(
    "尚无职业识别模型（请运行 laborbridge train），岗位暂无职业代码",
    "no occupation model is trained yet (run `laborbridge train`); the vacancy has no occupation code for now",
)
RULE_FALLBACK = Msg(
    "尚无已启用的排序模型，按规则（工种匹配+工资）排序，分数不是留岗概率",
    "no ranker is active yet: ranked by rule (occupation match + wage); the score is not a retention probability",
)
PAST_JOB_MIN_SCORE = 0.3  # a past-job title counts as occupation evidence only when the normaliser is this sure
BOOST_WAGE_MET = 1.5  # added to the rank key (logit scale) after a quit over wages, for jobs meeting the expectation
BOOST_LOCAL = 1.5  # ... after going home homesick or for family, for local and nearby jobs


@dataclass
class Matcher:
    """Per-process models and the cached open-vacancy board; refreshed cheaply, never fitted in a request."""

    settings: Settings
    ranker: artefacts.Loaded | None = None
    normaliser: artefacts.Loaded | None = None
    _models_checked: float = -1e18
    _board: pd.DataFrame | None = None
    _board_sig: tuple[Any, ...] | None = None
    _board_checked: float = -1e18
    _reference: tuple[frozenset[tuple[str, str]], dict[str, str]] | None = None
    _titles: dict[str, str | None] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def refresh_models(self, session: Session, force: bool = False) -> None:
        """Reload a model only when another version became active (one small query every few seconds)."""
        now = time.monotonic()
        if not force and now - self._models_checked < self.settings.match_model_check_seconds:
            return
        versions = repository.active_versions(session)
        with self._lock:
            for kind in ("ranker", "occupations"):
                current = self.ranker if kind == "ranker" else self.normaliser
                wanted = versions.get(kind)
                if (current.version if current else None) == wanted:
                    continue
                loaded = artefacts.load_active(session, kind) if wanted else None
                if kind == "ranker":
                    self.ranker = loaded
                else:
                    self.normaliser = loaded
                    self._titles.clear()
            self._models_checked = now

    def forget(self) -> None:
        """Look again at the next request (after `laborbridge train` in the same process, or in tests)."""
        self._models_checked = self._board_checked = -1e18
        self._board = None
        self._reference = None

    def reference(self, session: Session) -> tuple[frozenset[tuple[str, str]], dict[str, str]]:
        if self._reference is None:
            self._reference = (frozenset(repository.pairings(session)), repository.division_names(session))
        return self._reference

    def board(self, session: Session) -> pd.DataFrame:
        """Open vacancies, reloaded when a vacancy or placement changed (checked at most every board seconds)."""
        now = time.monotonic()
        if self._board is not None and now - self._board_checked < self.settings.match_board_check_seconds:
            return self._board
        sig = repository.board_signature(session)
        if self._board is None or sig != self._board_sig:
            board = repository.open_vacancies(session)
            with self._lock:
                self._board, self._board_sig = board, sig
                self._reference = None  # pairings are loaded with data: re-read them with the board
        self._board_checked = now
        assert self._board is not None
        return self._board

    def infer_titles(self, titles: list[str]) -> dict[str, str | None]:
        """Best code per title when the normaliser is sure enough; cached, so repeated titles cost nothing."""
        if self.normaliser is None:
            return {}
        todo = sorted({t for t in titles if t not in self._titles})
        if todo:
            codes, scores = self.normaliser.estimator.predict_topk(todo, k=1)
            for title, code, score in zip(todo, codes[:, 0], scores[:, 0], strict=True):
                self._titles[title] = str(code) if score >= PAST_JOB_MIN_SCORE else None
        return {t: self._titles.get(t) for t in titles}


# ------------------------------------------------------------------------------------- occupation inference


def infer_occupation(matcher: Matcher, session: Session, title: str, k: int = 5) -> dict[str, Any] | None:
    """Top-k CSCO codes for a vacancy title, or None when no normaliser is active."""
    matcher.refresh_models(session)
    if matcher.normaliser is None:
        return None
    model = matcher.normaliser.estimator
    codes, scores = model.predict_topk([title], k=k)
    names = model.name_of(codes[0])
    alternatives = [
        {"code": str(c), "name": n, "score": round(float(s), 4)}
        for c, n, s in zip(codes[0], names, scores[0], strict=True)
    ]
    return {"code": alternatives[0]["code"], "alternatives": alternatives, "version": matcher.normaliser.version}


def apply_inference(matcher: Matcher, session: Session, vacancy: Any, title_changed: bool, code_sent: bool) -> None:
    """Give a vacancy without an occupation code one from its title (and re-infer when the title changes)."""
    if code_sent and vacancy.occupation_code is not None:
        repository.drop_inference(session, vacancy.id)
        return
    existing = repository.inferences(session, [vacancy.id]).get(vacancy.id)
    if vacancy.occupation_code is not None and not (existing and title_changed):
        return
    guess = infer_occupation(matcher, session, vacancy.title)
    if guess is None:
        if existing:  # the old inference no longer describes the title
            vacancy.occupation_code = None
            repository.drop_inference(session, vacancy.id)
        return
    vacancy.occupation_code = guess["code"]
    session.flush()
    repository.save_inference(
        session,
        OccupationInference(
            vacancy_id=vacancy.id,
            code=guess["code"],
            alternatives=guess["alternatives"],
            model_version=guess["version"],
            title=vacancy.title,
        ),
    )


def inference_fields(matcher: Matcher, session: Session, vacancy_ids: list[int]) -> dict[int, dict[str, Any]]:
    """occupation_inferred / occupation_alternatives / occupation_note for VacancyRead."""
    matcher.refresh_models(session)
    rows = repository.inferences(session, vacancy_ids)
    out: dict[int, dict[str, Any]] = {}
    for vid in vacancy_ids:
        row = rows.get(vid)
        if row is not None:
            out[vid] = {"occupation_inferred": True, "occupation_alternatives": row.alternatives}
    return out


# ------------------------------------------------------------------------------------- frames


def _age(enc: str, vault: PiiVault, on: date) -> int:
    return age_on(parse_id_number(vault.decrypt(enc)).birth_date, on)


def enrich_workers(session: Session, matcher: Matcher, frame: pd.DataFrame, vault: PiiVault, on: date) -> pd.DataFrame:
    """Add age (from the ID number, for hard rules only), placement history, and past-job occupation evidence."""
    out = frame.copy()
    out["age"] = [_age(e, vault, on) for e in out["id_number_enc"]]
    history = repository.placements_of(session, [int(i) for i in out["worker_id"]])
    prior = np.zeros(len(out))
    early = np.zeros(len(out))
    if len(history):
        ended = history[history["end_date"].notna()].copy()
        days = (pd.to_datetime(ended["end_date"]) - pd.to_datetime(ended["start_date"])).dt.days
        ended["early"] = days < HORIZON_DAYS
        counts = ended.groupby("worker_id").agg(n=("early", "size"), early=("early", "sum"))
        prior = out["worker_id"].map(counts["n"]).fillna(0).to_numpy(float)
        early = out["worker_id"].map(counts["early"]).fillna(0).to_numpy(float)
    out["prior_placements"] = prior
    out["prior_early_exits"] = early
    titles = [t for jobs in out["past_jobs"] for t in (jobs or [])]
    inferred = matcher.infer_titles(titles)
    out["past_job_codes"] = [sorted({c for t in (jobs or []) if (c := inferred.get(t))}) for jobs in out["past_jobs"]]
    out["skills"] = [sorted(set(s or []) | set(p)) for s, p in zip(out["skills"], out["past_job_codes"], strict=True)]
    return out


def departure_context(session: Session, settings: Settings, worker_id: int, on: date) -> dict[str, Any]:
    """How the worker's last ended placement changes the next matches (issue 4 §4); never hides the worker."""
    context: dict[str, Any] = {"blocked_employers": [], "boost_wage_met": 0.0, "boost_local": 0.0, "widen_local": False}
    notes: list[dict[str, str]] = []
    last = repository.last_ended(session, worker_id)
    since = on - timedelta(days=settings.dispute_block_days)
    blocked = repository.disputed_employers(session, worker_id, since)
    if blocked:
        context["blocked_employers"] = blocked
        notes.append(
            _note(
                f"{settings.dispute_block_days}天内不推荐发生过劳动争议的用人单位",
                f"employers of a dispute in the last {settings.dispute_block_days} days are not offered",
            )
        )
    reason = last["end_reason"] if last else None
    if reason == "quit_wage":
        context["boost_wage_met"] = BOOST_WAGE_MET
        notes.append(
            _note(
                "上次因工资离职：工资达到期望的岗位排在前面",
                "left the last job over wages: jobs that pay what you asked come first",
            )
        )
    elif reason in ("quit_homesick", "quit_family"):
        context["boost_local"] = BOOST_LOCAL
        context["widen_local"] = True
        notes.append(
            _note(
                "上次因想家或家庭原因离职：本地和附近的岗位排在前面",
                "went home last time: local and nearby jobs come first",
            )
        )
    context["notes"] = notes
    return context


def _note(zh: str, en: str) -> dict[str, str]:
    return {"zh": zh, "en": en, "text": f"{zh} / {en}"}


def _model_info(matcher: Matcher) -> tuple[Any, dict[str, Any]]:
    if matcher.ranker is None:
        return RuleBaseline().fit(), {"kind": "rule_baseline", "version": None, "note": RULE_FALLBACK.text()}
    return matcher.ranker.estimator, {"kind": "ranker", "version": matcher.ranker.version, "note": None}


def _city(code: str, names: dict[str, str]) -> str:
    return names.get(prefecture_of(code)) or names.get(code, code)


def _explain(
    ranker: Any,
    workers_rows: pd.DataFrame,
    vacancy_rows: pd.DataFrame,
    pairs: frozenset[tuple[str, str]],
    names: dict[str, str],
) -> list[list[dict[str, Any]]]:
    frame = pair_frame(workers_rows, vacancy_rows, pairs)
    feats = pair_features(frame)
    context = pd.DataFrame({"vacancy_city": [_city(str(c), names) for c in frame["vacancy_county"]]})
    reasons = reason_texts(feats, ranker.contributions(feats), context, n=3)
    return [[{**r, "text": f"{r['zh']} / {r['en']}"} for r in rs] for rs in reasons]


def matches(
    session: Session, principal: Principal, matcher: Matcher, vault: PiiVault, worker_id: int, limit: int
) -> dict[str, Any]:
    """The open vacancies this worker is likeliest to stay in, best first, each with its reasons."""
    worker = workers.get_worker(session, principal, worker_id)  # 403 / 404 by the workers' own walls
    matcher.refresh_models(session)
    on = today()
    board = matcher.board(session)
    pairs, names = matcher.reference(session)
    frame = enrich_workers(session, matcher, repository.workers(session, [worker.id]), vault, on)
    context = departure_context(session, matcher.settings, worker.id, on)
    for key in ("blocked_employers", "boost_wage_met", "boost_local", "widen_local"):
        frame[key] = [context[key]] if key == "blocked_employers" else context[key]
    ranker, info = _model_info(matcher)
    top = top_k_batch(frame, board, ranker, k=limit, pairs=pairs, shortlist=limit, rerank=False)
    items: list[dict[str, Any]] = []
    if len(top):
        rows = board.set_index("vacancy_id").loc[top["vacancy_id"].to_numpy()].reset_index()
        reasons = _explain(ranker, frame.iloc[[0] * len(rows)], rows, pairs, names)
        for (_, t), (_, v), why in zip(top.iterrows(), rows.iterrows(), reasons, strict=True):
            items.append(
                {
                    "rank": int(t["rank"]),
                    "score": round(float(t["score"]), 4),
                    "vacancy": {
                        "id": int(v["vacancy_id"]),
                        "title": v["title"],
                        "employer_org_id": int(v["employer_id"]),
                        "occupation_code": v["occupation_code"],
                        "county_code": v["vacancy_county"],
                        "place": _city(str(v["vacancy_county"]), names),
                        "wage_min": int(v["wage_min"]),
                        "wage_max": int(v["wage_max"]),
                        "housing": bool(v["housing"]),
                        "shift": v["shift"],
                        "headcount_left": int(v["headcount_left"]),
                    },
                    "reasons": why,
                }
            )
    return {
        "worker_id": worker.id,
        "model": info,
        "occupation_evidence": frame["past_job_codes"].iloc[0],
        "adjustments": context["notes"],
        "items": items,
    }


CANDIDATE_READERS = ("employer", "provincial_office")


def candidates(
    session: Session, principal: Principal, matcher: Matcher, vault: PiiVault, vacancy_id: int, limit: int
) -> dict[str, Any]:
    """Unplaced workers who consented to share, likeliest to stay in this vacancy first; no PII unless consented."""
    if principal.kind not in CANDIDATE_READERS:
        raise Forbidden(Msg("本机构无权查看岗位的候选人", f"a {principal.kind} key may not read candidates"))
    vacancy = vacancies.get_vacancy(session, principal, vacancy_id)
    matcher.refresh_models(session)
    on = today()
    pairs, names = matcher.reference(session)
    board = repository.open_vacancies(session)
    board = board[board["vacancy_id"] == vacancy.id]
    ranker, info = _model_info(matcher)
    items: list[dict[str, Any]] = []
    pool = repository.workers(session, unplaced=True, consent_only=True)
    if len(board) and len(pool):
        pool = enrich_workers(session, matcher, pool, vault, on)
        pool["blocked_employers"] = (
            [
                repository.disputed_employers(session, int(w), on - timedelta(days=matcher.settings.dispute_block_days))
                for w in pool["worker_id"]
            ]
            if len(pool) <= 5000
            else [[]] * len(pool)
        )
        top = top_k_batch(pool, board, ranker, k=1, pairs=pairs, shortlist=1, rerank=False, require_consent=True)
        top = top.sort_values(["score", "worker_id"], ascending=[False, True]).head(limit)
        rows = pool.set_index("worker_id").loc[top["worker_id"].to_numpy()].reset_index()
        reasons = _explain(ranker, rows, board.iloc[[0] * len(rows)], pairs, names)
        for rank, ((_, t), (_, w), why) in enumerate(zip(top.iterrows(), rows.iterrows(), reasons, strict=True), 1):
            shared = bool(w["consent_to_share"])
            items.append(
                {
                    "rank": rank,
                    "score": round(float(t["score"]), 4),
                    "worker": {
                        "id": int(w["worker_id"]),
                        "consent_to_share": shared,
                        "name": w["name"] if shared else None,
                        "id_number": w["id_number_masked"] if shared else None,
                        "phone": w["phone_masked"] if shared else None,
                        "hukou_county": w["worker_county"],
                        "home": names.get(str(w["worker_county"]), ""),
                        "education": w["education"],
                        "skills": list(w["skills"]),
                        "desired_occupations": list(w["desired_occupations"] or []),
                        "expected_wage": None if pd.isna(w["expected_wage"]) else int(w["expected_wage"]),
                    },
                    "reasons": why,
                }
            )
    return {"vacancy_id": vacancy.id, "model": info, "items": items}
