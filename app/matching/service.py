"""Ranked vacancies for a worker and ranked candidates for a vacancy, from models loaded once per process."""

from __future__ import annotations

import logging
from datetime import date, timedelta
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy.orm import Session

from app import authz
from app.authz import Action, Resource
from app.clock import today
from app.config import Settings
from app.errors import Msg
from app.labels import VOCABULARIES, label
from app.matching import repository
from app.matching.cache import PERSONAL_COLUMNS, Matcher, age_from_id, model_info
from app.matching.models import OccupationInference
from app.orgs.service import Principal
from app.pii import PiiVault
from app.training import repository as training_repository
from app.training import service as training
from app.vacancies import service as vacancies
from app.workers import service as workers
from matching.bilingual import zh_en
from matching.features import pair_features, prefecture_of
from matching.ranking import (
    TIERS,
    PreparedBoard,
    PreparedPool,
    explain_one,
    pair_frame,
    rank_one,
    reason_texts,
)

log = logging.getLogger("laborbridge.matching")

NO_NORMALISER = Msg(
    "尚无职业识别模型（请运行 laborbridge train），岗位暂无职业代码",
    "no occupation model is trained yet (run `laborbridge train`); the vacancy has no occupation code for now",
)
# The tiers of the default /matches order (matching.ranking.TIERS) are labelled in app.labels.
assert set(VOCABULARIES["match_tier"]) == set(TIERS)
ORDERS = ("tiers", "retention")
UNCLEAR_TITLE = Msg(
    "岗位名称不够清楚，无法确定职业；请从备选职业中选择，或填写职业代码",
    "the title is not clear enough to pick an occupation: choose one of the alternatives or give the code",
)
# The normaliser's scores are calibrated probabilities over ~1,500 codes. Below 0.2 the best guess is wrong
# more often than right and is usually one of several near-equal codes, so a wrong code would silently steer
# matching; a clerk picking from the alternatives is better. ("！！！" scores 0.0006; clear titles 0.5-0.99.)
INFER_MIN_SCORE = 0.2
BOOST_WAGE_MET = 1.5  # added to the rank key (logit scale) after a quit over wages, for jobs meeting the expectation
BOOST_LOCAL = 1.5  # ... after going home homesick or for family, for local and nearby jobs


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
    sure = guess["alternatives"][0]["score"] >= INFER_MIN_SCORE
    vacancy.occupation_code = guess["code"] if sure else None
    session.flush()
    repository.save_inference(
        session,
        OccupationInference(
            vacancy_id=vacancy.id,
            code=guess["code"] if sure else "",  # "": too unsure to pick; the alternatives are still shown
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
        if row is not None and row.code:
            out[vid] = {"occupation_inferred": True, "occupation_alternatives": row.alternatives}
        elif row is not None:  # the title was too unclear (INFER_MIN_SCORE): no code, only the alternatives
            out[vid] = {
                "occupation_inferred": False,
                "occupation_alternatives": row.alternatives,
                "occupation_note": UNCLEAR_TITLE.text(),
            }
    return out


# ------------------------------------------------------------------------------------- frames


def enrich_workers(session: Session, matcher: Matcher, frame: pd.DataFrame, vault: PiiVault, on: date) -> pd.DataFrame:
    """Add age (from the ID number, for hard rules only) and past-job occupation evidence.

    No placement history: the ranker never reads it (a worker's earlier departures must not rank them below
    other workers; they inform the departure model's risk and support instead).
    """
    out = frame.copy()
    out["age"] = matcher.ages(out, vault, on)
    return with_evidence(matcher, out)


def ranker_inputs(session: Session, matcher: Matcher, frame: pd.DataFrame, vault: PiiVault, on: date) -> pd.DataFrame:
    """Workers as every batch path ranks them: `enrich_workers` plus the employers a recent dispute blocks."""
    out = enrich_workers(session, matcher, frame, vault, on)
    since = on - timedelta(days=matcher.settings.dispute_block_days)
    blocked = repository.disputed_employers_by_worker(session, since)
    out["blocked_employers"] = [blocked.get(int(w), []) for w in out["worker_id"]]
    return out


def with_evidence(matcher: Matcher, out: pd.DataFrame) -> pd.DataFrame:
    """Past-job titles the normaliser is sure of become occupation evidence, treated like skills."""
    titles = [t for jobs in out["past_jobs"] for t in (jobs or [])]
    inferred = matcher.infer_titles(titles)
    out["past_job_codes"] = [sorted({c for t in (jobs or []) if (c := inferred.get(t))}) for jobs in out["past_jobs"]]
    out["skills"] = [sorted(set(s or []) | set(p)) for s, p in zip(out["skills"], out["past_job_codes"], strict=True)]
    return out


def departure_context(session: Session, settings: Settings, worker_id: int, on: date) -> dict[str, Any]:
    """How the worker's last ended placement changes the next matches; never hides the worker."""
    context: dict[str, Any] = {"blocked_employers": [], "boost_wage_met": 0.0, "boost_local": 0.0, "widen_local": False}
    notes: list[dict[str, str]] = []
    last = repository.last_ended(session, worker_id)
    since = on - timedelta(days=settings.dispute_block_days)
    blocked = repository.disputed_employers(session, worker_id, since)
    if blocked:
        notes.append(
            _note(
                f"{settings.dispute_block_days}天内不推荐发生过劳动争议的用人单位",
                f"employers of a dispute in the last {settings.dispute_block_days} days are not offered",
            )
        )
    against = repository.employers_with_open_case(session, worker_id)
    if against:
        notes.append(
            _note("维权案件办理期间不推荐被投诉的用人单位", "an employer of an open rights case is not offered")
        )
    context["blocked_employers"] = sorted(set(blocked) | set(against))
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
    return {"zh": zh, "en": en, "text": zh_en(zh, en)}


def _city(code: str, names: dict[str, str]) -> str:
    return names.get(prefecture_of(code)) or names.get(code, code)


def explain_pairs(
    ranker: Any,
    workers_rows: pd.DataFrame,
    vacancy_rows: pd.DataFrame,
    pairs: frozenset[tuple[str, str]],
    names: dict[str, str],
) -> list[list[dict[str, Any]]]:
    """The few factors that moved each (worker row, vacancy row) score most, said about the worker to an
    employer or an office (candidates, allocations)."""
    frame = pair_frame(workers_rows, vacancy_rows, pairs)
    feats = pair_features(frame)
    context = pd.DataFrame({"vacancy_city": [_city(str(c), names) for c in frame["vacancy_county"]]})
    return reason_texts(feats, ranker.contributions(feats), context, n=3, reader="about")


def enrich_one(matcher: Matcher, session: Session, row: dict[str, Any], vault: PiiVault, on: date) -> dict[str, Any]:
    """`enrich_workers` for one worker row as a dict: age (hard rules only) and past-job evidence."""
    out = dict(row)
    out["age"] = age_from_id(row["id_number_enc"], vault, on)
    jobs = row["past_jobs"] or []
    inferred = matcher.infer_titles(list(jobs))
    out["past_job_codes"] = sorted({c for t in jobs if (c := inferred.get(t))})
    out["skills"] = sorted(set(row["skills"] or []) | set(out["past_job_codes"]))
    return out


SHOWN_COLUMNS = ("vacancy_id", "title", "employer_id", "occupation_code", "vacancy_county", "wage_min", "wage_max",
                 "housing", "shift")  # fmt: skip
MAX_RECHECKS = 5  # rounds of "some shown vacancies were filled meanwhile: rank again without them"


def matches(
    session: Session,
    principal: Principal,
    matcher: Matcher,
    vault: PiiVault,
    worker_id: int,
    limit: int,
    order: str = "tiers",
) -> dict[str, Any]:
    """Open vacancies for this worker with reasons: the occupations they asked for first, then their skills' and
    past jobs' families, then the rest, each tier by the chance of staying (`order="retention"`: by it alone)."""
    worker = workers.get_worker(session, principal, worker_id)  # 403 / 404 by the workers' own walls
    matcher.refresh_models(session)
    on = today()
    found = repository.worker_row(session, worker.id)
    assert found is not None  # get_worker found it in this transaction
    row = enrich_one(matcher, session, found, vault, on)
    context = departure_context(session, matcher.settings, worker.id, on)
    for key in ("blocked_employers", "boost_wage_met", "boost_local", "widen_local"):
        row[key] = context[key]
    fresh = on - timedelta(days=matcher.settings.training_tier_days)
    row["training_vacancies"] = sorted(training_repository.order_class_vacancies(session, worker.id, fresh))
    ranker, info = model_info(matcher)
    prepared, gone, (_, names) = matcher.snapshot(session, ranker)
    # Places an order class holds for its graduates are read live (the board does not know them): a vacancy
    # whose every place left is held for others' graduates is not offered to this worker at all.
    held = {v: r for v, r in training_repository.reserved(session, on).items() if r.closed_to(worker.id)}
    held_live = repository.headcount_left(session, list(held))
    reserved_out = frozenset(v for v, r in held.items() if held_live.get(v, 0) - r.places <= 0)
    # The board may be up to a refresh old: check the vacancies about to be shown, and rank again without any
    # that were filled or closed since (they stay skipped until the board is reloaded).
    for _ in range(MAX_RECHECKS):
        top = rank_one(
            row, prepared, limit, exclude=gone | reserved_out, order="retention" if order == "retention" else "tiers"
        )
        live = repository.headcount_left(session, [int(v) for v in top["vacancy_id"]])
        filled = [int(v) for v in top["vacancy_id"] if live.get(int(v), 0) <= 0]
        if not filled:
            break
        matcher.forget_vacancies(filled)
        gone = gone | frozenset(filled)
    else:
        keep = np.array([live.get(int(v), 0) > 0 for v in top["vacancy_id"]], dtype=bool)
        top = {name: values[keep] for name, values in top.items()}
    shown = {c: prepared.columns[c][top["col"]] for c in SHOWN_COLUMNS}
    vacancies_shown = [dict(zip(SHOWN_COLUMNS, values, strict=True)) for values in zip(*shown.values(), strict=True)]
    places = [_city(str(v["vacancy_county"]), names) for v in vacancies_shown]
    reasons = explain_one(row, prepared, top["col"], [{"vacancy_city": p} for p in places], n=3)
    trainings = training_repository.completed_trainings(session, worker.id)
    if trainings:  # a graduate hears first what their training has to do with the job
        for v, why in zip(vacancies_shown, reasons, strict=True):
            said = training.training_reason(trainings, int(v["employer_id"]), v["occupation_code"])
            if said is not None:
                why.insert(0, said)
    items: list[dict[str, Any]] = []
    shown_items = zip(vacancies_shown, top["score"], top["tier"], places, reasons, strict=True)
    for rank, (v, score, tier, place, why) in enumerate(shown_items, 1):
        vid = int(v["vacancy_id"])
        items.append(
            {
                "rank": rank,
                "tier": TIERS[int(tier)],
                "tier_label": label("match_tier", TIERS[int(tier)]),
                "score": round(float(score), 4),
                "vacancy": {
                    "id": int(v["vacancy_id"]),
                    "title": v["title"],
                    "employer_org_id": int(v["employer_id"]),
                    "occupation_code": v["occupation_code"],
                    "county_code": v["vacancy_county"],
                    "place": place,
                    "wage_min": int(v["wage_min"]),
                    "wage_max": int(v["wage_max"]),
                    "housing": bool(v["housing"]),
                    "shift": v["shift"],
                    "headcount_left": max(0, live[vid] - (held[vid].places if vid in held else 0)),
                },
                "reasons": why,
            }
        )
    return {
        "worker_id": worker.id,
        "order": order,
        "model": info,
        "occupation_evidence": row["past_job_codes"],
        "adjustments": context["notes"],
        "items": items,
    }


# Extra workers ranked per candidates request, to fill the page when some withdrew consent or were placed since
# the cached pool was built (at most a board-check interval ago).
CANDIDATE_SPARE = 10


def _ranked_candidates(
    session: Session, pool: PreparedPool, board: PreparedBoard, left: int, vacancy_id: int, on: date, spare: int
) -> dict[str, np.ndarray]:
    """The pool ranked for one vacancy: its own order classes' graduates first, then everyone by score; while all
    places left are held for graduates, only the reserving classes' graduates."""
    held = training_repository.reserved(session, on, [vacancy_id]).get(vacancy_id)
    graduates = training_repository.graduates_of_vacancy(session, vacancy_id)
    only = held.graduates if held is not None and left - held.places <= 0 else None
    if not graduates and only is None:
        return pool.rank(board, spare)
    ranked = pool.rank(board, len(pool.ids))  # every admissible worker: graduates may rank anywhere by score
    ids = ranked["worker_id"]
    first = np.isin(ids, sorted(graduates | (held.graduates if held else frozenset())))
    allowed = np.isin(ids, sorted(only)) if only is not None else np.ones(len(ids), dtype=bool)
    picked = np.concatenate([np.flatnonzero(first & allowed), np.flatnonzero(~first & allowed)])[:spare]
    return {name: values[picked] for name, values in ranked.items()}


def candidates(
    session: Session, principal: Principal, matcher: Matcher, vault: PiiVault, vacancy_id: int, limit: int
) -> dict[str, Any]:
    """Unplaced workers who consented to share, likeliest to stay in this vacancy first; no PII unless consented."""
    authz.reach(principal, Resource.candidates, Action.read)
    vacancy = vacancies.get_vacancy(session, principal, vacancy_id)
    matcher.refresh_models(session)
    on = today()
    pairs, names = matcher.reference(session)
    board = repository.open_vacancies(session, vacancy.id)
    ranker, info = model_info(matcher)
    items: list[dict[str, Any]] = []
    pool = matcher.pool(session, vault, on, ranker_inputs) if len(board) else pd.DataFrame()
    if len(board) and len(pool):
        # One vacancy against the cached pool's arrays (the same arithmetic as top_k_batch with k=1).
        # The pool may be up to a check interval old: rank a few spare workers, then keep only those who still
        # consent and are still unplaced now (read live with their personal columns, for the shown rows only).
        spare = limit + CANDIDATE_SPARE
        ranked = _ranked_candidates(session, matcher.prepared_pool(pool, ranker, pairs),
                                    PreparedBoard(board, ranker, pairs), int(board["headcount_left"].iloc[0]),
                                    vacancy.id, on, spare)  # fmt: skip
        ids = [int(i) for i in ranked["worker_id"]]
        personal = repository.workers(session, ids, consent_only=True, unplaced=True).set_index("worker_id")
        keep = np.flatnonzero(np.isin(ranked["worker_id"], personal.index.to_numpy()))[:limit]
        top = pd.DataFrame({"worker_id": ranked["worker_id"][keep], "score": ranked["score"][keep]})
        rows = pool.iloc[ranked["row"][keep]].reset_index(drop=True)
        for column in (*PERSONAL_COLUMNS, "consent_to_share"):  # never kept in the pool
            rows[column] = personal[column].reindex(rows["worker_id"]).to_numpy()
        reasons = explain_pairs(ranker, rows, board.iloc[[0] * len(rows)], pairs, names)
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
