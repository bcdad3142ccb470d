"""Settings: safe defaults, and the embedded database follows the data directory."""

import pytest
from pydantic import ValidationError

from app.config import Settings


def test_the_default_sqlite_file_lives_in_the_data_dir(tmp_path, monkeypatch):
    monkeypatch.delenv("LB_DATABASE_URL", raising=False)
    assert Settings(data_dir=tmp_path).database_url == f"sqlite:///{tmp_path / 'laborbridge.db'}"


def test_production_refuses_the_development_pii_key(monkeypatch):
    monkeypatch.delenv("LB_PII_KEY", raising=False)
    with pytest.raises(ValidationError, match="LB_PII_KEY"):
        Settings(environment="production")
    assert Settings(environment="production", pii_key="x" * 40).pii_key == "x" * 40
