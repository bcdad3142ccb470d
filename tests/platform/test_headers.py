"""Every answer carries the security headers; API answers are never stored by a cache."""

import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from tests.factories import new_worker

COMMON = {"x-content-type-options": "nosniff", "x-frame-options": "DENY", "referrer-policy": "no-referrer"}


def assert_common(resp) -> None:  # type: ignore[no-untyped-def]
    for name, value in COMMON.items():
        assert resp.headers.get(name) == value, (resp.request.url, name, resp.headers)
    assert "frame-ancestors 'none'" in resp.headers["content-security-policy"]


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/healthz", 200),
        ("/api/v1/workers", 401),
        ("/api/v1/no-such-route", 404),
        ("/openapi.json", 200),
        ("/docs", 200),
        ("/reports/weekly", 200),
    ],
)
def test_every_answer_carries_the_headers(client, path, status):
    resp = client.get(path)
    assert resp.status_code == status
    assert_common(resp)
    assert "strict-transport-security" not in resp.headers  # development serves plain http


def test_api_answers_are_not_stored_and_data_may_not_run_as_a_page(client, tenants):
    worker = new_worker(client, tenants["county"])
    for resp in (
        client.get("/api/v1/workers", headers=tenants["county"].headers),
        client.get(f"/api/v1/workers/{worker}", headers=tenants["county"].headers),
        client.get("/api/v1/workers"),
    ):
        assert resp.headers["cache-control"] == "no-store", resp.request.url
        assert resp.headers["content-security-policy"] == "default-src 'none'; frame-ancestors 'none'"


def test_a_revealed_record_is_never_stored(client, tenants):
    worker = new_worker(client, tenants["county_pii"])
    resp = client.get(f"/api/v1/workers/{worker}?reveal=pii", headers=tenants["county_pii"].headers)
    assert resp.status_code == 200 and "*" not in resp.json()["phone"]
    assert resp.headers["cache-control"] == "no-store"
    assert_common(resp)


def test_pages_may_use_their_own_styles_and_scripts_but_nothing_from_elsewhere(client):
    csp = client.get("/reports/weekly").headers["content-security-policy"]
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
    assert directives["default-src"] == "'self'"
    assert directives["style-src"] == "'self' 'unsafe-inline'"
    assert directives["frame-ancestors"] == "'none'"
    assert "http" not in csp  # no other origin is allowed


def test_hsts_outside_development(settings, db):
    app = create_app(settings.model_copy(update={"environment": "production"}), db)
    with TestClient(app) as client:
        resp = client.get("/healthz")
    assert resp.headers["strict-transport-security"].startswith("max-age=31536000")
    assert_common(resp)
