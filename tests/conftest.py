"""Fixtures: a real database (SQLite or a throwaway PostgreSQL) built by `alembic upgrade head`, the app, keys."""

import os
import threading
import time
from collections.abc import Callable, Iterator

import pytest
import uvicorn
from fastapi.testclient import TestClient
from sqlalchemy import delete
from sqlalchemy.orm import Session

from app.cli import upgrade_database
from app.config import Settings
from app.db import Base, Database
from app.incentives import guard as incentives
from app.main import create_app
from app.models import __all__ as ALL_MODELS  # registers every table on Base.metadata
from app.orgs import service as orgs
from tests.factories import Tenant
from tests.support.pgcluster import free_port, start_cluster

TEST_PII_KEY = "test-pii-key-0123456789abcdef0123456789"
# Rows the tests create, children first; reference data (divisions, occupations) stays.
REFERENCE_TABLES = {"divisions", "occupations"}
assert ALL_MODELS
MUTABLE_TABLES = tuple(t for t in reversed(Base.metadata.sorted_tables) if t.name not in REFERENCE_TABLES)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--db",
        default=os.environ.get("LB_TEST_DB", "sqlite"),
        choices=["sqlite", "postgresql"],
        help="database backend for the whole run",
    )


@pytest.fixture(scope="session")
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.config.getoption("--db"))


@pytest.fixture(scope="session")
def database_url(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if backend == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
        upgrade_database(url)
        yield url
        return
    try:
        cluster = start_cluster()
    except FileNotFoundError as exc:
        reason = f"PostgreSQL tests need the server binaries: {exc} (apt-get install postgresql-15)"
        if os.environ.get("CI"):  # CI must prove PostgreSQL works, not skip it
            pytest.fail(reason)
        pytest.skip(reason)
    try:
        url = cluster.create_database("laborbridge_test")
        upgrade_database(url)
        yield url
    finally:
        cluster.stop()


@pytest.fixture(scope="session")
def settings(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    # No key cache in tests: revocation must show at once (the cache has its own test). The suite sends
    # hundreds of wrong keys from one address on purpose: the throttle is raised out of its way (and has its tests).
    return Settings(
        database_url=database_url,
        pii_key=TEST_PII_KEY,
        data_dir=tmp_path_factory.mktemp("var"),
        auth_cache_seconds=0,
        auth_fail_limit=1_000_000,
    )


@pytest.fixture(scope="session")
def db(settings: Settings) -> Iterator[Database]:
    database = Database(settings.database_url)
    yield database
    database.dispose()


@pytest.fixture(autouse=True)
def _clean_tables(request: pytest.FixtureRequest) -> Iterator[None]:
    """Each test starts from reference data only (tests that never touch the database pay nothing)."""
    yield
    if "db" not in request.fixturenames:
        return
    database: Database = request.getfixturevalue("db")
    with database.session() as session, session.begin():
        # The incentive ledger refuses DELETE: its guard is lifted and put back by the migrations' own DDL path.
        incentives.remove(session.connection())
        for table in MUTABLE_TABLES:
            session.execute(delete(table))
        incentives.install(session.connection())


@pytest.fixture
def session(db: Database) -> Iterator[Session]:
    """A write session committed at the end, for service-level tests."""
    with db.session() as s, s.begin():
        yield s


@pytest.fixture(scope="session")
def app(settings: Settings, db: Database):  # type: ignore[no-untyped-def]
    return create_app(settings, db)


@pytest.fixture
def client(app, db: Database) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture
def make_tenant(db: Database) -> Callable[..., Tenant]:
    def make(kind: str, region: str, name: str | None = None, scopes: list[str] | None = None) -> Tenant:
        with db.session() as session, session.begin():
            org, key = orgs.create_org(session, kind, region, name or f"{kind} {region}", scopes or [])
            return Tenant(org.id, key, kind, region)

    return make


@pytest.fixture
def tenants(make_tenant: Callable[..., Tenant]) -> dict[str, Tenant]:
    """One of each role, plus a second county office and employer to test the walls."""
    return {
        "county": make_tenant("county_office", "450225", "融水县就业服务中心"),
        "county_pii": make_tenant("county_office", "450225", "融水县人社局 (PII)", ["pii:read"]),
        "other_county": make_tenant("county_office", "451122", "钟山县就业服务中心"),
        "employer": make_tenant("employer", "441900", "东莞电子厂"),
        "other_employer": make_tenant("employer", "440604", "佛山家具厂"),
        "agency": make_tenant("agency", "450200", "柳州劳务中介"),
        "school": make_tenant("training_school", "450200", "柳州技工学校"),
        "province": make_tenant("provincial_office", "450000", "广西东西部协作办公室"),
        "station": make_tenant("station", "441900", "东莞市劳务协作站"),
        "broker": make_tenant("broker", "450225", "融水县劳务经纪人韦某"),
    }


@pytest.fixture
def live_server(app) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """The app under a real uvicorn on loopback, for tests that need real concurrency."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture
def cli_env(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The CLI reads settings from the environment: point it at the test database."""
    monkeypatch.setenv("LB_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("LB_PII_KEY", settings.pii_key)
    from app.config import get_settings

    get_settings.cache_clear()
    yield
    get_settings.cache_clear()
