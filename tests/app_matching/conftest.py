"""A small seeded history trained once per session: the artefact rows, and a sample of its workers and board."""

from pathlib import Path

import pytest
from sqlalchemy import delete, insert, select

from app.artefacts import service as artefacts
from app.artefacts.models import ModelArtefact
from app.matching import repository, training
from app.reference import repository as reference_repo
from app.seed.generator import SeedConfig, seed_database
from tests.conftest import MUTABLE_TABLES


@pytest.fixture(scope="session")
def seeded(db, settings, tmp_path_factory) -> dict:
    """Seed a small history, run the real training once, keep the artefact rows and plain frames of its workers
    (skills with past-job evidence) and open vacancies, and leave the database empty."""
    keys = Path(tmp_path_factory.mktemp("keys")) / "k.json"
    seed_database(
        settings.database_url, settings.pii_key, SeedConfig(workers=800, vacancies=150, years=3, seed=3), keys
    )
    with db.session() as s, s.begin():
        summary = training.train(s, holdout_days=365)
        rows = [
            {c: getattr(a, c) for c in ("kind", "version", "active", "payload", "details", "inactive_reason")}
            for a in s.scalars(select(ModelArtefact))
        ]
        normaliser = artefacts.load_active(s, "occupations")
        _, workers, _ = training.history(s, normaliser.estimator if normaliser else None)
        board = repository.open_vacancies(s)
        pairs = frozenset(reference_repo.pairing_codes(s))
    with db.session() as s, s.begin():
        for table in MUTABLE_TABLES:
            s.execute(delete(table))
    assert summary["ranker"]["active"] and summary["ranker"]["metrics"]["n"] > 0
    workers = workers.drop(columns=["name", "id_number_enc", "id_number_masked", "phone_masked"], errors="ignore")
    return {"rows": rows, "summary": summary, "workers": workers, "board": board, "pairs": pairs}


@pytest.fixture(scope="session")
def trained_rows(seeded) -> list[dict]:
    return seeded["rows"]


@pytest.fixture(scope="session")
def seeded_ranker(seeded):
    """The ranker the real training fitted on the seeded history, loaded as the API loads it."""
    row = next(r for r in seeded["rows"] if r["kind"] == "ranker" and r["active"])
    return artefacts.loads(row["payload"])


@pytest.fixture
def trained(app, db, trained_rows):
    with db.session() as s, s.begin():
        s.execute(insert(ModelArtefact), trained_rows)
    app.state.matcher.forget()
    yield
    app.state.matcher.forget()


@pytest.fixture
def untrained(app):
    app.state.matcher.forget()
    yield
    app.state.matcher.forget()
