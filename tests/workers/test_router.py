"""Worker profiles: validation, masking, audited reveal, ETags, duplicates."""

import io
import logging
from datetime import date

import pytest
from sqlalchemy import func, select

from app.audit.models import PiiRead
from app.clock import today
from app.workers.idnumber import make_id_number
from app.workers.models import Worker
from tests.factories import id_number, patch_fresh, worker_payload


def _count(db) -> int:
    with db.session() as session:
        return session.scalar(select(func.count()).select_from(Worker))


def _post(client, tenant, **overrides):
    return client.post("/api/v1/workers", json=worker_payload(**overrides), headers=tenant.headers)


def _fields(resp) -> set[str]:
    """Top-level field names (a list item's error reads `skills.0`)."""
    return {item["field"].split(".")[0] for item in resp.json()["detail"]}


class TestCreateWorker:
    def test_created_with_derived_sex_and_age_and_masked_pii(self, client, tenants):
        number = make_id_number("450225", date(1990, 6, 1), 123)  # odd 17th digit: male
        resp = _post(client, tenants["county"], id_number=number, phone="13912345678")
        assert resp.status_code == 201, resp.text
        body = resp.json()
        assert body["id_number"] == number[:6] + "********" + number[-4:]
        assert body["phone"] == "139****5678"
        assert body["sex"] == "male"
        assert body["age"] == today().year - 1990 - ((today().month, today().day) < (6, 1))
        assert "birth_date" not in body
        assert resp.headers["ETag"] == f'"{body["id"]}.1"'

    def test_id_number_is_not_readable_in_the_database(self, client, tenants, db):
        number = id_number()
        _post(client, tenants["county"], id_number=number, phone="13800001111")
        with db.session() as session:
            row = session.execute(select(Worker.__table__)).mappings().one()
        stored = " ".join(str(v) for v in row.values())
        assert number not in stored and number[6:14] not in stored
        birth = f"{number[6:10]}-{number[10:12]}-{number[12:14]}"
        assert birth not in stored  # beside the mask (county + last 4), a birth date would rebuild the number
        assert "13800001111" not in stored

    @pytest.mark.parametrize(
        ("overrides", "field"),
        [
            ({"id_number": "450225199503141230"}, "id_number"),  # wrong checksum
            ({"id_number": make_id_number("450225", date(today().year - 15, 1, 1), 7)}, "id_number"),  # under 16
            ({"id_number": "45022519950314123"}, "id_number"),  # 17 characters
            ({"hukou_county": "459999"}, "hukou_county"),  # no such division
            ({"hukou_county": "451122"}, "hukou_county"),  # real, but another office's county
            ({"hukou_county": "450200"}, "hukou_county"),  # a prefecture, not a county
            ({"skills": ["9-99-99-99"]}, "skills"),  # unknown CSCO code
            ({"desired_occupations": ["6-25-04"]}, "desired_occupations"),  # malformed code
            ({"owner_org_id": 99}, "owner_org_id"),  # mass assignment
            ({"id": 5}, "id"),
            ({"education": "phd"}, "education"),
            ({"phone": "12345"}, "phone"),
            ({"expected_wage": -1}, "expected_wage"),
        ],
    )
    def test_bad_input_is_422_with_the_field_and_nothing_written(self, client, tenants, db, overrides, field):
        resp = _post(client, tenants["county"], **overrides)
        assert resp.status_code == 422, resp.text
        body = resp.json()
        assert body["error"] == "validation_error"
        assert field in _fields(resp)
        item = next(i for i in body["detail"] if i["field"].split(".")[0] == field)
        assert item["message_zh"] and item["message_en"] and " / " in item["message"]
        assert _count(db) == 0

    def test_checksum_message_is_bilingual(self, client, tenants):
        resp = _post(client, tenants["county"], id_number="450225199503141230")
        item = resp.json()["detail"][0]
        assert "校验位" in item["message_zh"] and "checksum" in item["message_en"]

    def test_a_person_registers_once_even_across_offices(self, client, tenants, make_tenant, db):
        number = id_number()
        assert _post(client, tenants["county"], id_number=number).status_code == 201
        second = _post(client, tenants["county"], id_number=number.lower())
        assert second.status_code == 409 and "id_number" in _fields(second)
        prefecture_office = make_tenant("county_office", "450200", "柳州市就业局")
        assert _post(client, prefecture_office, id_number=number).status_code == 409
        assert _count(db) == 1

    def test_external_id_is_unique_per_office(self, client, tenants):
        assert _post(client, tenants["county"], external_id="A-1").status_code == 201
        assert _post(client, tenants["county"], external_id="A-1").status_code == 409
        assert _post(client, tenants["other_county"], external_id="A-1", hukou_county="451122").status_code == 201


class TestReveal:
    def test_pii_scope_reveals_and_every_read_is_audited(self, client, make_tenant, db):
        office = make_tenant("county_office", "450225", "融水县人社局", ["pii:read"])
        number = id_number()
        created = _post(client, office, id_number=number, phone="13500002222").json()
        for _ in range(2):
            resp = client.get(f"/api/v1/workers/{created['id']}?reveal=pii", headers=office.headers)
            assert resp.status_code == 200
            assert resp.json()["id_number"] == number and resp.json()["phone"] == "13500002222"
        with db.session() as session:
            reads = session.scalars(select(PiiRead)).all()
        assert [(r.org_id, r.subject_id, r.fields) for r in reads] == [
            (office.org_id, created["id"], "id_number,phone")
        ] * 2
        assert all(r.created_at is not None and r.route.endswith(str(created["id"])) for r in reads)

    def test_without_the_scope_reveal_is_403_and_nothing_leaks(self, client, tenants, db):
        created = _post(client, tenants["county"]).json()
        resp = client.get(f"/api/v1/workers/{created['id']}?reveal=pii", headers=tenants["county"].headers)
        assert resp.status_code == 403
        with db.session() as session:
            assert session.scalar(select(func.count()).select_from(PiiRead)) == 0

    def test_lists_are_masked(self, client, tenants):
        _post(client, tenants["county"], phone="13700003333")
        items = client.get("/api/v1/workers", headers=tenants["county"].headers).json()["items"]
        assert items[0]["phone"] == "137****3333" and "********" in items[0]["id_number"]


def test_pii_never_reaches_the_logs(client, tenants, caplog):
    number = id_number()
    caplog.set_level(logging.DEBUG)
    resp = _post(client, tenants["county"], id_number=number, phone="13600004444")
    logging.getLogger("laborbridge.test").warning("echo %s %s", number, "13600004444")
    _post(client, tenants["county"], id_number=number, phone="13600004444")  # a 409 path too
    assert resp.status_code == 201
    text = caplog.text + "".join(r.getMessage() for r in caplog.records)
    assert number not in text and "13600004444" not in text
    assert number[:6] + "********" in text  # the echo line was written, redacted


class TestUpdateWorker:
    def test_patch_with_current_etag_updates_and_bumps_it(self, client, tenants):
        created = _post(client, tenants["county"])
        etag = created.headers["ETag"]
        wid = created.json()["id"]
        resp = client.patch(
            f"/api/v1/workers/{wid}",
            json={"expected_wage": 5200},
            headers={**tenants["county"].headers, "If-Match": etag},
        )
        assert resp.status_code == 200 and resp.json()["expected_wage"] == 5200
        assert resp.headers["ETag"] == f'"{wid}.2"'

    def test_stale_if_match_is_412_and_changes_nothing(self, client, tenants):
        created = _post(client, tenants["county"])
        etag, wid = created.headers["ETag"], created.json()["id"]
        headers = tenants["county"].headers
        assert (
            client.patch(
                f"/api/v1/workers/{wid}", json={"dependants": 2}, headers={**headers, "If-Match": etag}
            ).status_code
            == 200
        )
        stale = client.patch(f"/api/v1/workers/{wid}", json={"dependants": 3}, headers={**headers, "If-Match": etag})
        assert stale.status_code == 412
        assert client.get(f"/api/v1/workers/{wid}", headers=headers).json()["dependants"] == 2

    def test_patch_validates_like_create(self, client, tenants):
        wid = _post(client, tenants["county"]).json()["id"]
        headers = tenants["county"].headers
        for body, field in (
            ({"hukou_county": "440103"}, "hukou_county"),
            ({"name": None}, "name"),
            ({"owner_org_id": 2}, "owner_org_id"),
            ({"skills": ["1-1"]}, "skills"),
        ):
            resp = patch_fresh(client, f"/api/v1/workers/{wid}", json=body, headers=headers)
            assert resp.status_code == 422 and field in _fields(resp), (body, resp.text)

    def test_changing_the_id_number_rederives_sex_and_masks(self, client, tenants):
        wid = _post(client, tenants["county"]).json()["id"]
        number = make_id_number("450225", date(1988, 2, 2), 451)
        resp = patch_fresh(
            client, f"/api/v1/workers/{wid}", json={"id_number": number}, headers=tenants["county"].headers
        )
        assert resp.json()["sex"] == "male" and resp.json()["id_number"].endswith(number[-4:])


class TestListWorkers:
    def test_cursor_pages_through_everything_once(self, client, tenants):
        ids = {_post(client, tenants["county"]).json()["id"] for _ in range(7)}
        seen, cursor = [], None
        while True:
            params = {"limit": 3} | ({"cursor": cursor} if cursor else {})
            page = client.get("/api/v1/workers", params=params, headers=tenants["county"].headers).json()
            seen += [w["id"] for w in page["items"]]
            cursor = page["next_cursor"]
            if cursor is None:
                break
        assert seen == sorted(ids)

    def test_filters(self, client, tenants):
        _post(client, tenants["county"], education="college", monitored_household=True)
        _post(client, tenants["county"], education="primary")
        got = client.get(
            "/api/v1/workers",
            params={"education": "college", "monitored_household": True},
            headers=tenants["county"].headers,
        ).json()["items"]
        assert [w["education"] for w in got] == ["college"]

    def test_bad_cursor_and_limit_are_422(self, client, tenants):
        headers = tenants["county"].headers
        assert client.get("/api/v1/workers?cursor=@@@", headers=headers).status_code == 422
        resp = client.get("/api/v1/workers?limit=0", headers=headers)
        assert resp.status_code == 422 and _fields(resp) == {"limit"}


class TestChineseValues:
    """The JSON API reads the import template's Chinese words; answers keep the codes and add labels."""

    def test_the_templates_words_are_accepted_and_answered_as_codes_with_labels(self, client, tenants):
        resp = _post(client, tenants["county"], education="初中", channel_preference="异地转移")
        assert resp.status_code == 201, resp.text
        body = resp.json()
        assert (body["education"], body["channel_preference"]) == ("junior_secondary", "cross_region")
        assert body["education_label"] == "初中 / Junior secondary"
        assert body["channel_preference_label"] == "异地转移 / Cross-region transfer"
        other = _post(client, tenants["county"], education="技校", channel_preference="不限").json()
        assert (other["education"], other["channel_preference"]) == ("vocational", "any")
        got = client.get("/api/v1/workers", params={"education": "初中"}, headers=tenants["county"].headers)
        assert got.status_code == 200 and [w["id"] for w in got.json()["items"]] == [body["id"]]
        etag = client.get(f"/api/v1/workers/{body['id']}", headers=tenants["county"].headers).headers["ETag"]
        patched = client.patch(
            f"/api/v1/workers/{body['id']}",
            json={"education": "高中"},
            headers={**tenants["county"].headers, "If-Match": etag},
        )
        assert patched.status_code == 200 and patched.json()["education"] == "senior_secondary"

    def test_a_wrong_value_is_told_in_chinese_labels(self, client, tenants, db):
        resp = _post(client, tenants["county"], education="博士", channel_preference="出国")
        assert resp.status_code == 422
        items = {i["field"]: i for i in resp.json()["detail"]}
        education, channel = items["education"], items["channel_preference"]
        assert education["message_zh"] == "应为以下之一：无、小学、初中、高中、中专、大专、本科及以上"
        assert " or " not in education["message_zh"] and "junior_secondary" in education["message_en"]
        assert channel["message_zh"] == "应为以下之一：异地转移、就地、就近、不限"
        assert _count(db) == 0

    def test_the_import_template_lists_the_same_words(self, client, tenants):
        from openpyxl import load_workbook

        from app.labels import VOCABULARIES

        resp = client.get("/api/v1/workers/import/template?format=xlsx", headers=tenants["county"].headers)
        sheet = load_workbook(io.BytesIO(resp.content)).worksheets[0]
        lists = sorted(v.formula1 for v in sheet.data_validations.dataValidation)
        education = ",".join(item.zh for item in VOCABULARIES["education"].values())
        channel = ",".join(item.zh for item in VOCABULARIES["channel"].values())
        assert f'"{education}"' in lists and f'"{channel}"' in lists
