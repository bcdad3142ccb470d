"""Demo data: simulate a world (app.seed.simulate), then bulk-insert it with SQLAlchemy Core in one transaction.

The behavioural model and the marginals it produces are written down in seed_data/README.md.
"""

import json
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, cast

import numpy as np
from sqlalchemy import Connection, Table, func, insert, select, text
from sqlalchemy.orm import Session

from app.authz import OrgKind
from app.clock import today as china_today
from app.config import get_settings
from app.db import Database
from app.models import FollowUp, Org, Pairing, PairingVersion, Placement, Vacancy, Worker
from app.orgs import service as orgs_service
from app.pairings.service import FIELDS as PAIRING_FIELDS
from app.pii import PiiVault, vault_for
from app.placements.schemas import CONTACTS, END_REASONS, OUTCOMES
from app.reference.models import Division, Occupation
from app.reports import cache as report_cache
from app.rights.models import CaseEvent, RightsCase
from app.seed import catalog
from app.seed.cases import build_cases
from app.seed.reference import load_reference
from app.seed.simulate import NOTE_TEXTS, World, build_world, to_dates
from app.seed.training import (
    build_training,
    class_rows,
    demand_rows,
    enrolment_rows,
    placement_enrolments,
    reservation_rows,
    school_of,
)
from app.training.models import Enrolment, TrainingClass, TrainingDemand, TrainingReservation
from app.vacancies.schemas import SHIFTS
from app.workers.idnumber import make_id_number
from app.workers.schemas import CHANNELS, EDUCATION_LEVELS
from app.workers.service import stored_columns

CHUNK = 5000
VERSION_COLUMNS = ("id", "version", "effective_from", *PAIRING_FIELDS)
PAGE = 5000  # rows per multi-row INSERT on PostgreSQL (SQLAlchemy insertmanyvalues; default 1000)


@dataclass(frozen=True)
class SeedConfig:
    workers: int = 2000
    vacancies: int = 300
    years: int = 3
    seed: int = 7
    today: date | None = None  # the last day of the history; default: today in China


def _table(model: type) -> Table:
    return cast(Table, model.__table__)  # type: ignore[attr-defined]


class SeedRefused(RuntimeError):
    """The database already has workers: seeding again would collide with them."""


class Progress:
    """Stage timings on stderr, for runs big enough to wait for."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self.t0 = time.perf_counter()

    def __call__(self, message: str) -> None:
        if self.enabled:
            print(f"[seed {time.perf_counter() - self.t0:7.1f}s] {message}", file=sys.stderr, flush=True)


def seed_database(
    url: str, pii_key: str, config: SeedConfig, keys_file: Path | None = None, only_if_empty: bool = False
) -> dict[str, Any]:
    """Fill an empty, migrated database with demo data; return counts and the marginals of the placements."""
    if config.workers < 1 or config.vacancies < 1 or config.years < 1:
        raise ValueError("workers, vacancies and years must all be at least 1")
    progress = Progress(config.workers >= 20_000)
    started = time.perf_counter()
    db = Database(url)
    try:
        engine = db.engine.execution_options(sqlite_begin="IMMEDIATE") if db.is_sqlite else db.engine
        with engine.begin() as conn:
            existing = int(conn.scalar(select(func.count()).select_from(_table(Worker))) or 0)
            if existing:
                if only_if_empty:
                    return {"skipped": True, "reason": "the database already has workers", "workers": existing}
                raise SeedRefused(f"the database already has {existing} workers; seed an empty database")
            ref = load_reference(
                division_codes=set(conn.scalars(select(Division.code))),
                occupation_codes=set(conn.scalars(select(Occupation.code))),
            )
            today = config.today or china_today()
            progress(f"simulating {config.workers:,} workers, {config.vacancies:,} vacancies, {config.years} years")
            world = build_world(ref, config.workers, config.vacancies, config.years, config.seed, today)
            placed, followed = len(world.placements.worker), len(world.follow_ups.placement)
            progress(f"simulated {placed:,} placements and {followed:,} follow-ups")
            summary = _insert_world(conn, world, vault_for(pii_key), progress)
            report_cache.record(conn)  # written by COPY, which the report cache's log does not see
            keys = _issue_demo_keys(conn, world, summary.pop("_org_ids"))
    finally:
        db.dispose()
    if keys_file is not None:
        keys_file.parent.mkdir(parents=True, exist_ok=True)
        keys_file.write_text(json.dumps(keys, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        summary["keys_file"] = str(keys_file)
    summary["demo"] = {role: item["name"] for role, item in keys.items()}
    summary["seconds"] = round(time.perf_counter() - started, 1)
    progress("done")
    return summary


def _reserve_ids(conn: Connection, table: Table, n: int) -> np.ndarray | None:
    """n fresh primary keys, taken so that later inserts by the API cannot collide with them.

    PostgreSQL: drawn from the column's own sequence. SQLite: max(id) + 1 ..., safe because the seed holds the
    write lock (BEGIN IMMEDIATE) and rowid tables hand out max + 1 themselves. Elsewhere: None (use RETURNING).
    """
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    dialect = conn.dialect.name
    if dialect == "sqlite":
        top = int(conn.scalar(select(func.coalesce(func.max(table.c.id), 0))) or 0)
        return np.arange(top + 1, top + n + 1, dtype=np.int64)
    if dialect == "postgresql":
        seq = conn.scalar(text("SELECT pg_get_serial_sequence(:t, 'id')"), {"t": table.name})
        if seq:
            got = conn.scalars(text("SELECT nextval(:s) FROM generate_series(1, :n)"), {"s": seq, "n": n}).all()
            return np.array(got, dtype=np.int64)
    return None


def _bulk(
    conn: Connection,
    table: Table,
    n: int,
    rows_for: Callable[[int, int], list[dict[str, Any]]],
    progress: Progress,
    label: str,
    with_ids: bool = True,
    copy: bool = False,
) -> np.ndarray:
    """Insert rows in chunks; with `with_ids`, return their primary keys in input order.

    Core `insert()` executemany everywhere; with `copy`, PostgreSQL gets COPY instead (for plain columns only:
    no JSON), which is several times faster than multi-row INSERTs for millions of rows.
    """
    ids = _reserve_ids(conn, table, n) if with_ids else None
    returning = with_ids and ids is None
    use_copy = copy and conn.dialect.name == "postgresql"
    stmt = insert(table)
    if returning:
        stmt = stmt.returning(table.c.id, sort_by_parameter_order=True)  # type: ignore[assignment]
    got: list[int] = []
    step = max(n // 10, CHUNK)
    for lo in range(0, n, CHUNK):
        hi = min(lo + CHUNK, n)
        rows = rows_for(lo, hi)
        if ids is not None:
            for row, new_id in zip(rows, ids[lo:hi].tolist(), strict=True):
                row["id"] = new_id
        if use_copy:
            _copy(conn, table, rows)
        else:
            result = conn.execution_options(insertmanyvalues_page_size=PAGE).execute(stmt, rows)
            if returning:
                got.extend(result.scalars().all())
        if hi % step < CHUNK or hi == n:
            progress(f"{label}: {hi:,}/{n:,}")
    if ids is None:
        ids = np.array(got, dtype=np.int64)
    return ids


def _copy(conn: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    """COPY rows into a PostgreSQL table on the seed's own connection (so inside its transaction)."""
    if not rows:
        return
    columns = list(rows[0])
    driver = conn.connection.driver_connection
    assert driver is not None
    with driver.cursor() as cur, cur.copy(f"COPY {table.name} ({', '.join(columns)}) FROM STDIN") as out:
        for row in rows:
            out.write_row([row[c] for c in columns])


def _stamp(days: np.ndarray, minutes: np.ndarray) -> list[datetime]:
    """Day numbers at 08:00 China time plus some minutes, as aware UTC datetimes."""
    base = datetime(1970, 1, 1, tzinfo=UTC)
    return [base + timedelta(days=int(d), minutes=int(m)) for d, m in zip(days.tolist(), minutes.tolist(), strict=True)]


def _insert_world(conn: Connection, w: World, vault: PiiVault, progress: Progress) -> dict[str, Any]:
    ref = w.ref
    rng = np.random.default_rng(w.today)  # only for created_at minutes: never affects the data itself
    created = datetime(1970, 1, 1, tzinfo=UTC) + timedelta(days=int(w.first_day) - 200)
    org_rows = [
        {"kind": k, "name": n, "region_code": r, "created_at": created, "updated_at": created}
        for k, n, r in zip(w.orgs.kind, w.orgs.name, w.orgs.region, strict=True)
    ]
    org_ids = _bulk(conn, _table(Org), len(org_rows), lambda lo, hi: org_rows[lo:hi], progress, "orgs")

    pairings = 0
    if not conn.scalar(select(func.count()).select_from(_table(Pairing))):
        rows = [
            {
                "east_code": p.east_code,
                "west_code": p.west_code,
                "level": p.level,
                "annual_target": p.annual_target,
                "illustrative": p.illustrative,
                "note": p.note,
                "created_at": created,
                "updated_at": created,
            }
            for p in ref.pairings
        ]
        if rows:
            conn.execute(insert(_table(Pairing)), rows)
            # Each seed pairing is its version 1, in force since the row's default effective_from.
            stored = conn.execute(select(*(_table(Pairing).c[c] for c in VERSION_COLUMNS))).mappings().all()
            conn.execute(
                insert(_table(PairingVersion)),
                [
                    {"pairing_id": r["id"], "created_at": created} | {c: r[c] for c in VERSION_COLUMNS[1:]}
                    for r in stored
                ],
            )
        pairings = len(rows)

    # ---- workers: personal data hashed, encrypted and masked by the service's own function ---------------
    # Inserted in order of registration, so ids and each office's external ids (450225-000001, ...) run in time.
    n = len(w.workers.county)
    w_order = np.argsort(w.workers.registered, kind="stable")
    county_codes = ref.codes[w.workers.county]
    seq = np.empty(n, dtype=np.int64)
    seq[w_order] = _rank_within(w.workers.county[w_order])
    surnames = list(catalog.SURNAMES)
    created_w = _stamp(w.workers.registered, rng.integers(0, 600, n))
    worker_codes, titles = w.occupations.worker_codes, w.occupations.past_job_titles

    def codes_of(row: np.ndarray, table: list[str]) -> list[str]:
        return list(dict.fromkeys(table[j] for j in row.tolist() if j >= 0))

    def worker_rows(lo: int, hi: int) -> list[dict[str, Any]]:
        chunk = w_order[lo:hi]
        births = to_dates(w.workers.birth[chunk])
        rows = []
        for k, i in enumerate(chunk.tolist()):
            county = str(county_codes[i])
            chars = catalog.GIVEN_MALE if w.workers.male[i] else catalog.GIVEN_FEMALE
            given = "".join(chars[j] for j in w.workers.given[i].tolist() if j >= 0)
            phone = f"{catalog.PHONE_PREFIXES[w.workers.phone[i, 0]]}{int(w.workers.phone[i, 1]):08d}"
            values = {
                "owner_org_id": int(org_ids[w.workers.owner[i]]),
                "external_id": f"{county}-{seq[i] + 1:06d}",
                "id_number": make_id_number(county, births[k], int(w.workers.serial[i])),
                "phone": phone,
                "name": surnames[w.workers.surname[i]] + given,
                "hukou_county": county,
                "education": EDUCATION_LEVELS[w.workers.education[i]],
                "skills": codes_of(w.workers.skills[i], worker_codes),
                "past_jobs": codes_of(w.workers.past_jobs[i], titles),
                "desired_occupations": codes_of(w.workers.desired[i], worker_codes),
                "channel_preference": CHANNELS[w.workers.channel[i]],
                "expected_wage": int(w.workers.expected_wage[i]),
                "registered_low_income": bool(w.workers.low_income[i]),
                "monitored_household": bool(w.workers.monitored[i]),
                "dependants": int(w.workers.dependants[i]),
                "consent_to_share": bool(w.workers.consent[i]),
                "version": 1,
                "created_at": created_w[i],
                "updated_at": created_w[i],
            }
            rows.append(stored_columns(values, vault))
        return rows

    worker_ids = np.empty(n, dtype=np.int64)
    worker_ids[w_order] = _bulk(conn, _table(Worker), n, worker_rows, progress, "workers")

    # ---- vacancies, in order of posting -------------------------------------------------------------------
    n_vac = len(w.vacancies.county)
    v_starts = to_dates(w.vacancies.start)
    v_posted = w.vacancies.start - rng.integers(7, 31, n_vac)
    v_order = np.argsort(v_posted, kind="stable")
    v_created = _stamp(v_posted, rng.integers(0, 600, n_vac))
    v_ext = np.empty(n_vac, dtype=np.int64)
    v_ext[v_order] = _rank_within(w.vacancies.employer[v_order])

    def vacancy_rows(lo: int, hi: int) -> list[dict[str, Any]]:
        return [
            {
                "employer_org_id": int(org_ids[w.vacancies.employer[i]]),
                "external_id": f"ZP-{v_ext[i] + 1:04d}",
                "title": w.vacancies.title[i],
                "occupation_code": w.occupations.vac_codes[w.vacancies.code[i]],
                "county_code": str(ref.codes[w.vacancies.county[i]]),
                "headcount": int(w.vacancies.headcount[i]),
                "wage_min": int(w.vacancies.wage_min[i]),
                "wage_max": int(w.vacancies.wage_max[i]),
                "housing": bool(w.vacancies.housing[i]),
                "meals": bool(w.vacancies.meals[i]),
                "shift": SHIFTS[w.vacancies.shift[i]],
                "contract_months": int(w.vacancies.contract_months[i]) or None,
                "min_age": int(w.vacancies.min_age[i]),
                "max_age": int(w.vacancies.max_age[i]) or None,
                "education_min": EDUCATION_LEVELS[w.vacancies.education_min[i]],
                "start_date": v_starts[i],
                "status": "open" if w.vacancies.open[i] else "closed",
                "version": 1,
                "created_at": v_created[i],
                "updated_at": v_created[i],
            }
            for i in v_order[lo:hi].tolist()
        ]

    vacancy_ids = np.empty(n_vac, dtype=np.int64)
    vacancy_ids[v_order] = _bulk(conn, _table(Vacancy), n_vac, vacancy_rows, progress, "vacancies")

    # ---- training: the classes behind the trained placements, before the placements that name them ---------
    classes = build_training(w)
    demands = demand_rows(w, classes, org_ids, vacancy_ids)
    demand_ids = _bulk(conn, _table(TrainingDemand), len(demands), lambda lo, hi: demands[lo:hi], progress, "demands")
    class_list = class_rows(w, classes, int(org_ids[school_of(w)]), demand_ids)
    class_ids = _bulk(
        conn, _table(TrainingClass), len(class_list), lambda lo, hi: class_list[lo:hi], progress, "classes"
    )
    enrolments = enrolment_rows(w, classes, class_ids, org_ids, worker_ids)
    enrolment_ids = _bulk(
        conn, _table(Enrolment), len(enrolments), lambda lo, hi: enrolments[lo:hi], progress, "enrolments"
    )
    held = reservation_rows(w, classes, class_ids, vacancy_ids, get_settings().training_reservation_days)
    _bulk(conn, _table(TrainingReservation), len(held), lambda lo, hi: held[lo:hi], progress, "reservations")

    # ---- placements ---------------------------------------------------------------------------------------
    n_p = len(w.placements.worker)
    p_enrolment = placement_enrolments(classes, n_p, enrolment_ids)
    p_worker_ids = worker_ids[w.placements.worker]
    p_vacancy_ids = vacancy_ids[w.placements.vacancy]
    p_recorder = org_ids[w.workers.owner[w.placements.worker]]
    p_referrer = np.where(w.placements.referrer >= 0, org_ids[np.maximum(w.placements.referrer, 0)], -1)
    ended = w.placements.end >= 0
    p_created = _stamp(w.placements.start, rng.integers(0, 600, n_p))
    p_updated = _stamp(np.where(ended, w.placements.end, w.placements.start), rng.integers(600, 700, n_p))

    def placement_rows(lo: int, hi: int) -> list[dict[str, Any]]:
        starts = to_dates(w.placements.start[lo:hi])
        ends = to_dates(np.maximum(w.placements.end[lo:hi], 0))
        return [
            {
                "worker_id": int(p_worker_ids[i]),
                "vacancy_id": int(p_vacancy_ids[i]),
                "start_date": starts[i - lo],
                "referred_by": int(p_referrer[i]) if p_referrer[i] >= 0 else None,
                "end_date": ends[i - lo] if ended[i] else None,
                "end_reason": END_REASONS[w.placements.reason[i]] if ended[i] else None,
                "recorded_by_org_id": int(p_recorder[i]),
                "training_enrolment_id": int(p_enrolment[i]) if p_enrolment[i] >= 0 else None,
                "created_at": p_created[i],
                "updated_at": p_updated[i],
            }
            for i in range(lo, hi)
        ]

    placement_ids = _bulk(conn, _table(Placement), n_p, placement_rows, progress, "placements", copy=True)

    # ---- rights cases from the ends that call for one, with their event histories ----------------------
    case_rows, histories = build_cases(w, org_ids, worker_ids, placement_ids, get_settings().case_clock_days)
    case_ids = _bulk(conn, _table(RightsCase), len(case_rows), lambda lo, hi: case_rows[lo:hi], progress, "cases")
    event_rows = [
        {"case_id": int(case_id), **event}
        for case_id, events in zip(case_ids, histories, strict=True)
        for event in events
    ]
    _bulk(
        conn,
        _table(CaseEvent),
        len(event_rows),
        lambda lo, hi: event_rows[lo:hi],
        progress,
        "case events",
        with_ids=False,
    )

    # ---- follow-ups ---------------------------------------------------------------------------------------
    n_f = len(w.follow_ups.placement)
    f_placement_ids = placement_ids[w.follow_ups.placement] if n_p else np.zeros(0, np.int64)
    f_recorder = p_recorder[w.follow_ups.placement] if n_p else np.zeros(0, np.int64)
    f_created = _stamp(w.follow_ups.date, rng.integers(60, 600, n_f))

    def follow_up_rows(lo: int, hi: int) -> list[dict[str, Any]]:
        days = to_dates(w.follow_ups.date[lo:hi])
        return [
            {
                "placement_id": int(f_placement_ids[i]),
                "date": days[i - lo],
                "contact": CONTACTS[w.follow_ups.contact[i]],
                "outcome": OUTCOMES[w.follow_ups.outcome[i]],
                "notes": NOTE_TEXTS[w.follow_ups.note[i]] if w.follow_ups.note[i] >= 0 else None,
                "recorded_by_org_id": int(f_recorder[i]),
                "created_at": f_created[i],
                "updated_at": f_created[i],
            }
            for i in range(lo, hi)
        ]

    _bulk(conn, _table(FollowUp), n_f, follow_up_rows, progress, "follow-ups", with_ids=False, copy=True)

    kinds: dict[str, int] = {}
    for kind in w.orgs.kind:
        kinds[kind] = kinds.get(kind, 0) + 1
    return {
        "_org_ids": org_ids,
        "history": {
            "from": to_dates(np.array([w.first_day]))[0].isoformat(),
            "to": to_dates(np.array([w.today]))[0].isoformat(),
        },
        "orgs": len(org_rows),
        "orgs_by_kind": kinds,
        "pairings": pairings,
        "workers": n,
        "vacancies": n_vac,
        "open_vacancies": int(w.vacancies.open.sum()),
        "placements": n_p,
        "active_placements": int((~ended).sum()),
        "follow_ups": n_f,
        "cases": len(case_rows),
        "training_classes": len(class_list),
        "enrolments": len(enrolments),
        "marginals": w.marginals(),
    }


def _rank_within(groups: np.ndarray) -> np.ndarray:
    """0, 1, 2, ... within each group value, in input order."""
    order = np.argsort(groups, kind="stable")
    sorted_groups = groups[order]
    first = np.r_[0, np.flatnonzero(sorted_groups[1:] != sorted_groups[:-1]) + 1]
    counts = np.diff(np.r_[first, len(groups)])
    rank = np.empty(len(groups), dtype=np.int64)
    rank[order] = np.arange(len(groups)) - np.repeat(first, counts)
    return rank


def _busiest(org_index: np.ndarray, allowed: np.ndarray, n_orgs: int) -> int | None:
    counts = np.bincount(org_index, minlength=n_orgs) * allowed
    return int(np.argmax(counts)) if counts.max() > 0 else None


def _issue_demo_keys(conn: Connection, w: World, org_ids: np.ndarray) -> dict[str, dict[str, Any]]:
    """One key per role, for the organisations with the most to show; hashed like any other key."""
    kinds = np.array(w.orgs.kind)
    n_orgs = len(kinds)
    in_guangdong = np.array([r.startswith("44") for r in w.orgs.region])
    placed_by_office = w.workers.owner[w.placements.worker]
    employers = w.vacancies.employer[w.placements.vacancy]
    referrers = w.placements.referrer[w.placements.referrer >= 0]

    def first_of(kind: str) -> int:
        return int(np.flatnonzero(kinds == kind)[0])

    office = _busiest(placed_by_office, kinds == OrgKind.county_office, n_orgs)
    # An eastern employer: the cross-region channel is the one the product exists for.
    employer = _busiest(employers, (kinds == OrgKind.employer) & in_guangdong, n_orgs)
    employer = employer if employer is not None else _busiest(employers, kinds == OrgKind.employer, n_orgs)
    agency = _busiest(referrers, kinds == OrgKind.agency, n_orgs)
    picks = {
        "county_office": (office if office is not None else first_of(OrgKind.county_office), []),
        "county_office_pii": (office if office is not None else first_of(OrgKind.county_office), ["pii:read"]),
        "employer": (employer if employer is not None else first_of(OrgKind.employer), []),
        "agency": (agency if agency is not None else first_of(OrgKind.agency), []),
        "training_school": (first_of(OrgKind.training_school), []),
        "provincial_office": (int(np.flatnonzero((kinds == OrgKind.provincial_office) & ~in_guangdong)[0]), []),
    }
    session = Session(bind=conn)
    try:
        keys = {}
        for role, (index, scopes) in picks.items():
            org_id = int(org_ids[index])
            keys[role] = {
                "org_id": org_id,
                "name": w.orgs.name[index],
                "api_key": orgs_service.issue_key(session, org_id, scopes),
            }
        session.flush()
    finally:
        session.close()
    return keys
