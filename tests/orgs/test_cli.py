"""The command-line contract: `laborbridge db upgrade`, `org create`, `org revoke-key`."""

import json
import os
import subprocess
import sys
import time

import pytest

from tests.conftest import TEST_PII_KEY


def _cli(database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "LB_DATABASE_URL": database_url, "LB_PII_KEY": TEST_PII_KEY}
    return subprocess.run(
        [sys.executable, "-m", "app.cli", *args], env=env, capture_output=True, text=True, timeout=120
    )


def test_db_upgrade_on_a_fresh_sqlite_file_loads_reference_data(tmp_path):
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    assert _cli(url, "db", "upgrade").returncode == 0
    import sqlite3

    conn = sqlite3.connect(tmp_path / "fresh.db")
    assert conn.execute("select count(*) from divisions where level='county'").fetchone()[0] == 233
    assert conn.execute("select name from occupations where code='4-03-02-05'").fetchone() is not None
    assert _cli(url, "db", "upgrade").returncode == 0  # idempotent


def test_org_create_prints_one_json_line_and_the_key_works(client, database_url, db):
    out = _cli(database_url, "org", "create", "--kind", "county_office", "--region", "450225", "--name", "融水县")
    assert out.returncode == 0, out.stderr
    lines = out.stdout.strip().splitlines()
    assert len(lines) == 1
    created = json.loads(lines[0])
    assert set(created) == {"org_id", "api_key"}
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {created['api_key']}"})
    assert me.status_code == 200 and me.json() == {
        "org_id": created["org_id"],
        "name": "融水县",
        "kind": "county_office",
        "region_code": "450225",
        "scopes": [],
    }


def test_keys_are_stored_hashed_and_revocable(client, database_url, db):
    created = json.loads(
        _cli(
            database_url,
            "org",
            "create",
            "--kind",
            "provincial_office",
            "--region",
            "450000",
            "--name",
            "广西协作办",
            "--scope",
            "pii:read",
        ).stdout
    )
    headers = {"Authorization": f"Bearer {created['api_key']}"}
    assert client.get("/api/v1/me", headers=headers).json()["scopes"] == ["pii:read"]
    with db.session() as session:
        from sqlalchemy import text

        stored = " ".join(str(v) for row in session.execute(text("select * from api_keys")) for v in row)
    assert created["api_key"] not in stored
    revoked = _cli(database_url, "org", "revoke-key", "--key", created["api_key"])
    assert revoked.returncode == 0 and json.loads(revoked.stdout) == {"revoked": 1}
    assert client.get("/api/v1/me", headers=headers).status_code == 401


def test_org_create_refuses_bad_input(database_url, db):
    bad_kind = _cli(database_url, "org", "create", "--kind", "bank", "--region", "450225", "--name", "x")
    bad_region = _cli(database_url, "org", "create", "--kind", "employer", "--region", "999999", "--name", "x")
    assert bad_kind.returncode == 2 and "kind" in bad_kind.stderr
    assert bad_region.returncode == 2 and "999999" in bad_region.stderr


def test_a_cached_key_stops_working_once_its_cache_entry_expires(client, app, database_url, db):
    created = json.loads(
        _cli(database_url, "org", "create", "--kind", "employer", "--region", "441900", "--name", "厂").stdout
    )
    headers = {"Authorization": f"Bearer {created['api_key']}"}
    cache = app.state.principal_cache
    now = [1000.0]
    cache.ttl, cache.clock = 5.0, lambda: now[0]
    try:
        assert client.get("/api/v1/me", headers=headers).status_code == 200  # now cached
        assert _cli(database_url, "org", "revoke-key", "--key", created["api_key"]).returncode == 0
        assert client.get("/api/v1/me", headers=headers).status_code == 200  # within the TTL
        now[0] += 5.1
        assert client.get("/api/v1/me", headers=headers).status_code == 401
    finally:
        cache.ttl, cache.clock = 0, time.monotonic


@pytest.mark.parametrize(("kind", "region", "placements"), [("station", "441900", 200), ("broker", "450225", 403)])
def test_org_create_takes_the_new_kinds(client, database_url, db, kind, region, placements):
    """A labour-cooperation station and a broker get keys; a station reads its region's placements, a broker not."""
    out = _cli(database_url, "org", "create", "--kind", kind, "--region", region, "--name", f"{kind} {region}")
    assert out.returncode == 0, out.stderr
    headers = {"Authorization": f"Bearer {json.loads(out.stdout)['api_key']}"}
    me = client.get("/api/v1/me", headers=headers)
    assert me.status_code == 200 and me.json()["kind"] == kind
    assert client.get("/api/v1/placements", headers=headers).status_code == placements
