"""Declarative base, engines and the one-unit-of-work-per-request session."""

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import DateTime, Dialect, Engine, MetaData, TypeDecorator, create_engine, event
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


class UtcDateTime(TypeDecorator[datetime]):
    """Timezone-aware on every backend: SQLite keeps no offset, so values are stored and read as UTC."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return value.astimezone(UTC) if value is not None and value.tzinfo else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Timestamped:
    """created_at / updated_at, timezone-aware, on every mutable table."""

    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)


def make_engine(url: str, echo: bool = False) -> Engine:
    """An engine; on SQLite, WAL plus explicit BEGINs so writers can take the lock up front."""
    if not url.startswith("sqlite"):
        # prepare_threshold=None: a server-side prepared `IN (...)` gets a generic plan that degrades badly
        # on bulk imports (seen: 100k rows took 72 s instead of 12 s).
        return create_engine(
            url,
            echo=echo,
            pool_size=20,
            max_overflow=20,
            pool_pre_ping=True,
            connect_args={"prepare_threshold": None},
        )
    path = url.split("///", 1)[-1]
    if path and path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(
        url,
        echo=echo,
        connect_args={"timeout": 30, "check_same_thread": False},
        # As many kept connections as request threads (anyio's 40): an overflow connection is opened and
        # closed per request, and its PRAGMAs showed up as tail latency under load.
        pool_size=40,
        max_overflow=10,
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # let SQLAlchemy (below) issue BEGIN itself
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # Writers BEGIN IMMEDIATE: they queue for the write lock instead of failing on upgrade.
        mode = conn.get_execution_options().get("sqlite_begin", "DEFERRED")
        conn.exec_driver_sql(f"BEGIN {mode}")

    return engine


class Database:
    """One engine shared by readers and writers; writers get an IMMEDIATE begin on SQLite."""

    def __init__(self, url: str, echo: bool = False) -> None:
        # Every mapper, and the session listeners that log fact changes for the report cache, exist before
        # any session of this process writes (a CLI command imports only what it needs).
        import app.models  # noqa: F401

        self.url = url
        self.engine = make_engine(url, echo)
        self.is_sqlite = url.startswith("sqlite")
        self._read = sessionmaker(bind=self.engine, expire_on_commit=False)
        writer = self.engine.execution_options(sqlite_begin="IMMEDIATE") if self.is_sqlite else self.engine
        self._write = sessionmaker(bind=writer, expire_on_commit=False)

    def session(self, write: bool = True) -> Session:
        return (self._write if write else self._read)()

    def dispose(self) -> None:
        self.engine.dispose()
