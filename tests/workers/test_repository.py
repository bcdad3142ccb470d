"""The bulk insert path (COPY on PostgreSQL) reports duplicates like any other insert."""

import pytest
from sqlalchemy import insert
from sqlalchemy.exc import IntegrityError

from app.db import utcnow
from app.pii import vault_for
from app.workers import repository
from app.workers.models import Worker
from app.workers.service import stored_columns
from tests.conftest import TEST_PII_KEY
from tests.factories import id_number


def _row(owner: int, external_id: str, number: str) -> dict:
    values = {
        "external_id": external_id,
        "id_number": number,
        "name": "韦",
        "phone": None,
        "hukou_county": "450225",
        "education": "primary",
        "skills": [],
        "past_jobs": ["普工"],
        "desired_occupations": [],
        "channel_preference": "any",
        "expected_wage": None,
        "registered_low_income": False,
        "monitored_household": False,
        "dependants": 0,
        "consent_to_share": False,
    }
    now = utcnow()
    return {
        **stored_columns(values, vault_for(TEST_PII_KEY)),
        "owner_org_id": owner,
        "version": 1,
        "created_at": now,
        "updated_at": now,
    }


def test_a_duplicate_in_a_bulk_insert_raises_integrity_error(db, tenants):
    owner, number = tenants["county"].org_id, id_number()
    with db.session() as session, session.begin():
        repository.bulk_insert(session, [_row(owner, "A", number)])
    with pytest.raises(IntegrityError), db.session() as session, session.begin():
        repository.bulk_insert(session, [_row(owner, "B", id_number()), _row(owner, "C", number)])
    with db.session() as session:
        assert repository.taken_id_hashes(session, [_row(owner, "x", number)["id_hash"]])
        assert len(repository.external_ids(session, owner)) == 1  # nothing of the failed batch stayed


def test_the_bulk_insert_stores_what_a_core_insert_stores(db, tenants):
    """The import's fast path skips Core's per-row processing: the stored values must not differ for it."""
    owner = tenants["county"].org_id
    core, bulk = _row(owner, "CORE", id_number()), _row(owner, "BULK", id_number())
    shared = {"skills": ["6-05-01-01", "6-25-04-00"], "past_jobs": ["电子厂普工", 'say "hi"\\']}
    core.update(shared, registered_low_income=True)
    bulk.update(shared, registered_low_income=True, created_at=core["created_at"], updated_at=core["updated_at"])
    with db.session() as session, session.begin():
        session.execute(insert(Worker.__table__), [core])
        repository.bulk_insert(session, [bulk])
    compared = [c.name for c in Worker.__table__.columns if c.name not in ("id", "external_id", "id_hash", "sex")]
    compared = [c for c in compared if not c.startswith("id_number")]
    with db.session() as session:
        stored = session.connection().exec_driver_sql(
            f"SELECT external_id, {', '.join(compared)} FROM workers WHERE external_id IN ('CORE', 'BULK')"
        )
        by_id = {row[0]: row[1:] for row in stored}
    assert by_id["BULK"] == by_id["CORE"]
