"""Logs carry no ID number, phone, name or key, and redaction never breaks a handler (uvicorn's access log)."""

import logging
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from pydantic import BaseModel, field_validator
from uvicorn.logging import AccessFormatter, DefaultFormatter

from app.config import ROOT, Settings
from app.logging import install_redaction
from tests.support.pgcluster import free_port

ID_LIKE = re.compile(r"(?<![0-9])[0-9]{17}[0-9Xx](?![0-9])")
PHONE_LIKE = re.compile(r"(?<![0-9])1[3-9][0-9]{9}(?![0-9])")
PERSON = {"id_number": "451223199005130869", "phone": "13712345678", "name": "韦月桂"}
SECRETS = {
    "key": "lb_1a2b3c4d_querystringsecret0123456789",
    "api_key": "plain-secret-one",
    "token": "plain-secret-two",
    "access_token": "plain-secret-three",
}


def assert_clean(text: str) -> None:
    assert not ID_LIKE.findall(text), ID_LIKE.findall(text)
    assert not PHONE_LIKE.findall(text), PHONE_LIKE.findall(text)
    assert PERSON["name"] not in text
    assert "--- Logging error ---" not in text


class Served:
    def __init__(self, base: str, log: Path, process: subprocess.Popen[bytes]) -> None:
        self.base, self.log, self.process = base, log, process

    def output(self) -> str:
        """Everything the server wrote, after stopping it (so every line is flushed)."""
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=20)
        return self.log.read_text(encoding="utf-8", errors="replace")


@pytest.fixture
def served(settings: Settings, tmp_path: Path) -> Iterator[Served]:
    """`laborbridge serve` itself, as deployments run it (access log on), with stdout and stderr in one file."""
    port = free_port()
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "LB_DATABASE_URL": settings.database_url,
        "LB_PII_KEY": settings.pii_key,
        "LB_DATA_DIR": str(tmp_path),
        "LB_AUTH_CACHE_SECONDS": "0",
        "LB_MATCH_REFRESH_IN_BACKGROUND": "false",
    }
    log = tmp_path / "server.log"
    script = Path(sys.executable).parent / "laborbridge"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [str(script), "serve", "--port", str(port)], env=env, stdout=out, stderr=subprocess.STDOUT, cwd=tmp_path
        )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120  # the machine is shared: start-up imports scikit-learn and friends
    try:
        while True:
            if process.poll() is not None:
                pytest.fail(f"the server exited: {log.read_text()}")
            try:
                if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"the server did not start: {log.read_text()}")
            time.sleep(0.25)
        yield Served(base, log, process)
    finally:
        if process.poll() is None:
            process.terminate()
            process.wait(timeout=20)


def test_access_log_works_and_holds_no_personal_data_or_keys(served, tenants):
    county = tenants["county"].headers
    with httpx.Client(base_url=served.base, timeout=30) as http:
        invalid = http.post("/api/v1/workers", params={"src": "13900001111"}, json=PERSON, headers=county)
        listed = http.get("/api/v1/workers", params={"external_id": "13812345678"}, headers=county)
        keyed = http.get("/api/v1/workers", params=SECRETS)
    assert invalid.status_code == 422 and listed.status_code == 200
    assert keyed.status_code == 401  # a key in the query string is not a way in
    assert all("server" not in r.headers for r in (invalid, listed, keyed))  # uvicorn is not advertised

    text = served.output()
    assert 'POST /api/v1/workers?src=139****1111 HTTP/1.1" 422' in text, text
    assert 'GET /api/v1/workers?external_id=138****5678 HTTP/1.1" 200' in text, text
    assert 'GET /api/v1/workers?key=***&api_key=***&token=***&access_token=*** HTTP/1.1" 401' in text
    assert_clean(text)
    for secret in SECRETS.values():
        assert secret not in text


class Person(BaseModel):
    name: str
    id_number: str

    @field_validator("id_number")
    @classmethod
    def checked(cls, value: str) -> str:
        raise ValueError("bad checksum")


def _record(logger: logging.Logger, *args: object, **kwargs: object) -> logging.LogRecord:
    captured: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            captured.append(record)

    handler = Keep()
    logger.addHandler(handler)
    logger.propagate = False
    try:
        logger.error(*args, **kwargs)  # type: ignore[arg-type]
    finally:
        logger.removeHandler(handler)
    return captured[0]


def test_uvicorn_access_formatter_formats_a_redacted_record():
    install_redaction()
    record = _record(
        logging.getLogger("test.uvicorn.access"),
        '%s - "%s %s HTTP/%s" %d',
        "127.0.0.1:5000",
        "GET",
        "/api/v1/workers?phone=13812345678&token=abc",
        "1.1",
        200,
    )
    line = AccessFormatter('%(client_addr)s - "%(request_line)s" %(status_code)s', use_colors=False).format(record)
    assert line == '127.0.0.1:5000 - "GET /api/v1/workers?phone=138****5678&token=*** HTTP/1.1" 200 OK'


def test_a_validation_error_in_a_traceback_shows_where_and_why_not_the_values():
    install_redaction()
    try:
        Person.model_validate({"name": PERSON["name"], "id_number": PERSON["id_number"]})
    except ValueError:
        record = _record(logging.getLogger("test.traceback"), "unhandled error on %s", "/api/v1/workers", exc_info=True)
    text = DefaultFormatter("%(levelprefix)s %(message)s", use_colors=False).format(record)
    assert "Traceback" in text and "id_number: value_error" in text
    assert_clean(text)
    assert PERSON["id_number"][:6] not in text  # not even masked: pydantic's input is dropped whole


def test_a_phone_given_to_percent_d_is_masked_not_an_error():
    install_redaction()
    record = _record(logging.getLogger("test.number"), "called %d", 13812345678)
    assert logging.Formatter("%(message)s").format(record) == "called 138****5678"
