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


GREEN, RED = "rgba(26, 127, 55, 1)", "rgba(198, 40, 40, 1)"  # .good and .bad in the page's style


def test_a_county_reads_its_share_good_and_bad_news_and_clean_charts(
    browser, live_server, client, tenants, db, backend
):
    """What misled a county office: its own count against the whole pairing's target, orange for every rise."""
    import re

    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait
    from sqlalchemy import insert

    from app.models import Pairing

    h.build_history(client, tenants, db)
    with db.session() as session, session.begin():
        session.execute(
            insert(Pairing), {"east_code": "441900", "west_code": "450000", "level": "province", "annual_target": 50}
        )
    _sign_in(browser, live_server, tenants["county"].key)
    WebDriverWait(browser, 30).until(ec.presence_of_element_located((By.ID, "by-pairing")))

    # 东莞 <- 广西: five starts this year, four of them 融水's; the target is the pairing's (5 of 50 = 10 %).
    row = browser.find_element(By.CSS_SELECTOR, "#by-pairing tr[data-pairing]")
    cells = {c: row.find_element(By.CSS_SELECTOR, f"td.{c}").text for c in ("pairing-ytd", "scope-ytd")}
    assert cells == {"pairing-ytd": "5", "scope-ytd": "4"}
    assert row.find_element(By.CSS_SELECTOR, "td.share-of-pairing").text == "80.0%"
    assert row.find_element(By.CSS_SELECTOR, "td.target-share").text == "10.0%"
    header = browser.find_element(By.CSS_SELECTOR, "#by-pairing tr").text
    assert "结对年内就业" in header and "本县年内就业" in header and "占结对" in header

    # A rise in placements is good news (green), a rise in departures bad news (red).
    colours = {}
    for key in ("new_placements", "active_at_week_end", "departures", "early_departures"):
        change = browser.find_element(By.CSS_SELECTOR, f"#figure-{key} .change")
        colours[key] = (int(change.get_attribute("data-change")), change.value_of_css_property("color"))
    assert colours["new_placements"] == (1, GREEN) and colours["departures"] == (1, RED)
    for key, (delta, colour) in colours.items():
        if delta:
            rising_is_good = key in ("new_placements", "active_at_week_end")
            assert colour == (GREEN if (delta > 0) == rising_is_good else RED), key

    # Every chart has its own sub-heading; axes read "days since the start", not "30天 d"; ticks are round.
    for chart in browser.find_elements(By.CSS_SELECTOR, "svg.chart"):
        heading = chart.find_element(By.XPATH, "./preceding-sibling::h3")
        assert (
            heading.is_displayed() and re.search(r"[\u4e00-\u9fff]", heading.text) and re.search("[a-z]", heading.text)
        )
    ticks = [t.text for t in browser.find_elements(By.CSS_SELECTOR, "#chart-retention-channel text.x-tick")]
    assert ticks == ["0", "30", "60", "90", "120", "150", "180"]
    titles = browser.find_element(By.CSS_SELECTOR, "#chart-retention-channel text.x-title").text
    assert titles == "上岗后天数 / days since the start"
    assert not [t for t in browser.find_elements(By.CSS_SELECTOR, "svg text") if re.search(r"\d天 d", t.text)]
    counts = [int(t.text) for t in browser.find_elements(By.CSS_SELECTOR, "#chart-departures text.y-tick")]
    steps = {b - a for a, b in zip(counts, counts[1:], strict=False)}
    assert counts[0] == 0 and len(steps) == 1 and steps.pop() in (1, 2, 5, 10, 20, 50, 100)
    legend = browser.find_element(By.CSS_SELECTOR, "#chart-retention-channel").text
    assert "异地转移" in legend and "Cross-region transfer" in legend
    definitions = browser.find_element(By.ID, "definitions").text
    assert "周次 / Week" in definitions and "合同期满 / Contract ended" in definitions
    assert "contract_ended" not in definitions and "cross_region" not in definitions

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shot = ARTIFACTS / f"reports-weekly-county-{backend}.png"
    assert browser.save_screenshot(str(shot)) and shot.stat().st_size > 10_000
    print(f"screenshot: {shot}")


def test_y_axis_ticks_are_round_numbers():
    from app.reports.charts import round_ticks

    assert round_ticks(35) == [0, 10, 20, 30, 40]
    assert round_ticks(2) == [0, 1, 2]
    assert round_ticks(17) == [0, 5, 10, 15, 20]
    assert round_ticks(0) == [0, 1]
    assert round_ticks(230) == [0, 50, 100, 150, 200, 250]


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
