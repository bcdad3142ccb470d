"""The bulk insert path (COPY on PostgreSQL) reports duplicates like any other insert."""

import pytest
from sqlalchemy.exc import IntegrityError

from app.db import utcnow
from app.pii import vault_for
from app.workers import repository
from app.workers.service import stored_columns
from tests.conftest import TEST_PII_KEY, id_number


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
