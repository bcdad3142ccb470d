"""Spreadsheet import: the template round trip, CSV and XLSX, all-or-none with every error by row, walls, retries."""

import csv
import io
import re
import zipfile
from datetime import date, timedelta
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook
from pydantic import ValidationError
from sqlalchemy import func, select

from app.clock import today
from app.workers import importer
from app.workers.idnumber import make_id_number
from app.workers.models import Worker
from app.workers.schemas import WorkerCreate
from tests.factories import id_number, worker_payload

IMPORT = "/api/v1/workers/import"
TEMPLATE = "/api/v1/workers/import/template"
FIELDS = [
    "external_id",
    "id_number",
    "name",
    "phone",
    "hukou_county",
    "education",
    "skills",
    "past_jobs",
    "desired_occupations",
    "channel_preference",
    "expected_wage",
    "registered_low_income",
    "monitored_household",
    "dependants",
    "consent_to_share",
]
CHINESE = [
    "外部编号",
    "身份证号",
    "姓名",
    "手机号",
    "户籍县",
    "文化程度",
    "技能职业代码",
    "过往工作",
    "意向职业代码",
    "就业渠道",
    "期望月薪",
    "建档立卡",
    "监测户",
    "赡养人数",
    "同意共享",
]
BILINGUAL = [f"{zh} {en}" for zh, en in zip(CHINESE, FIELDS, strict=True)]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def cell(value: Any) -> str:
    """How a clerk writes a value in a spreadsheet cell."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, list):
        return ";".join(value)
    return str(value)


def csv_bytes(rows: list[dict[str, Any]], headers: list[str] = BILINGUAL, encoding: str = "utf-8-sig") -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(headers)
    for row in rows:
        writer.writerow([cell(row.get(field)) for field in FIELDS[: len(headers)]])
    return out.getvalue().encode(encoding)


def xlsx_bytes(rows: list[list[Any]], headers: list[str] = BILINGUAL) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(headers)
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def upload(client, tenant, data: bytes, name: str = "workers.csv", **headers: str):  # type: ignore[no-untyped-def]
    media = XLSX if name.endswith(".xlsx") else "text/csv"
    return client.post(IMPORT, files={"file": (name, data, media)}, headers={**tenant.headers, **headers})


def listed(client, tenant) -> list[dict[str, Any]]:  # type: ignore[no-untyped-def]
    resp = client.get("/api/v1/workers", params={"limit": 500}, headers=tenant.headers)
    assert resp.status_code == 200, resp.text
    assert resp.json()["next_cursor"] is None
    return resp.json()["items"]


def errors_at(resp) -> set[tuple[int, str]]:  # type: ignore[no-untyped-def]
    return {(err["row"], err["field"]) for err in resp.json()["detail"]}


def under_16() -> str:
    return id_number(birth=date(today().year - 10, 6, 1))


def bad_checksum() -> str:
    good = id_number()
    return good[:17] + ("0" if good[17] != "0" else "1")


class TestTemplate:
    def test_csv_template_is_utf8_with_bom_bilingual_headers_and_one_example(self, client, tenants):
        resp = client.get(TEMPLATE, params={"format": "csv"}, headers=tenants["county"].headers)
        assert resp.status_code == 200
        assert resp.headers["content-type"].startswith("text/csv")
        assert resp.content.startswith("\ufeff".encode())
        rows = list(csv.reader(io.StringIO(resp.content.decode("utf-8-sig"))))
        assert rows[0] == BILINGUAL
        assert len(rows) == 2

    def test_xlsx_template_has_the_same_header_and_example(self, client, tenants):
        resp = client.get(TEMPLATE, params={"format": "xlsx"}, headers=tenants["county"].headers)
        assert resp.status_code == 200
        assert resp.headers["content-type"] == XLSX
        ws = load_workbook(io.BytesIO(resp.content)).worksheets[0]
        rows = list(ws.iter_rows(values_only=True))
        assert list(rows[0]) == BILINGUAL
        assert len(rows) == 2

    def test_filled_csv_template_imports(self, client, tenants):
        county = tenants["county"]
        text = client.get(TEMPLATE, params={"format": "csv"}, headers=county.headers).content.decode("utf-8-sig")
        header = next(csv.reader(io.StringIO(text)))
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(header)  # the example row is replaced by the office's own rows
        workers = [worker_payload() for _ in range(3)]
        for w in workers:
            writer.writerow([cell(w[field]) for field in FIELDS])
        resp = upload(client, county, ("\ufeff" + out.getvalue()).encode())
        assert resp.status_code == 201, resp.text
        assert resp.json() == {"created": 3, "rows": 3}
        assert sorted(w["external_id"] for w in listed(client, county)) == sorted(w["external_id"] for w in workers)

    def test_filled_xlsx_template_imports(self, client, tenants):
        county = tenants["county"]
        content = client.get(TEMPLATE, params={"format": "xlsx"}, headers=county.headers).content
        wb = load_workbook(io.BytesIO(content))
        ws = wb.worksheets[0]
        ws.delete_rows(2)
        for w in [worker_payload(), worker_payload()]:
            ws.append([cell(w[field]) for field in FIELDS])
        out = io.BytesIO()
        wb.save(out)
        resp = upload(client, county, out.getvalue(), "workers.xlsx")
        assert resp.status_code == 201, resp.text
        assert resp.json() == {"created": 2, "rows": 2}

    def test_the_example_row_left_in_is_refused(self, client, tenants):
        county = tenants["county"]
        content = client.get(TEMPLATE, params={"format": "xlsx"}, headers=county.headers).content
        resp = upload(client, county, content, "workers.xlsx")
        assert resp.status_code == 422
        assert errors_at(resp) == {(2, "external_id")}
        assert listed(client, county) == []

    def test_employers_get_no_template(self, client, tenants):
        resp = client.get(TEMPLATE, params={"format": "csv"}, headers=tenants["employer"].headers)
        assert resp.status_code == 403


class TestImportCsv:
    def test_good_rows_are_all_created_and_listed(self, client, tenants):
        county = tenants["county"]
        workers = [worker_payload() for _ in range(5)]
        resp = upload(client, county, csv_bytes(workers))
        assert resp.status_code == 201, resp.text
        assert resp.json() == {"created": 5, "rows": 5}
        items = {w["external_id"]: w for w in listed(client, county)}
        assert set(items) == {w["external_id"] for w in workers}
        first = items[workers[0]["external_id"]]
        assert first["id_number"].startswith("450225********")
        assert first["phone"] == "138****0000"
        assert first["skills"] == ["6-05-01-01"]
        assert first["registered_low_income"] is True
        assert first["owner_org_id"] == county.org_id
        assert listed(client, tenants["other_county"]) == []

    def test_chinese_only_headers_in_any_order_with_optional_columns_left_out(self, client, tenants):
        county = tenants["county"]
        w = worker_payload()
        data = (
            "姓名,身份证号,外部编号,文化程度,户籍县\n"
            + f"{w['name']},{w['id_number']},{w['external_id']},高中,450225\n"
        )
        resp = upload(client, county, data.encode())
        assert resp.status_code == 201, resp.text
        [item] = listed(client, county)
        assert item["education"] == "senior_secondary"
        assert (item["channel_preference"], item["dependants"], item["skills"]) == ("any", 0, [])

    def test_english_headers_are_matched_loosely_and_cells_are_forgiving(self, client, tenants):
        county = tenants["county"]
        headers = [" External ID ", "ID_NUMBER", "Name", "hukou_county", "Education", "Skills", "past jobs"]
        rows = [
            [f"E-{i}", id_number(), "覃", "450225", "junior_secondary", "6-05-01-01；6-25-04-00", "保安、快递员，厨工"]
            for i in range(2)
        ]
        data = "\n".join(",".join(f'"{c}"' for c in line) for line in [headers, *rows, ["", "", ""]]) + "\n\n"
        resp = upload(client, county, data.encode())
        assert resp.status_code == 201, resp.text
        assert resp.json() == {"created": 2, "rows": 2}  # trailing blank lines are not rows
        item = listed(client, county)[0]
        assert item["skills"] == ["6-05-01-01", "6-25-04-00"]
        assert item["past_jobs"] == ["保安", "快递员", "厨工"]

    @pytest.mark.parametrize(
        ("written", "stored"),
        [("是", True), ("否", False), ("TRUE", True), ("0", False), ("y", True), ("No", False), ("", False)],
    )
    def test_booleans_in_the_ways_clerks_write_them(self, client, tenants, written, stored):
        county = tenants["county"]
        resp = upload(client, county, csv_bytes([worker_payload(monitored_household=written)]))
        assert resp.status_code == 201, resp.text
        assert listed(client, county)[0]["monitored_household"] is stored

    def test_gb18030_csv_from_chinese_excel(self, client, tenants):
        county = tenants["county"]
        resp = upload(client, county, csv_bytes([worker_payload(name="韦秀英")], CHINESE, encoding="gb18030"))
        assert resp.status_code == 201, resp.text
        assert listed(client, county)[0]["name"] == "韦秀英"


class TestImportXlsx:
    def test_good_rows_with_numeric_cells(self, client, tenants):
        county = tenants["county"]
        rows = []
        for i in range(3):
            w = worker_payload()
            # What Excel hands back for cells typed as numbers: ints and floats, not text.
            rows.append(
                [
                    1000 + i,
                    w["id_number"],  # text, as the template's column format keeps it (see the next test)
                    w["name"],
                    13812340000,
                    450225,
                    "初中",
                    "6-05-01-01",
                    "电子厂普工;缝纫工",
                    "6-25-04-00",
                    "异地转移",
                    4500.0,
                    True,
                    False,
                    2,
                    "否",
                ]
            )
        resp = upload(client, county, xlsx_bytes(rows), "workers.xlsx")
        assert resp.status_code == 201, resp.text
        assert resp.json() == {"created": 3, "rows": 3}
        item = {w["external_id"]: w for w in listed(client, county)}["1000"]
        assert item["expected_wage"] == 4500
        assert item["phone"] == "138****0000"
        assert (item["education"], item["channel_preference"]) == ("junior_secondary", "cross_region")
        assert item["past_jobs"] == ["电子厂普工", "缝纫工"]
        assert (item["registered_low_income"], item["dependants"]) == (True, 2)

    def test_a_bad_row_stores_nothing(self, client, tenants):
        county = tenants["county"]
        good = [[cell(w[f]) for f in FIELDS] for w in (worker_payload(), worker_payload())]
        bad = [cell(worker_payload(hukou_county="451122")[f]) for f in FIELDS]
        resp = upload(client, county, xlsx_bytes([good[0], bad, good[1]]), "workers.xlsx")
        assert resp.status_code == 422
        assert errors_at(resp) == {(3, "hukou_county")}
        assert listed(client, county) == []

    def test_a_workbook_with_a_wrong_dimension_tag_is_read_whole(self, client, tenants):
        county = tenants["county"]
        rows = [[cell(w[f]) for f in FIELDS] for w in (worker_payload(), worker_payload(), worker_payload())]
        source = zipfile.ZipFile(io.BytesIO(xlsx_bytes(rows)))
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w") as target:
            for item in source.infolist():
                data = source.read(item)
                if item.filename == "xl/worksheets/sheet1.xml":
                    data = re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="A1"', data)
                target.writestr(item, data)
        resp = upload(client, county, out.getvalue(), "workers.xlsx")
        assert resp.status_code == 201, resp.text
        assert resp.json() == {"created": 3, "rows": 3}

    def test_an_id_number_in_a_number_cell_is_refused_with_a_hint(self, client, tenants):
        county = tenants["county"]
        w = worker_payload()
        row: list[Any] = [cell(w[f]) for f in FIELDS]
        row[1] = int(w["id_number"][:17] + "1")  # a number cell keeps 15 significant digits: the rest are lost
        resp = upload(client, county, xlsx_bytes([row]), "workers.xlsx")
        assert resp.status_code == 422
        [err] = resp.json()["detail"]
        assert (err["row"], err["field"]) == (2, "id_number")
        assert "Text" in err["message_en"]


class TestAllOrNone:
    @pytest.mark.parametrize(
        ("bad", "field"),
        [
            ({"id_number": "checksum"}, "id_number"),
            ({"id_number": "under16"}, "id_number"),
            ({"skills": ["9-99-99-99"]}, "skills"),
            ({"desired_occupations": ["6-25-04-00", "9-99-99-99"]}, "desired_occupations"),
            ({"hukou_county": "451122"}, "hukou_county"),
            ({"phone": "12345"}, "phone"),
            ({"education": "phd"}, "education"),
            ({"expected_wage": "-5"}, "expected_wage"),
            ({"name": None}, "name"),
        ],
        ids=lambda v: str(next(iter(v.values()))) if isinstance(v, dict) else str(v),
    )
    def test_one_bad_row_among_good_ones_stores_nothing(self, client, tenants, bad, field):
        county = tenants["county"]
        if bad.get("id_number") == "checksum":
            bad = {"id_number": bad_checksum()}
        elif bad.get("id_number") == "under16":
            bad = {"id_number": under_16()}
        rows = [worker_payload(), worker_payload(), worker_payload(**bad), worker_payload()]
        resp = upload(client, county, csv_bytes(rows))
        assert resp.status_code == 422, resp.text
        body = resp.json()
        assert body["error"] == "validation_error"
        assert errors_at(resp) == {(4, field)}
        assert body["detail"][0]["message_zh"] and body["detail"][0]["message_en"]
        assert listed(client, county) == []

    def test_rows_stored_by_earlier_batches_are_rolled_back(self, client, tenants, monkeypatch):
        monkeypatch.setattr(importer, "BATCH_ROWS", 3)
        county = tenants["county"]
        registered = worker_payload()
        assert client.post("/api/v1/workers", json=registered, headers=county.headers).status_code == 201
        rows = [worker_payload() for _ in range(9)] + [worker_payload(id_number=registered["id_number"])]
        resp = upload(client, county, csv_bytes(rows))
        assert resp.status_code == 422
        assert errors_at(resp) == {(11, "id_number")}  # found by the fourth batch's database check
        assert [w["external_id"] for w in listed(client, county)] == [registered["external_id"]]

    def test_duplicates_inside_the_file(self, client, tenants):
        county = tenants["county"]
        first = worker_payload()
        rows = [
            first,
            worker_payload(),
            worker_payload(id_number=first["id_number"].lower()),  # same person, lower-case x or not
            worker_payload(external_id=first["external_id"]),
        ]
        resp = upload(client, county, csv_bytes(rows))
        assert resp.status_code == 422
        assert errors_at(resp) == {(4, "id_number"), (5, "external_id")}
        assert "row 2" in resp.json()["detail"][0]["message_en"]
        assert listed(client, county) == []

    def test_already_in_the_database(self, client, tenants):
        county = tenants["county"]
        registered = worker_payload()
        assert client.post("/api/v1/workers", json=registered, headers=county.headers).status_code == 201
        elsewhere = worker_payload()  # another office registered this person: still one register
        other = tenants["other_county"]
        assert (
            client.post(
                "/api/v1/workers", json={**elsewhere, "hukou_county": "451122"}, headers=other.headers
            ).status_code
            == 201
        )
        rows = [
            worker_payload(),
            worker_payload(id_number=registered["id_number"]),
            worker_payload(external_id=registered["external_id"]),
            worker_payload(id_number=elsewhere["id_number"]),
            worker_payload(external_id=elsewhere["external_id"]),  # another office's numbering is not ours
        ]
        resp = upload(client, county, csv_bytes(rows))
        assert resp.status_code == 422
        assert errors_at(resp) == {(3, "id_number"), (4, "external_id"), (5, "id_number")}
        messages = {err["field"]: err["message_en"] for err in resp.json()["detail"]}
        assert messages["id_number"] == "a worker with this ID number is already registered"
        assert messages["external_id"] == "your office already has a worker with this external_id"
        assert len(listed(client, county)) == 1

    def test_every_error_comes_back_in_one_go_in_row_order(self, client, tenants):
        county = tenants["county"]
        rows = [worker_payload() for _ in range(6)]
        rows[1].update(phone="1", skills=["9-99-99-99"])
        rows[4].update(id_number=under_16())
        resp = upload(client, county, csv_bytes(rows))
        assert resp.status_code == 422
        detail = resp.json()["detail"]
        assert [(e["row"], e["field"]) for e in detail] == [(3, "phone"), (3, "skills"), (6, "id_number")]
        assert "3" in resp.json()["message"]

    def test_the_list_is_capped_and_says_how_many_there_were(self, client, tenants, monkeypatch):
        monkeypatch.setattr(client.app.state.settings, "import_max_errors", 3)
        county = tenants["county"]
        rows = [worker_payload(hukou_county="999999") for _ in range(5)]
        resp = upload(client, county, csv_bytes(rows))
        assert resp.status_code == 422
        body = resp.json()
        assert [e["row"] for e in body["detail"]] == [2, 3, 4]
        assert "5 errors" in body["message"] and "first 3" in body["message"]

    def test_unknown_and_missing_columns_are_reported_on_row_1(self, client, tenants):
        county = tenants["county"]
        data = "序号,外部编号,姓名,户籍县,文化程度\n1,A-1,韦,450225,初中\n"
        resp = upload(client, county, data.encode())
        assert resp.status_code == 422
        assert errors_at(resp) == {(1, "A: 序号"), (1, "id_number")}

    def test_values_under_no_header_are_not_dropped_silently(self, client, tenants):
        county = tenants["county"]
        w = worker_payload()
        data = csv_bytes([w]) + b"\n" + csv_bytes([worker_payload()]).splitlines()[1] + b",surprise\n"
        resp = upload(client, county, data)
        assert resp.status_code == 422
        assert errors_at(resp) == {(4, "column P")}


class TestFileProblems:
    @pytest.mark.parametrize(
        ("name", "data"),
        [
            ("workers.csv", b""),
            ("workers.csv", ",".join(BILINGUAL).encode() + b"\r\n"),
            ("workers.csv", ",".join(BILINGUAL).encode() + b"\r\n,,,\r\n\r\n"),
            ("workers.pdf", b"%PDF-1.4 not a spreadsheet"),
            ("workers", b"external_id,id_number\n"),
            ("workers.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100),
            ("workers.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100),
            ("workers.xlsx", b"external_id,id_number\n"),
            ("workers.xlsx", b"PK\x03\x04 truncated zip"),
            ("workers.csv", b"\xff\xfe" + "外部编号".encode("utf-16-le")),
        ],
        ids=[
            "empty",
            "header-only",
            "blank-rows",
            "pdf",
            "no-extension",
            "xls",
            "xls-renamed",
            "text-as-xlsx",
            "bad-zip",
            "utf16",
        ],
    )
    def test_refused_with_a_clear_message(self, client, tenants, name, data):
        resp = upload(client, tenants["county"], data, name)
        assert resp.status_code == 422, resp.text
        body = resp.json()
        assert body["message"] and body["detail"]


class TestAccess:
    @pytest.mark.parametrize("role", ["employer", "agency", "school", "province"])
    def test_only_county_offices_import(self, client, tenants, role):
        resp = upload(client, tenants[role], csv_bytes([worker_payload()]))
        assert resp.status_code == 403
        assert listed(client, tenants["province"]) == []

    def test_no_key_no_import(self, client, tenants):
        resp = client.post(IMPORT, files={"file": ("w.csv", csv_bytes([worker_payload()]), "text/csv")})
        assert resp.status_code == 401


class TestIdempotency:
    def test_a_retry_replays_the_answer_and_creates_nothing(self, client, tenants):
        county = tenants["county"]
        data = csv_bytes([worker_payload() for _ in range(3)])
        first = upload(client, county, data, **{"Idempotency-Key": "import-2026-05-01"})
        again = upload(client, county, data, **{"Idempotency-Key": "import-2026-05-01"})
        assert first.status_code == again.status_code == 201
        assert again.json() == first.json() == {"created": 3, "rows": 3}
        assert again.headers.get("Idempotent-Replayed") == "true"
        assert len(listed(client, county)) == 3

    def test_the_same_key_with_another_file_is_refused(self, client, tenants):
        county = tenants["county"]
        key = {"Idempotency-Key": "import-once"}
        assert upload(client, county, csv_bytes([worker_payload()]), **key).status_code == 201
        resp = upload(client, county, csv_bytes([worker_payload()]), **key)
        assert resp.status_code == 422
        assert len(listed(client, county)) == 1

    def test_a_failed_import_can_be_retried_with_the_same_key_after_fixing(self, client, tenants):
        county = tenants["county"]
        key = {"Idempotency-Key": "import-fixed"}
        rows = [worker_payload(), worker_payload(hukou_county="451122")]
        assert upload(client, county, csv_bytes(rows), **key).status_code == 422
        rows[1]["hukou_county"] = "450225"
        assert upload(client, county, csv_bytes(rows), **key).status_code == 201
        assert len(listed(client, county)) == 2


def test_five_thousand_rows(client, tenants, db):
    county = tenants["county"]
    rows = []
    for i in range(5000):
        # 1,000 serials a day: enough distinct, valid ID numbers.
        birth = date(1980, 1, 1 + i // 1000)
        rows.append(worker_payload(external_id=f"BULK-{i:05d}", id_number=make_id_number("450225", birth, i % 1000)))
    resp = upload(client, county, csv_bytes(rows))
    assert resp.status_code == 201, resp.text
    assert resp.json() == {"created": 5000, "rows": 5000}
    with db.session(write=False) as session:
        assert (
            session.scalar(select(func.count()).select_from(Worker).where(Worker.owner_org_id == county.org_id)) == 5000
        )
    found = client.get("/api/v1/workers", params={"external_id": "BULK-04999"}, headers=county.headers).json()
    assert [w["external_id"] for w in found["items"]] == ["BULK-04999"]


def test_an_upload_over_the_limit_is_413(client, tenants, app):
    limit = app.state.settings.import_max_bytes
    app.state.settings.import_max_bytes = 100
    try:
        resp = client.post(
            "/api/v1/workers/import",
            files={"file": ("w.csv", b"external_id,id_number\n" + b"x" * 200, "text/csv")},
            headers=tenants["county"].headers,
        )
    finally:
        app.state.settings.import_max_bytes = limit
    assert resp.status_code == 413 and resp.json()["error"] == "payload_too_large"


def test_a_file_without_a_header_row_does_not_echo_personal_data(client, tenants):
    row = "A-1,45022519900102456X,韦小红,13900001111,450225,初中\n"
    resp = client.post(
        "/api/v1/workers/import",
        files={"file": ("w.csv", row.encode(), "text/csv")},
        headers=tenants["county"].headers,
    )
    assert resp.status_code == 422
    assert "45022519900102456X" not in resp.text and "13900001111" not in resp.text
    assert "450225********456X" in resp.text  # the column is still recognisable


def _age_16_birth(days_after: int) -> date:
    """The birth date of someone who turns 16 `days_after` days from today (negative: turned 16 already)."""
    now = today()
    try:
        birth = now.replace(year=now.year - 16)
    except ValueError:  # 29 February
        birth = now.replace(year=now.year - 16, day=28)
    return birth + timedelta(days=days_after)


class TestColumnChecks:
    """The column-wise checks pass a row only if WorkerCreate would pass it with the very same values."""

    OCCUPATIONS = frozenset({"6-05-01-01", "6-25-04-00"})
    GOOD_ID = make_id_number("450225", date(1996, 2, 29), 123)
    VARIANTS: list[tuple[str, Any]] = [
        ("id_number", GOOD_ID.lower()),
        ("id_number", GOOD_ID[:17] + ("0" if GOOD_ID[17] != "0" else "1")),
        ("id_number", make_id_number("450225", date(1996, 3, 1), 7)[:17] + "X"),
        ("id_number", make_id_number("450225", _age_16_birth(0), 5)),
        ("id_number", make_id_number("450225", _age_16_birth(1), 5)),
        ("id_number", make_id_number("450225", today() + timedelta(days=3), 5)),
        ("id_number", "4502251997022912" + "3X"),
        ("id_number", "45022519961301123X"),
        ("id_number", "45022519960100123X"),
        ("id_number", "45022500000101123X"),
        ("id_number", "４５０２２５" + GOOD_ID[6:]),
        ("id_number", GOOD_ID[:17]),
        ("id_number", GOOD_ID[:8] + " " + GOOD_ID[9:]),
        ("phone", "12812340000"),
        ("phone", "1381234000"),
        ("phone", "138123400001"),
        ("phone", "+8613812340000"),
        ("phone", "１３８１２３４００００"),
        ("phone", 13812340000),
        ("hukou_county", "45022"),
        ("hukou_county", "４５０２２５"),
        ("hukou_county", 450225.0),
        ("external_id", "x" * 64),
        ("external_id", "x" * 65),
        ("external_id", "a\x00b"),
        ("name", "韦" * 65),
        ("name", "韦\x00"),
        ("education", "phd"),
        ("education", "初中"),
        ("education", "Junior_Secondary"),
        ("education", "  本科 "),
        ("channel_preference", "就近"),
        ("channel_preference", "everywhere"),
        ("skills", ";".join(["6-05-01-01"] * 30)),
        ("skills", ";".join(["6-05-01-01"] * 31)),
        ("skills", "9-99-99-99"),
        ("skills", "6-05-01-0１"),
        ("desired_occupations", "6-25-04-00，6-05-01-01"),
        ("past_jobs", "保安、快递员"),
        ("past_jobs", "工" * 101),
        ("past_jobs", ";".join(["工"] * 31)),
        ("expected_wage", "0"),
        ("expected_wage", "00"),
        ("expected_wage", "0450"),
        ("expected_wage", "+4500"),
        ("expected_wage", "4500.0"),
        ("expected_wage", 4500.5),
        ("expected_wage", "100000"),
        ("expected_wage", "100001"),
        ("expected_wage", "4_500"),
        ("expected_wage", "４５００"),
        ("expected_wage", True),
        ("dependants", "30"),
        ("dependants", "31"),
        ("dependants", "-1"),
        ("dependants", 2.0),
        ("registered_low_income", "是"),
        ("registered_low_income", "TRUE"),
        ("registered_low_income", "maybe"),
        ("registered_low_income", 1),
        ("consent_to_share", True),
    ]

    def rows(self) -> list[dict[str, Any]]:
        base = {**{k: cell(v) for k, v in worker_payload().items()}, "id_number": self.GOOD_ID}
        return [base] + [{**base, field: value} for field, value in self.VARIANTS]

    def test_a_passed_row_has_exactly_the_values_workercreate_gives_it(self):
        rows = self.rows()
        columns = {name: importer._convert_column(name, [row.get(name) for row in rows]) for name in FIELDS}
        values, valid = importer._checked_columns(columns, self.OCCUPATIONS, today())
        for i, (row, passed) in enumerate(zip(rows, valid, strict=True)):
            raw = {name: columns[name][i] for name in FIELDS if columns[name][i] is not None}
            try:
                expected: dict[str, Any] | None = WorkerCreate.model_validate(raw).model_dump()
            except ValidationError:
                expected = None
            if passed:
                assert expected == {name: values[name][i] for name in FIELDS}, row
        # The checks do pass the plain forms, so the fast path is the one clean files take.
        passed = {(field, str(value)) for (field, value), ok in zip(self.VARIANTS, valid[1:], strict=True) if ok}
        assert valid[0]
        assert {("id_number", self.GOOD_ID.lower()), ("education", "初中"), ("expected_wage", "0")} <= passed
        assert ("registered_low_income", "TRUE") in passed and ("skills", ";".join(["6-05-01-01"] * 30)) in passed

    def test_rows_the_checks_cannot_pass_get_workercreates_messages(self, client, tenants):
        county = tenants["county"]
        rows = [worker_payload(expected_wage="+4500"), worker_payload(phone="１３８１２３４００００")]
        resp = upload(client, county, csv_bytes(rows))
        assert resp.status_code == 422
        assert errors_at(resp) == {(3, "phone")}
        [err] = resp.json()["detail"]
        assert err["message_en"] == "must be an 11-digit mobile number"
