"""Fresh benchmark databases, shared by `python -m bench` and the benches it runs (no import of `bench.__main__`)."""

from pathlib import Path

from app.cli import upgrade_database


def migrated_sqlite(workdir: Path, name: str) -> str:
    url = f"sqlite:///{workdir / name}"
    upgrade_database(url)
    return url
