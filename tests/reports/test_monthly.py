"""The monthly consultation pack: its figures reconcile with raw rows; the API walls, formats and errors."""

import io
from collections import Counter
from datetime import date, datetime, time

import pytest
from openpyxl import load_workbook
from sqlalchemy import select, update

from app.clock import CST
from app.consultation.models import ConsultationActionEvent as Event
from app.reports.monthly import build_pack
from app.reports.schemas import Month
from app.rights.models import RightsCase
from tests.reports import helpers as h


@pytest.fixture
def seeded(db, settings, tmp_path):
    h.seed_history(settings, tmp_path)
    return h.raw_rows(db)


def _pack(db, month: str, **kwargs) -> dict:
    with db.session(write=False) as session:
        return build_pack(session, Month.parse(month), **kwargs)


def test_each_pairing_reconciles_with_raw_rows(db, seeded):
    first, last = date(2026, 5, 1), date(2026, 5, 31)
    pack = _pack(db, "2026-05")
    assert pack["month"] == "2026-05" and pack["month_end"] == "2026-05-31"
    assert pack["pairings"], "the seed has pairings"
    with db.session(write=False) as session:
        cases = list(session.scalars(select(RightsCase)))
    assert sum(p["cases"]["opened"] for p in pack["pairings"]) > 0, "the seed opened cases in May"
    for entry in pack["pairings"]:
        mine = [
            r
            for r in seeded
            if h.in_region(r["hukou_county"], entry["west_code"]) and h.in_region(r["county_code"], entry["east_code"])
        ]
        placed = entry["placements"]
        assert placed["month"] == sum(first <= r["start_date"] <= last for r in mine)
        assert placed["ytd"] == sum(date(2026, 1, 1) <= r["start_date"] <= last for r in mine)
        assert placed["target_month"] == pytest.approx(entry["annual_target"] * 31 / 365, abs=0.05)
        ended = Counter(r["end_reason"] for r in mine if r["end_date"] and first <= r["end_date"] <= last)
        assert entry["end_reasons"]["ended"] == sum(ended.values())
        assert {t["reason"]: t["count"] for t in entry["end_reasons"]["top"]}.items() <= ended.items()
        opened = [
            c for c in cases if h.in_region(c.home_county, entry["west_code"])
            and h.in_region(c.jurisdiction_county, entry["east_code"]) and first <= c.opened_on <= last
        ]  # fmt: skip
        assert entry["cases"]["opened"] == len(opened)
        window = [r for r in mine if date(2025, 6, 1) <= r["start_date"] <= last]
        assert entry["retention"]["placements"] == len(window)
        for horizon in (30, 90):
            expected = h.product_limit(window, last, horizon)
            got = entry["retention"][str(horizon)]["estimate"]
            assert got == (None if expected is None else pytest.approx(expected, abs=1e-4))


def test_a_county_office_reads_only_the_pairings_it_sends_through(client, tenants, db):
    county = tenants["county"]  # 450225
    resp = client.post(
        "/api/v1/pairings",
        json={"east_code": "441302", "west_code": "450225", "level": "county", "annual_target": 365,
              "illustrative": False, "effective_from": "2025-01-01"},
        headers=tenants["province"].headers,
    )  # fmt: skip
    assert resp.status_code == 201, resp.text
    mine = resp.json()["id"]
    resp = client.post(
        "/api/v1/pairings",
        json={"east_code": "441302", "west_code": "451122", "level": "county", "annual_target": 100,
              "illustrative": False, "effective_from": "2025-01-01"},
        headers=tenants["province"].headers,
    )  # fmt: skip
    other = resp.json()["id"]
    seen = client.get("/api/v1/reports/monthly?month=2026-01", headers=county.headers)
    assert seen.status_code == 200, seen.text
    ids = {p["pairing_id"] for p in seen.json()["pairings"]}
    assert mine in ids and other not in ids
    assert seen.json()["scope"]["kind"] == "county"
    province = client.get("/api/v1/reports/monthly?month=2026-01", headers=tenants["province"].headers).json()
    assert {mine, other} <= {p["pairing_id"] for p in province["pairings"]}
    assert (
        client.get(f"/api/v1/reports/monthly?month=2026-01&pairing_id={other}", headers=county.headers).status_code
        == 404
    )
    one = client.get(f"/api/v1/reports/monthly?month=2026-01&pairing_id={mine}", headers=county.headers).json()
    assert [p["pairing_id"] for p in one["pairings"]] == [mine]
    assert one["pairings"][0]["placements"]["target_month"] == 31.0
    assert client.get("/api/v1/reports/monthly", headers=tenants["employer"].headers).status_code == 403


@pytest.mark.parametrize(
    ("month", "words"), [("2026-13", "YYYY-MM"), ("November", "YYYY-MM"), ("2999-01", "has not ended")]
)
def test_a_bad_or_unfinished_month_is_a_clear_422(client, tenants, month, words):
    resp = client.get(f"/api/v1/reports/monthly?month={month}", headers=tenants["province"].headers)
    assert resp.status_code == 422
    detail = resp.json()["detail"][0]
    assert detail["field"] == "month" and words in detail["message_en"]


def test_csv_and_xlsx_are_the_same_bytes_each_time(client, tenants, db, seeded):
    headers = tenants["province"].headers
    for fmt in ("csv", "xlsx"):
        first = client.get(f"/api/v1/reports/monthly?month=2026-05&format={fmt}", headers=headers)
        again = client.get(f"/api/v1/reports/monthly?month=2026-05&format={fmt}", headers=headers)
        assert first.status_code == 200 and first.content == again.content
        assert "monthly-2026-05-province" in first.headers["content-disposition"]
    book = load_workbook(io.BytesIO(first.content))
    assert book.sheetnames[:2] == ["结对 pairings", "供需缺口 gaps"]
    pack = _pack(db, "2026-05")
    rows = list(book["结对 pairings"].iter_rows(min_row=2, values_only=True))
    assert [r[0] for r in rows] == [p["pairing_id"] for p in pack["pairings"]]
    assert [r[2] for r in rows] == [p["placements"]["month"] for p in pack["pairings"]]
    assert [r[-2:] for r in rows] == [(p["level_label"], p["version"]) for p in pack["pairings"]]


def test_the_first_monday_run_writes_the_same_packs_again(db, seeded, tmp_path):
    from app.reports.monthly import is_first_monday, run_monthly

    assert is_first_monday(date(2026, 6, 1)) and is_first_monday(date(2026, 7, 6))
    assert not is_first_monday(date(2026, 6, 8)) and not is_first_monday(date(2026, 7, 7))
    first = run_monthly(lambda: db.session(False), Month.parse("2026-05"), tmp_path, ["json", "xlsx"])
    before = {p.name: p.read_bytes() for p in first}
    again = run_monthly(lambda: db.session(False), Month.parse("2026-05"), tmp_path, ["json", "xlsx"])
    assert {p.name: p.read_bytes() for p in again} == before
    assert "province.json" in before and any(name.startswith("pairing-") for name in before)


def _backdate(db, action_id: int, days: list[str], due: str) -> None:
    """Move an action's events to these days (CST noon, oldest first) and its due date, as if written back then."""
    with db.session() as s, s.begin():
        ids = s.scalars(select(Event.id).where(Event.action_id == action_id).order_by(Event.id)).all()
        assert len(ids) == len(days)
        for event_id, day in zip(ids, days, strict=True):
            at = datetime.combine(date.fromisoformat(day), time(12), tzinfo=CST)
            s.execute(update(Event).where(Event.id == event_id).values(at=at, due_date=date.fromisoformat(due)))


def test_open_actions_carry_into_the_next_pack_and_overdue_ones_are_flagged(client, tenants, db):
    province, county = tenants["province"], tenants["county"]
    body = {"east_code": "441302", "west_code": "450225", "level": "county", "annual_target": 365,
            "effective_from": "2025-01-01"}  # fmt: skip
    pairing = client.post("/api/v1/pairings", json=body, headers=province.headers).json()["id"]
    path = f"/api/v1/pairings/{pairing}/actions"

    def action(issue: str, *changes: dict) -> int:
        made = client.post(path, json={"issue": issue, "owner_org_id": county.org_id, "due_date": "2099-01-01"},
                           headers=province.headers)  # fmt: skip
        assert made.status_code == 201, made.text
        for change in changes:
            tag = client.get(f"{path}/{made.json()['id']}", headers=county.headers).headers["ETag"]
            resp = client.patch(f"{path}/{made.json()['id']}", json=change, headers={**county.headers, "If-Match": tag})
            assert resp.status_code == 200, resp.text
        return made.json()["id"]

    lingering = action("回访惠城区电子厂的融水籍员工", {"status": "in_progress"})
    _backdate(db, lingering, ["2026-09-10", "2026-09-20"], due="2026-10-15")
    closed_in_october = action("补报10月岗位需求", {"status": "done", "closing_note": "已补报 40 个岗位"})
    _backdate(db, closed_in_october, ["2026-10-05", "2026-10-20"], due="2026-10-31")
    closed_in_september = action("核对9月离岗名单", {"status": "done", "closing_note": "已核对"})
    _backdate(db, closed_in_september, ["2026-09-01", "2026-09-15"], due="2026-09-30")

    september = _pack(db, "2026-09", pairing_id=pairing)
    assert {a["id"]: (a["status"], a["carried_over"], a["overdue"]) for a in september["actions"]} == {
        lingering: ("in_progress", False, False),
        closed_in_september: ("done", False, False),
    }
    october = _pack(db, "2026-10", pairing_id=pairing)
    by_id = {a["id"]: a for a in october["actions"]}
    assert set(by_id) == {lingering, closed_in_october}  # September's closed action stayed in September
    assert by_id[lingering]["carried_over"] and by_id[lingering]["overdue"]  # due 10-15, open on 10-31
    assert by_id[closed_in_october]["closed_on"] == "2026-10-20" and not by_id[closed_in_october]["overdue"]
    assert october["pairings"][0]["actions"] == {
        "raised": 1, "carried_over": 1, "closed": 1, "open_at_month_end": 1, "overdue_at_month_end": 1
    }  # fmt: skip
    november = _pack(db, "2026-11", pairing_id=pairing)
    assert [a["id"] for a in november["actions"]] == [lingering]
    # The CSV and XLSX carry the same actions, in words and with real dates.
    resp = client.get(f"/api/v1/reports/monthly?month=2026-10&pairing_id={pairing}&format=csv", headers=county.headers)
    text = resp.content.decode("utf-8-sig")
    assert f"{lingering} 回访惠城区电子厂的融水籍员工" in text and "是 / Yes" in text and "推进中 / In progress" in text
    resp = client.get(f"/api/v1/reports/monthly?month=2026-10&pairing_id={pairing}&format=xlsx", headers=county.headers)
    sheet = load_workbook(io.BytesIO(resp.content))["会商事项 actions"]
    rows = {r[1]: r for r in sheet.iter_rows(min_row=2, values_only=True)}
    assert rows[lingering][4].date() == date(2026, 10, 15) and rows[lingering][9] == "是 / Yes"
