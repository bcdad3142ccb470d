"""Every migration goes down as well as up: head → base → head on a database of its own, on SQLite and PostgreSQL."""

from pathlib import Path

from alembic import command
from sqlalchemy import create_engine, inspect, make_url, text

from app.cli import _alembic_config, upgrade_database
from app.db import Base


def _scratch_database(database_url: str, tmp_path: Path) -> str:
    """An empty database beside the suite's: a SQLite file, or a new database on the suite's PostgreSQL server."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        return f"sqlite:///{tmp_path / 'roundtrip.db'}"
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text('DROP DATABASE IF EXISTS "laborbridge_roundtrip"'))
        conn.execute(text('CREATE DATABASE "laborbridge_roundtrip"'))
    admin.dispose()
    return url.set(database="laborbridge_roundtrip").render_as_string(hide_password=False)


def _tables(url: str) -> set[str]:
    engine = create_engine(url)
    try:
        return set(inspect(engine).get_table_names()) - {"alembic_version"}
    finally:
        engine.dispose()


def test_upgrade_downgrade_upgrade_round_trip(database_url, tmp_path):
    url = _scratch_database(database_url, tmp_path)
    upgrade_database(url)
    assert _tables(url) == set(Base.metadata.tables)
    command.downgrade(_alembic_config(url), "base")
    assert _tables(url) == set()
    upgrade_database(url)
    assert _tables(url) == set(Base.metadata.tables)
