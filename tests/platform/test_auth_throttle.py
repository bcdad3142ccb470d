"""Wrong keys are throttled per client address: 429 with Retry-After past the limit, logged once per window."""

import ipaddress
import logging
from collections.abc import Callable, Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from app.main import create_app
from app.security import client_address

LIMIT, WINDOW = 3, 60.0
WRONG = {"Authorization": "Bearer lb_00000000_wrong"}
WORKERS = "/api/v1/workers"


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def throttled(settings, db, clock) -> FastAPI:  # type: ignore[no-untyped-def]
    app = create_app(
        settings.model_copy(
            update={"auth_fail_limit": LIMIT, "auth_fail_window_seconds": WINDOW, "trusted_proxies": "10.0.0.1"}
        ),
        db,
    )
    app.state.auth_throttle.clock = clock
    return app


@pytest.fixture
def from_address(throttled) -> Iterator[Callable[[str], TestClient]]:  # type: ignore[no-untyped-def]
    """A client of the throttled app seen from a given peer address."""
    clients: list[TestClient] = []

    def make(address: str) -> TestClient:
        client = TestClient(throttled, client=(address, 40000))
        clients.append(client.__enter__())
        return client

    yield make
    for client in clients:
        client.__exit__(None, None, None)


def test_past_the_limit_an_address_gets_429_with_retry_after_even_with_a_good_key(from_address, tenants, clock):
    attacker = from_address("198.51.100.7")
    assert [attacker.get(WORKERS, headers=WRONG).status_code for _ in range(LIMIT)] == [401] * LIMIT
    clock.now += 10
    refused = attacker.get(WORKERS, headers=tenants["county"].headers)
    assert refused.status_code == 429
    assert refused.json()["error"] == "too_many_requests" and " / " in refused.json()["message"]
    assert refused.headers["retry-after"] == "50"
    clock.now += 50
    assert attacker.get(WORKERS, headers=tenants["county"].headers).status_code == 200  # the window is over


def test_a_good_key_from_another_address_is_unaffected(from_address, tenants):
    attacker, office = from_address("198.51.100.7"), from_address("203.0.113.20")
    for _ in range(LIMIT + 2):
        attacker.get(WORKERS, headers=WRONG)
    assert attacker.get(WORKERS, headers=WRONG).status_code == 429
    assert office.get(WORKERS, headers=tenants["county"].headers).status_code == 200
    assert office.get(WORKERS, headers=WRONG).status_code == 401  # its own count starts at zero


def test_a_good_key_is_not_counted(from_address, tenants):
    office = from_address("203.0.113.20")
    statuses = {office.get(WORKERS, headers=tenants["county"].headers).status_code for _ in range(LIMIT * 3)}
    assert statuses == {200}


def test_the_limit_is_logged_once_per_window(from_address, clock, caplog):
    caplog.set_level(logging.WARNING, logger="laborbridge.security")
    attacker = from_address("198.51.100.7")
    for _ in range(LIMIT * 4):
        attacker.get(WORKERS, headers=WRONG)
    clock.now += WINDOW
    for _ in range(LIMIT * 4):
        attacker.get(WORKERS, headers=WRONG)
    lines = [r.getMessage() for r in caplog.records if r.name == "laborbridge.security"]
    assert len(lines) == 2 and all("198.51.100.7" in line for line in lines), lines


def test_forwarded_for_is_believed_only_from_a_trusted_proxy(from_address, tenants):
    proxy, stranger = from_address("10.0.0.1"), from_address("10.0.0.2")
    for _ in range(LIMIT):
        proxy.get(WORKERS, headers={**WRONG, "X-Forwarded-For": "198.51.100.7"})
    assert proxy.get(WORKERS, headers={**WRONG, "X-Forwarded-For": "198.51.100.7"}).status_code == 429
    # Another client behind the same proxy is someone else.
    ok = proxy.get(WORKERS, headers={**tenants["county"].headers, "X-Forwarded-For": "203.0.113.20"})
    assert ok.status_code == 200
    # An untrusted peer cannot pin its failures on someone else by naming them in the header.
    for _ in range(LIMIT):
        stranger.get(WORKERS, headers={**WRONG, "X-Forwarded-For": "203.0.113.30"})
    assert stranger.get(WORKERS, headers=tenants["county"].headers).status_code == 429
    ok = proxy.get(WORKERS, headers={**tenants["county"].headers, "X-Forwarded-For": "203.0.113.30"})
    assert ok.status_code == 200


def test_client_address_takes_the_last_untrusted_hop():
    trusted = [ipaddress.ip_network("10.0.0.0/8")]

    def scope(peer: str, forwarded: str | None) -> dict[str, object]:
        headers = [(b"x-forwarded-for", forwarded.encode())] if forwarded else []
        return {"client": (peer, 1), "headers": headers}

    assert client_address(scope("10.0.0.1", "1.2.3.4, 5.6.7.8, 10.0.0.9"), trusted) == "5.6.7.8"
    assert client_address(scope("192.0.2.1", "1.2.3.4"), trusted) == "192.0.2.1"
    assert client_address(scope("10.0.0.1", None), trusted) == "10.0.0.1"
    assert client_address(scope("10.0.0.1", "1.2.3.4"), []) == "10.0.0.1"


class TestReportSignIn:
    def test_wrong_keys_on_the_sign_in_page_are_throttled_too(self, from_address, tenants):
        attacker, office = from_address("198.51.100.7"), from_address("203.0.113.20")
        for _ in range(LIMIT):
            resp = attacker.post("/reports/weekly/sign-in", data={"api_key": "lb_00000000_wrong"})
            assert resp.status_code == 401
        refused = attacker.post("/reports/weekly/sign-in", data={"api_key": tenants["county"].key})
        assert refused.status_code == 429 and int(refused.headers["retry-after"]) > 0
        assert 'id="error"' in refused.text and "秒后再试" in refused.text
        signed_in = office.post(
            "/reports/weekly/sign-in", data={"api_key": tenants["county"].key}, follow_redirects=False
        )
        assert signed_in.status_code == 303

    def test_guessed_session_cookies_count_as_failures(self, from_address):
        attacker = from_address("198.51.100.7")
        for _ in range(LIMIT):
            attacker.cookies.set("lb_report_session", "guessed")
            assert attacker.get("/reports/weekly").status_code == 401
        attacker.cookies.set("lb_report_session", "guessed")
        assert attacker.get("/reports/weekly").status_code == 429
