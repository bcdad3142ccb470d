"""The /reports/weekly page in a real headless Chromium: sign in with a key, the figures and charts render."""

import shutil
from pathlib import Path

import pytest

from app.config import ROOT
from tests.reports import helpers as h
from tests.support.browser import chromium

ARTIFACTS = ROOT / "var" / "test-artifacts"


@pytest.fixture
def browser(tmp_path: Path):
    driver = chromium(tmp_path / "chromium-profile")
    yield driver
    driver.quit()
    shutil.rmtree(tmp_path / "chromium-profile", ignore_errors=True)


def _sign_in(browser, base: str, key: str) -> None:
    from selenium.webdriver.common.by import By

    browser.get(f"{base}/reports/weekly?week={h.WEEK}")
    browser.find_element(By.ID, "api_key").send_keys(key)
    browser.find_element(By.ID, "sign-in").click()


def test_the_page_renders_figures_and_charts(browser, live_server, client, tenants, db, backend):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    h.build_history(client, tenants, db)
    key = tenants["province"].key
    _sign_in(browser, live_server, key)
    WebDriverWait(browser, 30).until(ec.presence_of_element_located((By.ID, "chart-retention-channel")))
    assert key not in browser.current_url and browser.current_url.endswith(f"/reports/weekly?week={h.WEEK}")
    cookie = browser.get_cookie("lb_report_session")
    assert cookie is not None and cookie["httpOnly"] and cookie["sameSite"] == "Strict"
    assert browser.find_element(By.ID, "week").text == h.WEEK
    value = browser.find_element(By.CSS_SELECTOR, "#figure-new_placements .value")
    assert value.text == "3" and value.is_displayed()
    assert browser.find_element(By.CSS_SELECTOR, "#figure-active_at_week_end .value").text == "5"
    charts = browser.find_elements(By.CSS_SELECTOR, "svg.chart")
    assert {c.get_attribute("id") for c in charts} == {
        "chart-retention-channel",
        "chart-retention-pairing",
        "chart-departures",
    }
    assert all(c.size["width"] > 300 and c.size["height"] > 150 for c in charts)  # laid out, not hidden
    series = {
        e.get_attribute("data-series")
        for e in browser.find_elements(By.CSS_SELECTOR, "#chart-retention-channel polyline")
    }
    assert {"cross_region", "local"} <= series
    bars = browser.find_elements(By.CSS_SELECTOR, "#chart-departures rect.bar")
    assert len(bars) == 13 and bars[-1].get_attribute("data-value") == "2"
    assert "has not scored" in browser.find_element(By.ID, "at-risk-note").text
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shot = ARTIFACTS / f"reports-weekly-{backend}.png"
    assert browser.save_screenshot(str(shot)) and shot.stat().st_size > 10_000
    print(f"screenshot: {shot}")

    # Signing out forgets the key; the sign-in form comes back.
    browser.find_element(By.CSS_SELECTOR, "nav form[action='/reports/weekly/sign-out'] button").click()
    WebDriverWait(browser, 30).until(ec.presence_of_element_located((By.ID, "api_key")))
    assert browser.get_cookie("lb_report_session") is None


def test_a_bad_key_or_a_role_without_reports_is_told_so(browser, live_server, tenants):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    def error() -> str:
        return str(WebDriverWait(browser, 30).until(ec.presence_of_element_located((By.ID, "error"))).text)

    _sign_in(browser, live_server, "lb_00000000_not-a-real-key")
    assert "not valid" in error()
    _sign_in(browser, live_server, tenants["agency"].key)
    assert "may not read the weekly report" in error()
    assert browser.get_cookie("lb_report_session") is None


def test_the_page_without_a_browser(client, tenants):
    """The same rules over plain HTTP: the key is posted once, never put in a URL, and checked."""
    resp = client.get("/reports/weekly")
    assert resp.status_code == 200 and 'name="api_key"' in resp.text
    resp = client.post(
        "/reports/weekly/sign-in", data={"api_key": tenants["county"].key, "week": h.WEEK}, follow_redirects=False
    )
    assert resp.status_code == 303 and resp.headers["location"] == f"/reports/weekly?week={h.WEEK}"
    assert "HttpOnly" in resp.headers["set-cookie"] and "SameSite=strict" in resp.headers["set-cookie"]
    assert tenants["county"].key not in resp.headers["location"]
    page = client.get(f"/reports/weekly?week={h.WEEK}")
    assert page.status_code == 200 and "融水苗族自治县" in page.text
    assert client.get("/reports/weekly?week=2025-W99").status_code == 422
    client.cookies.set("lb_report_session", "lb_00000000_revoked")
    assert client.get("/reports/weekly").status_code == 401


def test_the_key_cookie_is_secure_outside_development_even_behind_a_tls_proxy(client, app, settings, tenants):
    """A TLS-terminating proxy forwards plain http to the app: the cookie must still be marked Secure."""
    try:
        for environment, secure in (("development", False), ("production", True)):
            app.state.settings = settings.model_copy(update={"environment": environment})
            resp = client.post(
                "/reports/weekly/sign-in", data={"api_key": tenants["county"].key}, follow_redirects=False
            )
            assert resp.status_code == 303
            cookie = resp.headers["set-cookie"]
            assert "HttpOnly" in cookie and ("; Secure" in cookie) is secure, (environment, cookie)
    finally:
        app.state.settings = settings
