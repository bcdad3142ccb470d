"""The report page cookie names a server-side session, never the key; sessions end with the key, on expiry
and on sign-out."""

from datetime import timedelta

from sqlalchemy import select, update

from app.db import utcnow
from app.orgs import service as orgs
from app.orgs.models import ReportSession

COOKIE = "lb_report_session"


def sign_in(client, key: str) -> str:  # type: ignore[no-untyped-def]
    resp = client.post("/reports/weekly/sign-in", data={"api_key": key}, follow_redirects=False)
    assert resp.status_code == 303, resp.text
    token = resp.cookies[COOKIE]
    assert key not in resp.headers["set-cookie"]
    return str(token)


def page_status(client, token: str) -> int:  # type: ignore[no-untyped-def]
    client.cookies.clear()
    client.cookies.set(COOKIE, token)
    return int(client.get("/reports/weekly").status_code)


def test_the_cookie_is_a_random_session_id_stored_only_as_a_hash(client, tenants, db):
    key = tenants["county"].key
    first, second = sign_in(client, key), sign_in(client, key)
    assert first != second and len(first) >= 40 and key not in (first, second)
    with db.session() as session:
        rows = session.scalars(select(ReportSession)).all()
    assert {r.id_hash for r in rows} == {orgs.hash_key(first), orgs.hash_key(second)}
    assert all(r.key_id == rows[0].key_id and r.expires_at > utcnow() + timedelta(hours=7) for r in rows)
    assert page_status(client, first) == 200


def test_the_raw_key_is_not_a_session(client, tenants):
    assert page_status(client, tenants["county"].key) == 401


def test_revoking_the_key_ends_its_sessions(client, tenants, db):
    token = sign_in(client, tenants["county"].key)
    other = sign_in(client, tenants["employer"].key)
    with db.session() as session, session.begin():
        assert orgs.revoke(session, api_key=tenants["county"].key) == 1
    assert page_status(client, token) == 401
    assert page_status(client, other) == 200


def test_an_expired_session_ends(client, tenants, db):
    token = sign_in(client, tenants["county"].key)
    with db.session() as session, session.begin():
        session.execute(update(ReportSession).values(expires_at=utcnow() - timedelta(seconds=1)))
    assert page_status(client, token) == 401
    sign_in(client, tenants["county"].key)  # a sign-in clears expired rows
    with db.session() as session:
        assert session.scalar(select(ReportSession).where(ReportSession.id_hash == orgs.hash_key(token))) is None


def test_sign_out_ends_the_session_on_the_server(client, tenants):
    token = sign_in(client, tenants["county"].key)
    resp = client.post("/reports/weekly/sign-out", follow_redirects=False)
    assert resp.status_code == 303
    assert page_status(client, token) == 401  # a copy of the cookie no longer works
