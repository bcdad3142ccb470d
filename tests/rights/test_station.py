"""A labour-cooperation station through the API: it reads and follows up the placements whose workplace lies in its
region (names only with the worker's consent), reads their at-risk list and its region's weekly report, and
reaches nothing outside its region."""

import json
from datetime import UTC, datetime, time, timedelta
from typing import Any

import pytest
from sqlalchemy import update

from app.clock import today
from app.db import utcnow
from app.departure.models import PlacementRisk
from app.orgs import service as orgs
from app.reports.schemas import IsoWeek
from app.rights.models import CaseEvent, RightsCase
from tests.factories import Tenant, vacancy_payload, worker_payload


@pytest.fixture(scope="module")
def world(db, api, people) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """Placements at Dongguan (441900, the station's region) and at Bao'an (440306, another station's)."""
    for name, kind, region in (("baoan_employer", "employer", "440306"), ("baoan_station", "station", "440306")):
        with db.session() as session, session.begin():
            org, key = orgs.create_org(session, kind, region, f"{name} {region}", [])
        people[name] = Tenant(org.id, key, kind, region)
    ids: dict[str, Any] = {}
    for name, employer, county, consent in (
        ("dongguan", "employer", "441900", False),
        ("dongguan_consented", "employer", "441900", True),
        ("baoan", "baoan_employer", "440306", False),
    ):
        resp = api("POST", "/vacancies", employer, vacancy_payload(county_code=county))
        assert resp.status_code == 201, resp.text
        worker = worker_payload(name=f"韦{name}", phone="13812345678", consent_to_share=consent)
        made = api("POST", "/workers", "county", worker)
        assert made.status_code == 201, made.text
        body = {"worker_id": made.json()["id"], "vacancy_id": resp.json()["id"], "start_date": "2026-09-01"}
        placed = api("POST", "/placements", "county", body)
        assert placed.status_code == 201, placed.text
        ids[name] = placed.json()["id"]
        ids[f"{name}_worker"] = worker
    with db.session() as session, session.begin():
        for risk, name in zip((0.45, 0.40, 0.35), ("dongguan", "dongguan_consented", "baoan"), strict=True):
            session.merge(
                PlacementRisk(
                    placement_id=ids[name],
                    risk_30=None,
                    risk_90=risk,
                    risk_180=risk + 0.1,
                    reasons=[
                        {"code": "wage_gap", "zh": "工资低于本人期望", "en": "pay is below what the worker expects"}
                    ],
                    action="call",
                    model_version="test-1",
                    scored_at=utcnow(),
                )
            )
    return ids


def _listed(api, who: str, path: str) -> set[int]:  # type: ignore[no-untyped-def]
    resp = api("GET", path, who)
    assert resp.status_code == 200, resp.text
    return {item["placement_id"] if "placement_id" in item else item["id"] for item in resp.json()["items"]}


def test_a_station_reads_the_placements_whose_workplace_lies_in_its_region(api, world):
    mine = _listed(api, "station", "/placements?limit=100")
    assert {world["dongguan"], world["dongguan_consented"]} <= mine and world["baoan"] not in mine
    assert world["baoan"] in _listed(api, "baoan_station", "/placements?limit=100")
    resp = api("GET", f"/placements/{world['dongguan']}", "station")
    assert resp.status_code == 200, resp.text
    text = resp.text
    worker = world["dongguan_worker"]
    assert worker["name"] not in text and worker["id_number"] not in text and worker["phone"] not in text
    assert api("GET", f"/placements/{world['baoan']}", "station").status_code == 404
    assert api("GET", f"/placements/{world['dongguan']}", "baoan_station").status_code == 404


def test_a_station_adds_follow_ups_in_its_region_only(api, people, world):
    body = {"date": today().isoformat(), "contact": "visit", "outcome": "concern", "notes": "宿舍太挤"}
    resp = api("POST", f"/placements/{world['dongguan']}/follow-ups", "station", body)
    assert resp.status_code == 201, resp.text
    assert resp.json()["recorded_by_org_id"] == people["station"].org_id
    listed = api("GET", f"/placements/{world['dongguan']}/follow-ups", "county").json()["items"]
    assert resp.json()["id"] in [f["id"] for f in listed]  # the worker's county office sees the station's visit
    assert api("POST", f"/placements/{world['baoan']}/follow-ups", "station", body).status_code == 404
    assert api("GET", f"/placements/{world['baoan']}/follow-ups", "station").status_code == 404


def test_a_station_reads_its_regions_at_risk_list_with_names_only_by_consent(api, world):
    resp = api("GET", "/placements/at-risk?horizon=90&limit=100", "station")
    assert resp.status_code == 200, resp.text
    items = {i["placement_id"]: i for i in resp.json()["items"]}
    assert world["baoan"] not in items
    plain, consented = items[world["dongguan"]], items[world["dongguan_consented"]]
    assert plain["worker_name"] is None and plain["worker_phone"] is None
    assert consented["worker_name"] == world["dongguan_consented_worker"]["name"]
    assert consented["worker_phone"] == "138****5678"
    assert world["dongguan_worker"]["id_number"] not in resp.text
    assert plain["probability"] == pytest.approx(0.45)
    # Reading flags is not answering them: a station records a follow-up, the county answers the flag.
    review = api("POST", f"/placements/{world['dongguan']}/flag-reviews", "station", {"decision": "contacted"})
    assert review.status_code == 403
    assert world["baoan"] in {
        i["placement_id"] for i in api("GET", "/placements/at-risk", "baoan_station").json()["items"]
    }


def test_a_station_reads_the_weekly_report_of_its_regions_workplaces(api, people, world):
    resp = api("GET", "/reports/weekly", "station")
    assert resp.status_code == 200, resp.text
    report = resp.json()
    assert report["scope"]["kind"] == "workplace" and report["scope"]["code"] == "441900"
    # Only workplaces in 441900 are counted, wherever the workers come from; Bao'an's station counts its own.
    dongguan_active = report["totals"]["active_at_week_end"]
    baoan = api("GET", "/reports/weekly", "baoan_station").json()
    assert baoan["scope"]["code"] == "440306" and baoan["totals"]["active_at_week_end"] == 1
    province = api("GET", "/reports/weekly", "province").json()
    assert (dongguan_active, province["totals"]["active_at_week_end"]) == (2, 3)
    shown = [row["employer_id"] for row in report["by_employer"]]
    assert people["employer"].org_id in shown and people["baoan_employer"].org_id not in shown
    assert "韦" not in json.dumps(report, ensure_ascii=False)  # no names in a report


def test_the_stations_report_counts_the_cases_whose_claim_lies_in_its_region(api, db, world):
    opened = []
    for name in ("dongguan", "baoan"):
        resp = api("POST", "/cases", "county", {"kind": "wage_arrears", "summary": "欠薪", "placement_id": world[name]})
        assert resp.status_code == 201, resp.text
        opened.append(resp.json()["id"])
    # Opened last week (the report counts finished weeks): moved back by the store, as if recorded then.
    last_wednesday = IsoWeek.resolve(None, today()).monday + timedelta(days=2)
    with db.session() as session, session.begin():
        session.execute(update(RightsCase).where(RightsCase.id.in_(opened)).values(opened_on=last_wednesday))
        at = datetime.combine(last_wednesday, time(10), tzinfo=UTC)
        session.execute(update(CaseEvent).where(CaseEvent.case_id.in_(opened)).values(at=at))
    station = api("GET", "/reports/weekly", "station").json()["cases"]
    baoan = api("GET", "/reports/weekly", "baoan_station").json()["cases"]
    province = api("GET", "/reports/weekly", "province").json()["cases"]
    assert (station["opened"], baoan["opened"], province["opened"]) == (1, 1, 2)
    assert station["open_at_week_end"] == 1
