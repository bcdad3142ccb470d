"""The Monday run: every scope's report for a week, written as files and kept for the API, one run at a time."""

import fcntl
from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from app.reports import cache, repository
from app.reports.schemas import IsoWeek, Scope
from app.reports.scope import Reference
from app.reports.service import build_report

# --- the Monday run -----------------------------------------------------------------------------------------


def all_scopes(session: Session, ref: Reference) -> list[Scope]:
    """The province, each county office's region, each employer, each pairing."""
    scopes = [Scope("province")]
    scopes += [Scope("county", code=c) for c in repository.county_office_regions(session)]
    scopes += [Scope("employer", org_id=i) for i in repository.employer_ids(session)]
    scopes += [Scope("pairing", pairing_id=p.id, west_code=p.west_code, east_code=p.east_code) for p in ref.pairings]
    return scopes


def write_if_changed(path: Path, data: bytes) -> None:
    """Replace a report file only when its bytes differ, atomically: readers never see half a file."""
    if not path.exists() or path.read_bytes() != data:
        tmp = path.with_suffix(path.suffix + ".tmp")
        tmp.write_bytes(data)
        tmp.replace(path)


RUN_LOCK_KEY = 0x4C42_5745  # "LBWE": PostgreSQL's advisory lock of the Monday run


@contextmanager
def exclusive_run(engine: Engine, lock_file: Path) -> Iterator[None]:
    """One Monday run at a time: a second waits for the first, then keeps its snapshot and rewrites the same files.

    A file lock in the data directory covers one host (and SQLite); on PostgreSQL an advisory lock covers
    hosts sharing the database.
    """
    lock_file.parent.mkdir(parents=True, exist_ok=True)
    with lock_file.open("w") as handle, ExitStack() as stack:
        fcntl.flock(handle, fcntl.LOCK_EX)
        stack.callback(fcntl.flock, handle, fcntl.LOCK_UN)
        if engine.dialect.name == "postgresql":
            conn = stack.enter_context(engine.connect().execution_options(isolation_level="AUTOCOMMIT"))
            conn.execute(text("SELECT pg_advisory_lock(:key)"), {"key": RUN_LOCK_KEY})
            stack.callback(conn.execute, text("SELECT pg_advisory_unlock(:key)"), {"key": RUN_LOCK_KEY})
        yield


def run_weekly(
    session_factory: Callable[[], Session],
    week: IsoWeek,
    output_dir: Path,
    formats: Iterable[str],
    before: Callable[[], None] | None = None,
    writer: Callable[[], Session] | None = None,
) -> list[Path]:
    """Write every scope's report for `week` into output_dir/<week>/; the same data gives the same bytes.

    `before` runs first: the departure scoring batch, so the at-risk section reads fresh scores. With a
    `writer`, the builds are kept in the report cache too.
    """
    from app.reports.render import render

    if before is not None:
        before()
    folder = output_dir / str(week)
    folder.mkdir(parents=True, exist_ok=True)
    written, built = [], []
    with session_factory() as session:
        seen = cache.mark(session)
        ref = Reference.load(session, week.sunday)
        for scope in all_scopes(session, ref):
            report = build_report(session, scope, week, ref)
            built.append(cache.Built(scope.slug, str(week), seen, report))
            for fmt in formats:
                path = folder / f"{scope.slug}.{fmt}"
                write_if_changed(path, render(report, fmt))
                written.append(path)
    if writer is not None:  # the API serves these builds until a fact of the week changes
        with writer() as session, session.begin():
            cache.store(session, built)
            cache.prune(session)
    return written
