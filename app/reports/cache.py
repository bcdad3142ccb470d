"""Built weekly reports kept per scope and week, valid until a fact dated up to that week's Sunday changes.

Every flush that writes a fact the report reads appends one `FactChange` with the earliest day it touched
(`FACTS` says which rows and columns count, and on which days). A build records a mark of the facts it could
see; a cached report is served while no change it could not see touched a day up to its Sunday. A change dated
after the Sunday (today's placements, today's case events) leaves every finished week's report valid.

Writes that bypass the ORM (the demo generator's COPY) record their change themselves with `record`.
"""

import hashlib
import json
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, delete, event, exists, func, insert, literal_column, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import ORMExecuteState, Session, attributes, object_mapper

from app.clock import CST, today
from app.config import get_settings
from app.db import Base, utcnow
from app.departure.models import FlagReview, PlacementRisk
from app.orgs.models import Org
from app.pairings.models import PairingVersion
from app.placements.models import FollowUp, Placement
from app.reference.models import Division, Pairing
from app.reports.models import CachedReport, FactChange, RiskSnapshot
from app.reports.schemas import IsoWeek, Scope
from app.rights.models import CalendarDay, CaseEvent, RightsCase
from app.training.models import Enrolment, TrainingClass, TrainingDemand
from app.vacancies.models import Vacancy
from app.workers.models import Worker

EVERY_WEEK = date.min  # a change with no day of its own (a renamed employer) reaches every week
KEEP_DAYS = 190  # run-weekly drops cached reports built longer ago, and the log older than every kept build


@dataclass(frozen=True)
class Fact:
    """How rows of one model reach reports: the days they count on, and which of their columns a report reads."""

    days: tuple[str, ...] = ()  # date or datetime attributes; none: a change reaches every week
    reads: frozenset[str] | None = None  # None: every column
    inserts: bool = True  # False: a new row alone changes no report (a worker with no placement yet)
    lag_days: int = 0  # a score written on day D still counts for the week that ended a week before D


FACTS: dict[type[Base], Fact] = {
    Placement: Fact(days=("start_date", "end_date")),
    FollowUp: Fact(days=("date",)),
    FlagReview: Fact(days=("created_at",)),
    PlacementRisk: Fact(days=("scored_at",), lag_days=8),
    RiskSnapshot: Fact(days=("scored_at",), lag_days=8),
    CaseEvent: Fact(days=("at",)),
    RightsCase: Fact(
        days=("opened_on",),
        reads=frozenset(
            {
                "kind",
                "placement_id",
                "employer_id",
                "home_county",
                "jurisdiction_county",
                "opened_on",
                "amount_claimed_fen",
            }
        ),  # fmt: skip
    ),
    CalendarDay: Fact(days=("day",)),
    # An enrolment counts from the day it was made: its completion, drop and graduates' placements come later.
    Enrolment: Fact(days=("created_at",)),
    TrainingClass: Fact(days=("start_date", "end_date"), inserts=False),  # with no enrolment it counts nowhere
    TrainingDemand: Fact(reads=frozenset({"hire_commitment", "vacancy_id", "employer_org_id"}), inserts=False),
    PairingVersion: Fact(days=("effective_from", "start_date", "end_date")),
    Pairing: Fact(inserts=False),
    Worker: Fact(reads=frozenset({"hukou_county"}), inserts=False),
    Vacancy: Fact(reads=frozenset({"county_code", "employer_org_id", "title", "occupation_code"}), inserts=False),
    Org: Fact(reads=frozenset({"name", "kind", "region_code"}), inserts=False),
    Division: Fact(reads=frozenset({"name"}), inserts=False),
}

_BY_TABLE: dict[str | None, Fact] = {str(model.__tablename__): fact for model, fact in FACTS.items()}


def _as_day(value: Any) -> date | None:
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(CST).date()
    return value if isinstance(value, date) else None


def _days(obj: Any, fact: Fact, with_old: bool) -> list[date]:
    """The days a row counts on, now and (for an edit or a deletion) before."""
    if not fact.days:
        return [EVERY_WEEK]
    out = []
    for name in fact.days:
        values = [getattr(obj, name, None)]
        if with_old:
            values += list(attributes.get_history(obj, name).deleted or ())
        out += [d - timedelta(days=fact.lag_days) for d in map(_as_day, values) if d is not None]
    if not out and not with_old:
        # A new row whose days its column defaults fill in at INSERT (a case event's `at`): they are now.
        out = [today() - timedelta(days=fact.lag_days)]
    return out


def _changed(obj: Any, fact: Fact) -> bool:
    """Whether an edit touched a column a report reads."""
    names = fact.reads if fact.reads is not None else {a.key for a in object_mapper(obj).column_attrs}
    return any(attributes.get_history(obj, name).has_changes() for name in names)


def _txid(session: Session) -> Any:
    """On PostgreSQL the writing transaction's id, rendered into the INSERT; SQLite's one writer needs none."""
    if session.get_bind().dialect.name == "postgresql":
        return literal_column("pg_current_xact_id()::text::bigint")
    return None


def _before_flush(session: Session, _context: Any, _instances: Any) -> None:
    days: list[date] = []
    for obj in session.new:
        fact = FACTS.get(type(obj))
        if fact is not None and fact.inserts:
            days += _days(obj, fact, with_old=False)
    for obj in session.dirty:
        fact = FACTS.get(type(obj))
        if fact is not None and session.is_modified(obj) and _changed(obj, fact):
            days += _days(obj, fact, with_old=True)
    for obj in session.deleted:
        fact = FACTS.get(type(obj))
        if fact is not None:
            days += _days(obj, fact, with_old=True)
    if days:
        session.add(FactChange(fact_day=min(days), txid=_txid(session)))


def _bulk_days(state: ORMExecuteState, fact: Fact, table: Any) -> list[date]:
    """The days a bulk statement touches: from an INSERT's rows, or the rows an UPDATE or DELETE matches."""
    if not fact.days:
        return [EVERY_WEEK]
    if state.is_insert:
        params = state.parameters
        rows: list[Any] = list(params) if isinstance(params, list) else [params] if params else []
        if not rows or any(not any(name in row for name in fact.days) for row in rows):
            return [EVERY_WEEK]  # days set by defaults or in the statement: assume the earliest
        values = [row.get(name) for row in rows for name in fact.days]
    else:
        updated = getattr(state.statement, "_values", None) or {}
        if any(getattr(key, "key", key) in fact.days for key in updated):
            return [EVERY_WEEK]  # the new days are SQL, not values
        query = select(*(func.min(table.c[name]) for name in fact.days)).select_from(table)
        where = getattr(state.statement, "whereclause", None)
        if where is not None:
            query = query.where(where)
        values = list(state.session.execute(query).one())
    return [d - timedelta(days=fact.lag_days) for d in map(_as_day, values) if d is not None]


def _on_execute(state: ORMExecuteState) -> None:
    """Bulk INSERT, UPDATE and DELETE statements (ORM or Core through a session) log their change too."""
    if not (state.is_insert or state.is_update or state.is_delete):
        return
    table = getattr(state.statement, "table", None)  # an ORM entity's statement or a Core table's
    fact = _BY_TABLE.get(getattr(table, "name", None))
    if fact is None or (state.is_insert and not fact.inserts):
        return
    if state.is_update and fact.reads is not None:
        updated = getattr(state.statement, "_values", None) or {}
        if not any(getattr(key, "key", key) in fact.reads for key in updated):
            return  # an update of columns no report reads
    days = _bulk_days(state, fact, table)
    if days:
        state.session.add(FactChange(fact_day=min(days), txid=_txid(state.session)))


event.listen(Session, "before_flush", _before_flush)
event.listen(Session, "do_orm_execute", _on_execute)


def record(conn: Connection, day: date = EVERY_WEEK) -> None:
    """A change written outside the ORM (COPY, Core inserts): every week from `day` on is rebuilt."""
    txid: Any = literal_column("pg_current_xact_id()::text::bigint") if conn.dialect.name == "postgresql" else None
    conn.execute(insert(FactChange).values(fact_day=day, txid=txid, at=utcnow()))


# --- marks and validity -------------------------------------------------------------------------------------


def mark(session: Session) -> str:
    """What the facts read next in this transaction can see: SQLite's latest change, PostgreSQL's snapshot."""
    if session.get_bind().dialect.name == "postgresql":
        return str(session.scalar(text("SELECT pg_current_snapshot()::text")))
    return str(session.scalar(select(func.coalesce(func.max(FactChange.id), 0))))


def changed_since(session: Session, built_mark: str, sunday: date) -> bool:
    """Whether a change the build could not see touched a day up to `sunday`."""
    dated = FactChange.fact_day <= sunday
    if session.get_bind().dialect.name == "postgresql":
        # Changes by transactions the build's snapshot did not see (running then, or begun later).
        unseen = text(
            "report_fact_changes.txid >= CAST(CAST(pg_snapshot_xmin(CAST(:snap AS pg_snapshot)) AS text) AS bigint) "
            "AND NOT pg_visible_in_snapshot(CAST(CAST(report_fact_changes.txid AS text) AS xid8), "
            "CAST(:snap AS pg_snapshot))"
        ).bindparams(snap=built_mark)
        return bool(session.scalar(select(exists().where(dated, unseen))))
    return bool(session.scalar(select(exists().where(dated, FactChange.id > int(built_mark)))))


@cache
def variant() -> str:
    """The code and the settings a report depends on: a deployment that changes either rebuilds every report."""
    digest = hashlib.sha256()
    root = Path(__file__).resolve().parents[2]
    for path in sorted([*root.joinpath("app").rglob("*.py"), *root.joinpath("matching").rglob("*.py")]):
        digest.update(path.relative_to(root).as_posix().encode())
        digest.update(path.read_bytes())
    settings = get_settings()
    relevant = {"case_clock_days": settings.case_clock_days}
    digest.update(json.dumps(relevant, sort_keys=True).encode())
    return digest.hexdigest()[:16]


@dataclass
class Built:
    """A report just built, with the mark of what it read: what `store` keeps."""

    scope: str
    week: str
    mark: str
    report: dict[str, Any]


def lookup(session: Session, scope: Scope, week: IsoWeek) -> dict[str, Any] | None:
    """The cached report, if one was built by this code and no fact it read has changed since."""
    row = session.execute(
        select(CachedReport.variant, CachedReport.mark, CachedReport.body).where(
            CachedReport.scope == scope.slug, CachedReport.week == str(week)
        )
    ).first()
    if row is None or row.variant != variant() or changed_since(session, row.mark, week.sunday):
        return None
    report: dict[str, Any] = json.loads(zlib.decompress(row.body))
    return report


def _upsert(session: Session, rows: list[dict[str, Any]]) -> None:
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    stmt = dialect.insert(CachedReport)
    stmt = stmt.on_conflict_do_update(
        index_elements=["scope", "week"],
        set_={c: stmt.excluded[c] for c in ("variant", "mark", "body", "built_at")},
    )
    session.execute(stmt, rows)


def store(session: Session, built: Iterable[Built]) -> int:
    """Keep built reports (replacing older builds of the same scope and week); the caller commits."""
    rows = [
        {
            "scope": b.scope,
            "week": b.week,
            "variant": variant(),
            "mark": b.mark,
            "body": zlib.compress(json.dumps(b.report, ensure_ascii=False, separators=(",", ":")).encode(), 6),
            "built_at": utcnow(),
        }
        for b in built
    ]
    if rows:
        _upsert(session, rows)
    return len(rows)


def prune(session: Session, now: datetime | None = None) -> dict[str, int]:
    """Drop builds older than KEEP_DAYS, and the changes older than every kept build (by a day's margin)."""
    cutoff = (now or utcnow()) - timedelta(days=KEEP_DAYS)
    reports = session.execute(delete(CachedReport).where(CachedReport.built_at < cutoff)).rowcount  # type: ignore[attr-defined]
    oldest = session.scalar(select(func.min(CachedReport.built_at))) or (now or utcnow())
    # The newest change stays: SQLite hands a deleted top id out again, and a build's mark is an id.
    newest = select(func.max(FactChange.id)).scalar_subquery()
    stale = delete(FactChange).where(FactChange.at < oldest - timedelta(days=1), FactChange.id < newest)
    changes = session.execute(stale).rowcount  # type: ignore[attr-defined]
    return {"reports": int(reports or 0), "changes": int(changes or 0)}
