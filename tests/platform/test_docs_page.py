"""/docs in a real headless Chromium, offline: Swagger UI from the installed package, Authorize, Try it out."""

import json
import shutil
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from app.config import ROOT
from tests.support.browser import chromium

ARTIFACTS = ROOT / "var" / "test-artifacts"
# Only these schemes reach a host; chrome://, chrome-untrusted:// (the new-tab page), data: and blob: stay in the
# browser, so an allow-list of network schemes is what the check can trust across Chromium versions.
NETWORK_SCHEMES = ("http", "https", "ws", "wss", "ftp")


@pytest.fixture
def browser(tmp_path: Path):
    driver = chromium(tmp_path / "chromium-profile", performance_log=True)
    yield driver
    driver.quit()
    shutil.rmtree(tmp_path / "chromium-profile", ignore_errors=True)


def _requested_urls(browser) -> set[str]:
    """Every URL the page asked for: the DevTools network log plus the page's own resource timings."""
    urls = set()
    for entry in browser.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            urls.add(message["params"]["request"]["url"])
    urls |= set(browser.execute_script("return performance.getEntriesByType('resource').map(e => e.name)"))
    return urls


def _leaves_the_machine(url: str, base: str) -> bool:
    parts = urlsplit(url)
    if parts.scheme not in NETWORK_SCHEMES:
        return False
    return f"{parts.scheme}://{parts.netloc}" != base


def test_docs_render_offline_and_try_it_out_authenticates(browser, live_server, tenants, backend):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    wait = WebDriverWait(browser, 30)
    browser.get(f"{live_server}/docs")
    wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, ".opblock")))
    operations = browser.find_elements(By.CSS_SELECTOR, ".opblock")
    assert len(operations) >= 20, len(operations)  # every route of the API, not an empty shell
    assert "/api/v1/placements/{placement_id}" in browser.find_element(By.ID, "swagger-ui").text

    # Authorize with a key, then run GET /me from the page: the key goes along and the answer is 200.
    browser.find_element(By.CSS_SELECTOR, "button.authorize").click()
    wait.until(ec.visibility_of_element_located((By.CSS_SELECTOR, ".modal-ux input"))).send_keys(tenants["county"].key)
    browser.find_element(By.CSS_SELECTOR, ".modal-ux .auth-btn-wrapper button.authorize").click()
    browser.find_element(By.CSS_SELECTOR, ".modal-ux button.btn-done").click()
    me = browser.find_element(By.ID, "operations-reference-me_api_v1_me_get")
    me.find_element(By.CSS_SELECTOR, ".opblock-summary").click()
    wait.until(lambda _: me.find_elements(By.CSS_SELECTOR, ".try-out__btn"))[0].click()
    wait.until(lambda _: me.find_elements(By.CSS_SELECTOR, "button.execute"))[0].click()
    status = wait.until(
        lambda _: me.find_elements(By.CSS_SELECTOR, ".live-responses-table tr.response .response-col_status")
    )[0]
    assert status.text.strip() == "200", me.find_element(By.CSS_SELECTOR, ".live-responses-table").text
    assert "融水县就业服务中心" in me.find_element(By.CSS_SELECTOR, ".live-responses-table").text

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shot = ARTIFACTS / f"docs-{backend}.png"
    assert browser.save_screenshot(str(shot)) and shot.stat().st_size > 10_000
    urls = _requested_urls(browser)
    assert any(u.endswith("/openapi.json") for u in urls) and any("swagger-ui-bundle.js" in u for u in urls)
    outside = sorted(u for u in urls if _leaves_the_machine(u, live_server))
    assert outside == [], outside


def test_the_document_declares_bearer_auth_and_no_authorization_parameter(app):
    doc = app.openapi()
    assert doc["components"]["securitySchemes"] == {
        "HTTPBearer": {"type": "http", "scheme": "bearer", "description": "an API key: `Authorization: Bearer lb_…`"}
    }
    for path, operations in doc["paths"].items():
        for method, operation in operations.items():
            assert operation.get("security") == [{"HTTPBearer": []}], (method, path)
            names = {p["name"].lower() for p in operation.get("parameters", [])}
            assert "authorization" not in names, (method, path)


def test_the_docs_assets_are_served_here(client):
    page = client.get("/docs")
    assert page.status_code == 200 and "cdn" not in page.text.lower()
    for asset in ("swagger-ui-bundle.js", "swagger-ui.css"):
        assert client.get(f"/static-offline-docs/{asset}").status_code == 200
