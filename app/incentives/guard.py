"""The ledger's append-only guard, in the database itself: migrations install it; only they remove it.

SQLite: BEFORE UPDATE/DELETE triggers that abort. PostgreSQL: a trigger function that raises on UPDATE, DELETE and
TRUNCATE. The test suite's clean-up removes the guard, deletes and re-installs it in one transaction, the same
DDL path a migration takes; an ordinary UPDATE or DELETE always fails.
"""

from sqlalchemy import Connection, text

TABLE = "incentive_ledger"
REFUSAL = "incentive_ledger is append-only: write a reversing entry instead"

_SQLITE_INSTALL = [
    f"CREATE TRIGGER {TABLE}_no_update BEFORE UPDATE ON {TABLE} BEGIN SELECT RAISE(ABORT, '{REFUSAL}'); END",
    f"CREATE TRIGGER {TABLE}_no_delete BEFORE DELETE ON {TABLE} BEGIN SELECT RAISE(ABORT, '{REFUSAL}'); END",
]
_SQLITE_REMOVE = [f"DROP TRIGGER IF EXISTS {TABLE}_no_update", f"DROP TRIGGER IF EXISTS {TABLE}_no_delete"]
_PG_INSTALL = [
    f"""CREATE OR REPLACE FUNCTION {TABLE}_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN RAISE EXCEPTION '{REFUSAL}' USING ERRCODE = 'insufficient_privilege'; END $$""",
    f"CREATE TRIGGER {TABLE}_no_change BEFORE UPDATE OR DELETE ON {TABLE} "
    f"FOR EACH ROW EXECUTE FUNCTION {TABLE}_refuse()",
    f"CREATE TRIGGER {TABLE}_no_truncate BEFORE TRUNCATE ON {TABLE} "
    f"FOR EACH STATEMENT EXECUTE FUNCTION {TABLE}_refuse()",
]
_PG_REMOVE = [
    f"DROP TRIGGER IF EXISTS {TABLE}_no_truncate ON {TABLE}",
    f"DROP TRIGGER IF EXISTS {TABLE}_no_change ON {TABLE}",
    f"DROP FUNCTION IF EXISTS {TABLE}_refuse()",
]


def _statements(conn: Connection, install: bool) -> list[str]:
    sqlite = conn.dialect.name == "sqlite"
    if install:
        return _SQLITE_INSTALL if sqlite else _PG_INSTALL
    return _SQLITE_REMOVE if sqlite else _PG_REMOVE


def install(conn: Connection) -> None:
    for statement in _statements(conn, install=True):
        conn.execute(text(statement))


def remove(conn: Connection) -> None:
    for statement in _statements(conn, install=False):
        conn.execute(text(statement))
