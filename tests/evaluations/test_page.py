"""The /reports/quarterly and /reports/monthly pages: the weekly report's sign-in holds, walls as on the API."""

import shutil
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import update

from app.clock import CST
from app.consultation.models import ConsultationActionEvent as ActionEvent
from tests.evaluations.conftest import QUARTER
from tests.support.browser import chromium


@pytest.fixture
def browser(tmp_path: Path):
    driver = chromium(tmp_path / "chromium-profile")
    yield driver
    driver.quit()
    shutil.rmtree(tmp_path / "chromium-profile", ignore_errors=True)


def test_signing_in_at_the_quarterly_page_shows_the_evaluations_and_leads_on_to_the_monthly_pack(
    browser, live_server, client, tenants, db, quarter
):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    action = client.post(
        f"/api/v1/pairings/{quarter['rongshui']['pairing_id']}/actions",
        json={"issue": "回访融水籍员工", "owner_org_id": tenants["county"].org_id, "due_date": "2099-01-31"},
        headers=tenants["province"].headers,
    )
    assert action.status_code == 201, action.text
    with db.session() as session, session.begin():  # raised during November, so November's pack shows it
        at = datetime(2026, 11, 10, 9, 0, tzinfo=CST)
        session.execute(update(ActionEvent).where(ActionEvent.action_id == action.json()["id"]).values(at=at))
    browser.get(f"{live_server}/reports/quarterly?quarter={QUARTER}")
    browser.find_element(By.ID, "api_key").send_keys(tenants["county"].key)
    browser.find_element(By.ID, "sign-in").click()
    WebDriverWait(browser, 30).until(ec.presence_of_element_located((By.ID, "evaluations")))
    assert browser.current_url.endswith(f"/reports/quarterly?quarter={QUARTER}")
    assert browser.find_element(By.ID, "quarter").text == QUARTER
    rows = browser.find_elements(By.CSS_SELECTOR, "tr.evaluation")
    mine = quarter["rongshui"]
    shown_ids = {r.get_attribute("data-evaluation") for r in rows}  # the pairings the county sends through only
    assert str(mine["id"]) in shown_ids and str(quarter["zhongshan"]["id"]) not in shown_ids
    row = browser.find_element(By.CSS_SELECTOR, f'tr[data-evaluation="{mine["id"]}"]')
    assert row.find_element(By.CSS_SELECTOR, ".placements").text == "3" and row.is_displayed()
    assert row.find_element(By.CSS_SELECTOR, ".status").text == "草稿 / Draft"
    assert "alert" in row.get_attribute("class") and row.find_elements(By.CSS_SELECTOR, ".flag.below")
    browser.find_element(By.LINK_TEXT, "月度会商 monthly pack").click()  # last month's pack, whenever this runs
    WebDriverWait(browser, 30).until(ec.presence_of_element_located((By.ID, "pairings")))
    browser.get(f"{live_server}/reports/monthly?month=2026-11")
    WebDriverWait(browser, 30).until(ec.text_to_be_present_in_element((By.ID, "month"), "2026-11"))
    pairings = {r.get_attribute("data-pairing") for r in browser.find_elements(By.CSS_SELECTOR, "tr.pairing")}
    assert str(mine["pairing_id"]) in pairings and str(quarter["zhongshan"]["pairing_id"]) not in pairings
    (shown,) = browser.find_elements(By.CSS_SELECTOR, f'tr.action[data-action="{action.json()["id"]}"]')
    assert "回访融水籍员工" in shown.text and "待办 / Open" in shown.text
    browser.find_element(By.ID, "previous").click()
    WebDriverWait(browser, 30).until(ec.url_contains("month="))


def test_the_pages_without_a_browser(client, tenants, quarter):
    resp = client.get(f"/reports/quarterly?quarter={QUARTER}")
    assert resp.status_code == 200 and 'name="page" value="quarterly"' in resp.text
    resp = client.post("/reports/weekly/sign-in", data={"api_key": tenants["province"].key, "week": QUARTER,
                                                        "page": "quarterly"}, follow_redirects=False)  # fmt: skip
    assert resp.status_code == 303 and resp.headers["location"] == f"/reports/quarterly?quarter={QUARTER}"
    page = client.get(f"/reports/quarterly?quarter={QUARTER}")
    assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
    assert f'data-evaluation="{quarter["zhongshan"]["id"]}"' in page.text  # the province reads every pairing
    assert client.get("/reports/quarterly?quarter=2999-Q1").status_code == 422
    assert client.get("/reports/quarterly?quarter=2026-Q2").status_code == 200  # none drafted: the page says so
    assert 'id="no-evaluations"' in client.get("/reports/quarterly?quarter=2026-Q2").text
    assert client.get("/reports/monthly?month=2026-09").status_code == 200
    # a sign-in lands only on a report page, with a period that parses
    for page_name, period, target in (
        ("../admin", "2026-Q3", "/reports/weekly"),
        ("monthly", "x?y", "/reports/monthly"),
    ):
        resp = client.post("/reports/weekly/sign-in", data={"api_key": tenants["province"].key, "week": period,
                                                            "page": page_name}, follow_redirects=False)  # fmt: skip
        assert resp.headers["location"] == target
    client.cookies.clear()
    resp = client.post("/reports/weekly/sign-in", data={"api_key": tenants["employer"].key}, follow_redirects=False)
    assert resp.status_code == 303  # an employer reads its weekly report, but neither of these pages
    for path in ("/reports/quarterly", "/reports/monthly"):
        refused = client.get(path)
        assert refused.status_code == 403 and 'id="error"' in refused.text
