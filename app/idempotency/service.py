"""Idempotency-Key: the first successful answer is stored in the same transaction and replayed on retries."""

import hashlib
import json
from collections.abc import Callable
from typing import Any

from fastapi import Response
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.errors import Conflict, Msg, ValidationFailed
from app.idempotency import repository
from app.idempotency.models import IdempotencyRecord

REPLAYED_HEADERS = ("etag", "location")
KEY_REUSED = Msg(
    "同一个 Idempotency-Key 已用于不同的请求内容", "this Idempotency-Key was used with a different request"
)


def fingerprint(payload: Any) -> str:
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


def _replay(record: IdempotencyRecord, route: str, digest: str) -> Response:
    if record.fingerprint != digest or record.route != route:
        raise ValidationFailed.one("Idempotency-Key", KEY_REUSED)
    headers = {**record.headers, "Idempotent-Replayed": "true"}
    return Response(record.body, status_code=record.status_code, headers=headers, media_type="application/json")


def run_once(
    session: Session, org_id: int, key: str | None, route: str, payload: Any, action: Callable[[], Response]
) -> Response:
    """Run `action` once per (org, key); a retry gets the stored answer, a different body gets 422."""
    if not key:
        return action()
    if len(key) > 200:
        raise ValidationFailed.one(
            "Idempotency-Key",
            Msg("Idempotency-Key 太长（最多200字符）", "Idempotency-Key is too long (200 characters at most)"),
        )
    digest = fingerprint(payload)
    existing = repository.get(session, org_id, key)
    if existing is not None:
        return _replay(existing, route, digest)
    try:
        # Claim the key first: a concurrent twin blocks here until we commit, then replays our answer.
        with session.begin_nested():
            record = repository.add(
                session,
                IdempotencyRecord(org_id=org_id, key=key, route=route, fingerprint=digest, status_code=0, body=""),
            )
    except IntegrityError:
        existing = repository.get(session, org_id, key)
        if existing is None or existing.status_code == 0:
            raise Conflict(
                Msg(
                    "相同 Idempotency-Key 的请求正在处理，请稍后重试",
                    "a request with this Idempotency-Key is in progress; retry shortly",
                )
            ) from None
        return _replay(existing, route, digest)
    response = action()
    record.status_code = response.status_code
    record.body = bytes(response.body).decode()
    record.headers = {k: v for k, v in response.headers.items() if k in REPLAYED_HEADERS}
    session.flush()
    return response
