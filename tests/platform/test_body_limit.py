"""Bodies over their route's limit are refused while they stream in, with or without Content-Length."""

import json
import select
import socket
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient

from app.main import create_app

JSON_MAX, IMPORT_MAX = 4 * 1024, 16 * 1024


@pytest.fixture
def small(settings, db) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    app = create_app(settings.model_copy(update={"json_max_bytes": JSON_MAX, "import_max_bytes": IMPORT_MAX}), db)
    with TestClient(app) as client:
        yield client


def chunks(total: int, size: int = 1024) -> Iterator[bytes]:
    """A body with no Content-Length: the client sends it chunked."""
    sent = 0
    while sent < total:
        yield b" " * min(size, total - sent)
        sent += size


def assert_too_large(resp, limit_text: str) -> None:  # type: ignore[no-untyped-def]
    assert resp.status_code == 413, resp.text
    body = resp.json()
    assert body["error"] == "payload_too_large" and body["detail"] == []
    assert limit_text in body["message"] and " / " in body["message"]  # Chinese / English


class TestJsonRoutes:
    def test_a_chunked_body_over_the_limit_is_refused(self, small, tenants):
        headers = {**tenants["employer"].headers, "Content-Type": "application/json"}
        resp = small.post("/api/v1/vacancies", content=chunks(JSON_MAX * 4), headers=headers)
        assert_too_large(resp, "4 KB")
        assert "larger than 4 KB" in resp.json()["message"]

    def test_a_declared_length_over_the_limit_is_refused_before_reading(self, small, tenants):
        headers = {**tenants["employer"].headers, "Content-Type": "application/json"}
        resp = small.post("/api/v1/vacancies", content=b" " * (JSON_MAX + 1), headers=headers)
        assert_too_large(resp, "4 KB")

    def test_a_body_within_the_limit_is_read_as_usual(self, small, tenants):
        body = json.dumps({"title": "x"}).encode()
        headers = {**tenants["employer"].headers, "Content-Type": "application/json"}
        resp = small.post("/api/v1/vacancies", content=iter([body]), headers=headers)
        assert resp.status_code == 422  # the body was read and validated, not cut off

    def test_the_refusal_carries_the_security_headers(self, small):
        resp = small.post("/api/v1/vacancies", content=chunks(JSON_MAX * 2))
        assert resp.status_code == 413 and resp.headers["x-content-type-options"] == "nosniff"


class TestImports:
    def _upload(self, client, tenant, size: int):  # type: ignore[no-untyped-def]
        csv = b"external_id\n" + b"x\n" * (size // 2)
        return client.post("/api/v1/workers/import", files={"file": ("w.csv", csv, "text/csv")}, headers=tenant.headers)

    def test_an_upload_over_the_json_limit_but_within_the_import_limit_is_read(self, small, tenants):
        resp = self._upload(small, tenants["county"], JSON_MAX * 2)
        assert resp.status_code == 422 and resp.json()["error"] == "validation_error"  # the CSV was looked at

    def test_an_upload_over_the_import_limit_is_refused(self, small, tenants):
        assert_too_large(self._upload(small, tenants["county"], IMPORT_MAX * 2), "16 KB")

    def test_a_chunked_upload_over_the_import_limit_is_refused(self, small, tenants):
        headers = {**tenants["county"].headers, "Content-Type": "multipart/form-data; boundary=b"}
        head = b'--b\r\nContent-Disposition: form-data; name="file"; filename="w.csv"\r\n\r\n'
        resp = small.post("/api/v1/workers/import", content=iter([head, *chunks(IMPORT_MAX * 2)]), headers=headers)
        assert_too_large(resp, "16 KB")
        assert "split" in resp.json()["message"]


def test_a_real_server_stops_reading_a_chunked_body_at_the_limit(live_server, settings):
    """Through uvicorn: a 64 MB chunked body is cut off near the 1 MB limit, not received to its end."""
    limit, total, piece = settings.json_max_bytes, 64 * 1024 * 1024, 64 * 1024
    url = urlsplit(live_server)
    sock = socket.create_connection((url.hostname, url.port), timeout=30)
    sent, answer = 0, b""
    try:
        sock.sendall(
            b"POST /api/v1/vacancies HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n"
            b"Transfer-Encoding: chunked\r\n\r\n"
        )
        frame = b"%x\r\n%s\r\n" % (piece, b" " * piece)
        while sent < total:
            sock.sendall(frame)
            sent += piece
            # A short pause per piece lets the server answer before the kernel buffers fill.
            if select.select([sock], [], [], 0.01)[0]:
                break
        else:
            sock.sendall(b"0\r\n\r\n")
        sock.settimeout(30)
        while chunk := sock.recv(65536):
            answer += chunk
    except (BrokenPipeError, ConnectionResetError):
        pass  # the server closed the connection on a body it will not read: also a refusal
    finally:
        sock.close()
    assert sent < limit + 8 * 1024 * 1024, f"{sent} bytes sent before the server answered or closed"
    if answer:
        assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
        assert b'"payload_too_large"' in answer
