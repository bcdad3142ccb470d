"""PUT /vacancies/{id}/occupation: who may confirm or correct a code, If-Match, the append-only record; search."""

import pytest
from sqlalchemy import func, select

from app.matching import corrections
from app.matching.models import OccupationCorrection
from tests.factories import new_vacancy


def _put(client, tenant, vacancy_id, code, tag=None, **headers):
    if tag is not None:
        headers["If-Match"] = tag
    return client.put(
        f"/api/v1/vacancies/{vacancy_id}/occupation",
        json={"occupation_code": code},
        headers={**tenant.headers, **headers},
    )


def _tag(client, tenant, vacancy_id):
    return client.get(f"/api/v1/vacancies/{vacancy_id}", headers=tenant.headers).headers["ETag"]


def _rows(db):
    with db.session() as s:
        return list(s.scalars(select(OccupationCorrection).order_by(OccupationCorrection.id)))


class TestCorrect:
    def test_employer_corrects_its_vacancy_and_the_record_says_who_and_when(self, client, tenants, db):
        employer = tenants["employer"]
        vid = new_vacancy(client, employer)  # posted as 6-25-04-00
        tag = _tag(client, employer, vid)
        resp = _put(client, employer, vid, "6-31-05-00", tag)
        assert resp.status_code == 200, resp.text
        assert resp.json()["occupation_code"] == "6-31-05-00" and resp.json()["occupation_inferred"] is False
        assert resp.headers["ETag"] == f'"{vid}.{int(tag.strip(chr(34)).split(".")[1]) + 1}"'
        [row] = _rows(db)
        assert (row.vacancy_id, row.previous_code, row.code, row.org_id) == (
            vid,
            "6-25-04-00",
            "6-31-05-00",
            employer.org_id,
        )
        assert row.title == "电子厂普工（包吃住）" and row.created_at is not None and row.was_inferred is False

    def test_confirming_the_same_code_is_a_new_version_and_a_new_row(self, client, tenants, db):
        employer = tenants["employer"]
        vid = new_vacancy(client, employer)
        tag = _tag(client, employer, vid)
        resp = _put(client, employer, vid, "6-25-04-00", tag)
        assert resp.status_code == 200 and resp.headers["ETag"] != tag
        assert _put(client, employer, vid, "6-25-04-00", resp.headers["ETag"]).status_code == 200
        assert [r.code for r in _rows(db)] == ["6-25-04-00", "6-25-04-00"]  # append-only: both confirmations kept

    def test_province_of_either_side_may_correct_any_vacancy(self, client, tenants, make_tenant, db):
        vid = new_vacancy(client, tenants["employer"])
        guangdong = make_tenant("provincial_office", "440000")
        assert (
            _put(client, tenants["province"], vid, "6-31-05-00", _tag(client, tenants["employer"], vid)).status_code
            == 200
        )
        assert _put(client, guangdong, vid, "6-25-04-07", _tag(client, tenants["employer"], vid)).status_code == 200
        assert [r.org_id for r in _rows(db)] == [tenants["province"].org_id, guangdong.org_id]

    @pytest.mark.parametrize(
        ("role", "status"), [("county", 403), ("agency", 403), ("school", 403), ("other_employer", 404)]
    )
    def test_others_may_not(self, client, tenants, db, role, status):
        vid = new_vacancy(client, tenants["employer"])
        resp = _put(client, tenants[role], vid, "6-31-05-00", _tag(client, tenants["employer"], vid))
        assert resp.status_code == status
        assert _rows(db) == []


class TestPreconditions:
    def test_without_if_match_428_and_nothing_changes(self, client, tenants, db):
        employer = tenants["employer"]
        vid = new_vacancy(client, employer)
        for tag in (None, "*"):
            resp = _put(client, employer, vid, "6-31-05-00", tag)
            assert resp.status_code == 428 and "If-Match" in resp.json()["message"]
            assert "ETag" in resp.json()["message"] and any("\u4e00" <= ch <= "\u9fff" for ch in resp.json()["message"])
        assert _rows(db) == []
        assert (
            client.get(f"/api/v1/vacancies/{vid}", headers=employer.headers).json()["occupation_code"] == "6-25-04-00"
        )

    def test_a_stale_tag_is_412(self, client, tenants, db):
        employer = tenants["employer"]
        vid = new_vacancy(client, employer)
        old = _tag(client, employer, vid)
        client.patch(f"/api/v1/vacancies/{vid}", json={"wage_max": 6500}, headers={**employer.headers, "If-Match": old})
        assert _put(client, employer, vid, "6-31-05-00", old).status_code == 412
        assert _rows(db) == []

    def test_an_unknown_code_is_422_on_the_field(self, client, tenants, db):
        employer = tenants["employer"]
        vid = new_vacancy(client, employer)
        resp = _put(client, employer, vid, "9-99-99-99", _tag(client, employer, vid))
        assert resp.status_code == 422
        assert resp.json()["detail"][0]["field"] == "occupation_code"
        assert _rows(db) == []

    def test_a_retry_with_the_same_idempotency_key_records_once(self, client, tenants, db):
        employer = tenants["employer"]
        vid = new_vacancy(client, employer)
        tag = _tag(client, employer, vid)
        first = _put(client, employer, vid, "6-31-05-00", tag, **{"Idempotency-Key": "fix-1"})
        again = _put(client, employer, vid, "6-31-05-00", tag, **{"Idempotency-Key": "fix-1"})
        assert first.status_code == again.status_code == 200 and first.json() == again.json()
        assert len(_rows(db)) == 1


def test_confirmed_titles_keep_each_vacancys_latest_code(client, tenants, db):
    employer = tenants["employer"]
    vid = new_vacancy(client, employer, title="注塑车间学徒")
    other = new_vacancy(client, employer, title="打包员")
    tag = _put(client, employer, vid, "6-31-05-00", _tag(client, employer, vid)).headers["ETag"]
    _put(client, employer, vid, "6-14-02-00", tag)
    _put(client, employer, other, "6-31-05-00", _tag(client, employer, other))
    with db.session() as s:
        assert int(s.scalar(select(func.count()).select_from(OccupationCorrection))) == 3
        frame = corrections.confirmed_titles(s)
    assert sorted(zip(frame["title"], frame["code"], strict=True)) == [
        ("打包员", "6-31-05-00"),
        ("注塑车间学徒", "6-14-02-00"),
    ]


class TestSearch:
    def _codes(self, client, tenants, q):
        resp = client.get("/api/v1/occupations", params={"q": q}, headers=tenants["county"].headers)
        assert resp.status_code == 200, resp.text
        return [o["code"] for o in resp.json()]

    def test_the_words_a_clerk_types_find_the_general_worker_occupations(self, client, tenants):
        assert {"6-25-04-07", "6-31-05-00", "6-22-01-01", "6-14-02-00"} <= set(self._codes(client, tenants, "普工"))
        assert "6-31-05-00" in self._codes(client, tenants, "杂工")
        assert "4-02-05-01" in self._codes(client, tenants, "小工")
        assert {"4-03-02-01", "4-12-01-01"} <= set(self._codes(client, tenants, "学徒"))
        assert "6-22-01-01" in self._codes(client, tenants, "操作工")

    def test_search_by_code_prefix_or_full_code(self, client, tenants):
        prefix = self._codes(client, tenants, "6-31")
        assert prefix and all(c.startswith("6-31") for c in prefix) and "6-31-05-00" in prefix
        assert self._codes(client, tenants, "6-31-05-00") == ["6-31-05-00"]
        assert self._codes(client, tenants, "%") == []  # a LIKE wildcard is a character, not "everything"
