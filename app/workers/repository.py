"""Every query on workers. `owner` narrows to one county office; None means every office."""

import json
from collections.abc import Callable, Mapping, Sequence
from json.encoder import encode_basestring, encode_basestring_ascii  # type: ignore[attr-defined]
from typing import Any

import psycopg
from sqlalchemy import JSON, String, any_, bindparam, func, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.workers.models import Worker


def get(
    session: Session, worker_id: int, owner: int | None, *, for_update: bool = False, consented_only: bool = False
) -> Worker | None:
    stmt = select(Worker).where(Worker.id == worker_id)
    if owner is not None:
        stmt = stmt.where(Worker.owner_org_id == owner)
    if consented_only:
        stmt = stmt.where(Worker.consent_to_share.is_(True))
    if for_update:
        stmt = stmt.with_for_update()
    return session.scalars(stmt).first()


def add(session: Session, worker: Worker) -> Worker:
    session.add(worker)
    session.flush()
    return worker


def id_hash_taken(session: Session, id_hash: str, except_id: int | None = None) -> bool:
    stmt = select(Worker.id).where(Worker.id_hash == id_hash)
    if except_id is not None:
        stmt = stmt.where(Worker.id != except_id)
    return session.scalars(stmt).first() is not None


def external_id_taken(session: Session, owner: int, external_id: str) -> bool:
    stmt = select(Worker.id).where(Worker.owner_org_id == owner, Worker.external_id == external_id)
    return session.scalars(stmt).first() is not None


def taken_id_hashes(session: Session, hashes: Sequence[str]) -> set[str]:
    """Which of an import batch's hashes are registered: one array (PostgreSQL) or JSON (SQLite) parameter
    instead of an IN list of thousands, whose binding cost more than the lookups."""
    if session.get_bind().dialect.name == "postgresql":
        wanted = Worker.id_hash == any_(bindparam("hashes", list(hashes), type_=ARRAY(String)))
    else:
        given = func.json_each(bindparam("hashes", json.dumps(list(hashes)))).table_valued("value")
        wanted = Worker.id_hash.in_(select(given.c.value))
    return set(session.scalars(select(Worker.id_hash).where(wanted)))


def bulk_insert(session: Session, rows: list[dict[str, Any]]) -> None:
    """insert_columns() for rows as dicts sharing one set of keys."""
    if rows:
        insert_columns(session, {name: [row[name] for row in rows] for name in rows[0]}, {})


def _json_text(*, ascii_only: bool) -> Callable[[Any], str]:
    """json.dumps (the engines' JSON serializer), with a shortcut for the lists of strings an import writes."""
    encode = encode_basestring_ascii if ascii_only else encode_basestring

    def dumps(value: Any) -> str:
        if type(value) is list and all(type(item) is str for item in value):
            return "[" + ", ".join(map(encode, value)) + "]"
        return json.dumps(value, ensure_ascii=ascii_only)

    return dumps


def insert_columns(session: Session, columns: Mapping[str, list[Any]], common: Mapping[str, Any]) -> None:
    """Rows given as one list per column, plus `common` values every row shares: PostgreSQL COPY, else one DBAPI
    executemany. No ORM object and no Core parameter processing per row: an import writes 100,000 of them."""
    count = len(next(iter(columns.values()), []))
    if not count:
        return
    connection = session.connection()  # the session's own transaction: all-or-none still holds
    dialect = connection.dialect
    table = Worker.__table__
    names = [*columns, *common]
    if dialect.name == "postgresql":
        as_json = _json_text(ascii_only=False)
        lists = [
            list(map(as_json, column)) if isinstance(table.c[name].type, JSON) else column
            for name, column in columns.items()
        ]
        shared = [[value] * count for value in common.values()]
        cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
        statement = f"COPY {Worker.__tablename__} ({', '.join(names)}) FROM STDIN"
        try:
            with cursor.copy(statement) as copy:
                for row in zip(*lists, *shared, strict=True):
                    copy.write_row(row)
        except psycopg.IntegrityError as exc:  # the driver's own error: callers handle the one inserts raise
            raise IntegrityError(statement, None, exc) from exc
        return

    def converted(name: str, values: Any) -> Any:
        """The column type's own conversion (JSON text, booleans as 0/1, UTC datetimes): what Core stores."""
        if isinstance(table.c[name].type, JSON):
            return list(map(_json_text(ascii_only=True), values))
        process = table.c[name].type.dialect_impl(dialect).bind_processor(dialect)
        return values if process is None else list(map(process, values))

    lists = [converted(name, column) for name, column in columns.items()]
    shared = [converted(name, [value]) * count for name, value in common.items()]
    marks = ", ".join("?" * len(names))
    params = list(zip(*lists, *shared, strict=True))
    connection.exec_driver_sql(f"INSERT INTO {Worker.__tablename__} ({', '.join(names)}) VALUES ({marks})", params)


def page(session: Session, owner: int | None, after_id: int, limit: int, filters: dict[str, Any]) -> list[Worker]:
    stmt = select(Worker).where(Worker.id > after_id)
    if owner is not None:
        stmt = stmt.where(Worker.owner_org_id == owner)
    for column, value in filters.items():
        if value is not None:
            stmt = stmt.where(getattr(Worker, column) == value)
    return list(session.scalars(stmt.order_by(Worker.id).limit(limit)))


def external_ids(session: Session, owner: int) -> set[str]:
    """All of an office's external ids in one indexed read; per-batch IN queries turn quadratic during an import."""
    return set(session.scalars(select(Worker.external_id).where(Worker.owner_org_id == owner)))
