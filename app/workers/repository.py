"""Every query on workers. `owner` narrows to one county office; None means every office."""

import json
from collections.abc import Mapping, Sequence
from typing import Any

import psycopg
from sqlalchemy import JSON, insert, select
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
    return set(session.scalars(select(Worker.id_hash).where(Worker.id_hash.in_(hashes))))


def bulk_insert(session: Session, rows: list[dict[str, Any]]) -> None:
    """insert_rows() for rows as dicts sharing one set of keys."""
    if rows:
        columns = list(rows[0])
        insert_rows(session, columns, [tuple(row[c] for c in columns) for row in rows], {})


def insert_rows(
    session: Session, columns: Sequence[str], rows: Sequence[Sequence[Any]], common: Mapping[str, Any]
) -> None:
    """Rows (values in `columns` order, plus the `common` values every row shares) by PostgreSQL COPY, else one
    DBAPI executemany: never an ORM object per row, and no per-row Core compilation either."""
    if not rows:
        return
    connection = session.connection()  # the session's own transaction: all-or-none still holds
    table = Worker.__table__
    names = [*columns, *common]
    if connection.dialect.name != "postgresql":
        # The column types' own conversions (JSON text, booleans, UTC datetimes), so the stored values are
        # what a Core insert stores; the shared values are converted once.
        convert = [table.c[name].type.bind_processor(connection.dialect) for name in columns]
        shared = tuple(
            process(value) if (process := table.c[name].type.bind_processor(connection.dialect)) else value
            for name, value in common.items()
        )
        at = [(i, process) for i, process in enumerate(convert) if process is not None]
        params = []
        for row in rows:
            values = list(row)
            for i, process in at:
                values[i] = process(values[i])
            params.append((*values, *shared))
        marks = ", ".join("?" * len(names))
        connection.exec_driver_sql(f"INSERT INTO {table.name} ({', '.join(names)}) VALUES ({marks})", params)
        return
    json_at = [i for i, name in enumerate(columns) if isinstance(table.c[name].type, JSON)]
    tail = list(common.values())
    cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
    statement = f"COPY {table.name} ({', '.join(names)}) FROM STDIN"
    try:
        with cursor.copy(statement) as copy:
            for row in rows:
                values = list(row)
                for i in json_at:
                    values[i] = json.dumps(values[i], ensure_ascii=False)
                copy.write_row(values + tail)
    except psycopg.IntegrityError as exc:  # the driver's own error: give callers the one they handle for inserts
        raise IntegrityError(statement, None, exc) from exc


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
