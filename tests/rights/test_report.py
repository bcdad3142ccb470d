"""The weekly report's `cases` section, recomputed by hand from a small history written with its own dates.

Week 2026-W45 runs Monday 2 to Sunday 8 November 2026; a case opened the week before, two opened in it, one
after it, and an event written after the week ended must not change what the week says.
"""

import csv
import io
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from openpyxl import load_workbook

from app.clock import CST
from app.reports.page import to_html
from app.rights.models import CaseEvent, RightsCase

WEEK = "2026-W45"


def _at(day: str) -> datetime:
    return datetime.fromisoformat(f"{day}T10:00:00").replace(tzinfo=CST)


def _end(api, placement_id: int, who: str, end_date: str, reason: str) -> None:  # type: ignore[no-untyped-def]
    etag = api("GET", f"/placements/{placement_id}", who).headers["ETag"]
    resp = api(
        "PATCH",
        f"/placements/{placement_id}",
        who,
        {"end_date": end_date, "end_reason": reason},
        {"If-Match": etag},
    )
    assert resp.status_code == 200, resp.text


@pytest.fixture(scope="module")
def history(db, api, people, placed) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """Four cases with their events, and two departures in the week (one of them with a case)."""
    from tests.factories import vacancy_payload, worker_payload

    other = api("POST", "/workers", "county", worker_payload()).json()["id"]
    vacancy = api("POST", "/vacancies", "employer", vacancy_payload(headcount=3)).json()["id"]
    body = {"worker_id": other, "vacancy_id": vacancy, "start_date": "2026-09-15"}
    second = api("POST", "/placements", "county", body).json()["id"]
    _end(api, placed["placement_id"], "county", "2026-11-05", "dispute")
    _end(api, second, "county", "2026-11-06", "quit_homesick")

    county, employer = people["county"].org_id, people["employer"].org_id
    plans = {
        # in progress since the week before, referred to labour inspection: open, its 60 working days not up
        "A": (
            "wage_arrears",
            "2026-10-26",
            0,
            [("contact", "open", "10-27"), ("accept", "accepted", "10-28"), ("refer", "in_progress", "10-29")],
        ),
        # opened on the Monday and never contacted: first contact was due Wednesday, overdue by Sunday; the
        # contact written on the 10th (after the week) must not clear it
        "B": ("wage_arrears", "2026-11-02", 0, [("contact", "open", "11-10")]),
        # opened Tuesday, resolved Friday: 3 working days, 800 yuan claimed, 500 recovered
        "C": (
            "contract",
            "2026-11-03",
            80_000,
            [("contact", "open", "11-03"), ("accept", "accepted", "11-04"), ("resolve", "resolved", "11-06")],
        ),
        # opened after the week: not counted at all
        "D": ("work_injury", "2026-11-09", 0, []),
    }
    ids = {}
    with db.session() as session, session.begin():
        for name, (kind, opened, claimed, steps) in plans.items():
            case = RightsCase(
                kind=kind,
                status=steps[-1][1] if steps else "open",
                placement_id=placed["placement_id"] if name == "A" else None,
                worker_id=placed["worker_id"],
                worker_owner_org_id=county,
                employer_id=employer,
                opened_by_org_id=county,
                opened_by_kind="county_office",
                assigned_org_id=county,
                jurisdiction_county="441900",
                home_county="450225",
                summary=name,
                amount_claimed_fen=claimed,
                opened_on=date.fromisoformat(opened),
                clocks={},
            )
            session.add(case)
            session.flush()
            ids[name] = case.id
            session.add(CaseEvent(case_id=case.id, action="open", to_status="open", org_id=county, at=_at(opened)))
            status = "open"
            for action, after, day in steps:
                recovered = 50_000 if action == "resolve" else None
                session.add(
                    CaseEvent(
                        case_id=case.id,
                        action=action,
                        from_status=status,
                        to_status=after,
                        org_id=county,
                        at=_at(f"2026-{day}"),
                        amount_recovered_fen=recovered,
                        outcome="补发" if recovered is not None else None,
                    )
                )
                status = after
    return ids


def _report(api, who: str = "province", scope: str = "") -> dict[str, Any]:  # type: ignore[no-untyped-def]
    resp = api("GET", f"/reports/weekly?week={WEEK}{scope}", who)
    assert resp.status_code == 200, resp.text
    return dict(resp.json())


def test_the_section_counts_what_the_events_before_sunday_say(api, people, history):
    cases = _report(api)["cases"]
    assert (cases["opened"], cases["resolved"], cases["open_at_week_end"], cases["overdue_at_week_end"]) == (
        2,  # B and C; A was opened the week before, D after
        1,  # C
        2,  # A and B
        1,  # B: first contact due Wednesday 4 November, no contact by Sunday
    )
    by_kind = {k["kind"]: k for k in cases["by_kind"]}
    assert set(by_kind) == {"wage_arrears", "contract"}
    assert by_kind["wage_arrears"]["kind_label"] == "拖欠工资 / Wage arrears"
    assert (by_kind["wage_arrears"]["open_at_week_end"], by_kind["wage_arrears"]["overdue_at_week_end"]) == (2, 1)
    assert (by_kind["contract"]["resolved"], by_kind["contract"]["open_at_week_end"]) == (1, 0)
    assert cases["median_working_days_to_resolution"] == 3  # Wed 4, Thu 5, Fri 6 after Tue 3
    assert (cases["claimed_fen_resolved"], cases["recovered_fen_resolved"]) == (80_000, 50_000)
    assert cases["employers_with_open_arrears"] == [
        {"employer_id": people["employer"].org_id, "name": "employer 441900", "open_cases": 2}
    ]
    assert (cases["departures"], cases["departures_with_case_share"]) == (2, 0.5)  # the dispute has case A
    assert [c["home_county"] for c in cases["by_county"]] == ["450225"]


def test_the_week_reads_the_same_after_later_events(api, db, history):
    before = _report(api)["cases"]
    with db.session() as session, session.begin():
        session.add(
            CaseEvent(
                case_id=history["B"],
                action="withdraw",
                from_status="open",
                to_status="withdrawn",
                at=datetime.now(CST) - timedelta(minutes=1),
            )
        )
    assert _report(api)["cases"] == before


def test_a_scope_counts_only_its_own_cases(api, people, history):
    assert _report(api, "county")["cases"]["open_at_week_end"] == 2
    assert _report(api, "other_county")["cases"]["opened"] == 0
    employer = _report(api, "employer")["cases"]
    assert employer["overdue_at_week_end"] == 1


def test_csv_xlsx_and_page_carry_the_section(api, history):
    text = api("GET", f"/reports/weekly?week={WEEK}&format=csv", "province").content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    overdue = [r for r in rows if r[2] == "cases" and r[6] == "overdue_at_week_end"]
    assert [(r[5], r[7]) for r in overdue] == [("周末超期 / Overdue at week end", "1")]
    kinds = {(r[3], r[6]): r[7] for r in rows if r[2] == "cases_by_kind"}
    assert kinds[("contract", "resolved")] == "1"
    book = load_workbook(io.BytesIO(api("GET", f"/reports/weekly?week={WEEK}&format=xlsx", "province").content))
    sheet = [[c.value for c in row] for row in book["权益案件 cases"].iter_rows()]
    assert sheet[1][:5] == ["全部 / All kinds", 2, 1, 2, 1]
    page = to_html(_report(api))
    assert 'id="cases"' in page and "拖欠工资 / Wage arrears" in page and "¥800.00 / ¥500.00" in page
