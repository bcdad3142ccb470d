"""Enrolment from a spreadsheet: a county office's workers by external_id, every row or none, walls and retries."""

import io

from openpyxl import Workbook
from sqlalchemy import func, select

from app.training.models import Enrolment


def _csv(*external_ids: str, header: str = "外部编号 external_id") -> bytes:
    return ("\n".join([header, *external_ids]) + "\n").encode()


def _xlsx(*external_ids: object) -> bytes:
    wb = Workbook()
    sheet = wb.active
    sheet.append(["外部编号 external_id", "姓名 name"])
    for ext in external_ids:
        sheet.append([ext, "韦小红"])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _upload(mclient, people, class_id: int, content: bytes, name: str = "e.csv", who: str = "county", key=None):
    headers = {**people[who].headers, **({"Idempotency-Key": key} if key else {})}
    return mclient.post(
        f"/api/v1/training/classes/{class_id}/enrolments/import", headers=headers, files={"file": (name, content)}
    )


def _count(db, class_id: int) -> int:
    with db.session() as session:
        return int(session.scalar(select(func.count()).where(Enrolment.class_id == class_id)))


def test_a_csv_enrols_every_listed_worker(mclient, people, make, db):
    klass = make.klass(capacity=5)
    exts = [f"CSV-{i}" for i in range(3)]
    for ext in exts:
        make.worker(external_id=ext)
    resp = _upload(mclient, people, klass["id"], _csv(*exts))
    assert resp.status_code == 201, resp.text
    assert resp.json() == {"created": 3, "rows": 3}
    assert _count(db, klass["id"]) == 3


def test_an_xlsx_with_a_bad_row_enrols_nobody_and_names_every_bad_row(mclient, people, make, db):
    klass = make.klass(capacity=10)
    make.worker(external_id="XL-1")
    make.worker("other_county", external_id="XL-OTHER", hukou_county="451122")  # not the county's own
    already = make.worker(external_id="XL-3")
    make.enrolment(klass["id"], already)
    resp = _upload(mclient, people, klass["id"], _xlsx("XL-1", "XL-OTHER", "XL-1", "XL-3", "NOPE"), "e.xlsx")
    assert resp.status_code == 422, resp.text
    rows = [(d["row"], d["field"]) for d in resp.json()["detail"]]
    assert rows == [(3, "external_id"), (4, "external_id"), (5, "external_id"), (6, "external_id")]
    assert all(d["message_zh"] and d["message_en"] for d in resp.json()["detail"])
    assert _count(db, klass["id"]) == 1  # only the one enrolled before


def test_more_rows_than_places_is_409_and_nobody_is_enrolled(mclient, people, make, db):
    klass = make.klass(capacity=2)
    exts = [f"CAP-{i}" for i in range(3)]
    for ext in exts:
        make.worker(external_id=ext)
    resp = _upload(mclient, people, klass["id"], _csv(*exts))
    assert resp.status_code == 409 and "only 2 places left" in resp.json()["message"]
    assert _count(db, klass["id"]) == 0


def test_a_file_without_the_column_is_422(mclient, people, make):
    resp = _upload(mclient, people, make.klass()["id"], _csv("A-1", header="姓名 name"))
    assert resp.status_code == 422 and resp.json()["detail"][0]["field"] == "file"


def test_walls_and_a_retried_upload(mclient, people, make, db):
    klass = make.klass(capacity=5)
    make.worker(external_id="RETRY-1")
    content = _csv("RETRY-1")
    for who, code in (("school", 403), ("employer", 403), ("province", 403), ("agency", 403)):
        assert _upload(mclient, people, klass["id"], content, who=who).status_code == code, who
    planned = make.klass(status="planned")
    assert _upload(mclient, people, planned["id"], content).status_code == 404  # not open to county offices
    first = _upload(mclient, people, klass["id"], content, key="import-enrol-1")
    again = _upload(mclient, people, klass["id"], content, key="import-enrol-1")
    assert first.status_code == again.status_code == 201 and again.headers["Idempotent-Replayed"] == "true"
    assert _count(db, klass["id"]) == 1
    # Another county's file naming the same external_id finds no such worker of its own.
    other = _upload(mclient, people, klass["id"], content, who="other_county")
    assert other.status_code == 422 and _count(db, klass["id"]) == 1
