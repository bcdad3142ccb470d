"""HTTP hardening as pure ASGI: body-size limits while a body streams in, security headers, and a throttle
on failed authentications per client address."""

import ipaddress
import logging
import math
import threading
import time
from collections.abc import Callable, Iterable

from fastapi import FastAPI
from fastapi.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.config import Settings
from app.errors import PayloadTooLarge, TooManyRequests

log = logging.getLogger("laborbridge.security")
Network = ipaddress.IPv4Network | ipaddress.IPv6Network

# Pages for people (the report, /docs) may use their own inline styles and scripts, nothing from elsewhere.
PAGE_CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
# Anything else (JSON, CSV, XLSX) is data, never a document that runs or embeds anything.
DATA_CSP = "default-src 'none'; frame-ancestors 'none'"
HSTS = "max-age=31536000; includeSubDomains"


def install_security(app: FastAPI, settings: Settings) -> None:
    """Add the body limit and the headers (outermost, so even a 413 carries them) and the auth throttle."""
    app.state.auth_throttle = AuthThrottle(
        settings.auth_fail_limit, settings.auth_fail_window_seconds, settings.trusted_proxy_networks
    )
    app.add_middleware(BodyLimit, json_max_bytes=settings.json_max_bytes, import_max_bytes=settings.import_max_bytes)
    app.add_middleware(SecurityHeaders, hsts=settings.environment != "development")


class BodyLimit:
    """Refuse a body over its route's limit as it streams in, so a chunked body is never read to its end.

    Imports (paths ending in /import) get LB_IMPORT_MAX_BYTES, everything else LB_JSON_MAX_BYTES. The 413 is
    sent the moment the count passes the limit; the app then sees a disconnect, and whatever it answers is
    dropped. `Connection: close` tells the server not to read the rest of the body.
    """

    def __init__(self, app: ASGIApp, json_max_bytes: int, import_max_bytes: int) -> None:
        self.app = app
        self.json_max_bytes = json_max_bytes
        self.import_max_bytes = import_max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        upload = scope["path"].endswith("/import")
        limit = self.import_max_bytes if upload else self.json_max_bytes
        refusal = PayloadTooLarge(limit, upload=upload)
        for name, value in scope["headers"]:
            if name == b"content-length" and value.isdigit() and int(value) > limit:
                await _render(refusal, scope, receive, send)
                return
        state = {"received": 0, "started": False, "refused": False}

        async def counting_receive() -> Message:
            if state["refused"]:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                state["received"] += len(message.get("body", b""))
                if state["received"] > limit:
                    state["refused"] = True
                    if not state["started"]:
                        await _render(refusal, scope, receive, send)
                    return {"type": "http.disconnect"}
            return message

        async def tracking_send(message: Message) -> None:
            if state["refused"]:
                return  # the 413 has been sent; the app's answer to the disconnect goes nowhere
            if message["type"] == "http.response.start":
                state["started"] = True
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except Exception:
            if not state["refused"]:
                raise
            # The app failed on the cut-off body (a disconnect mid-parse): the client has its 413 already.


async def _render(error: PayloadTooLarge, scope: Scope, receive: Receive, send: Send) -> None:
    await JSONResponse(error.body(), status_code=error.status_code, headers=error.headers)(scope, receive, send)


class SecurityHeaders:
    """Headers every answer carries: no sniffing, no framing, no referrer, HSTS outside development, and
    `Cache-Control: no-store` on the API, whose answers hold tenants' data (reveal=pii ones above all)."""

    def __init__(self, app: ASGIApp, hsts: bool) -> None:
        self.app = app
        common = [
            (b"x-content-type-options", b"nosniff"),
            (b"x-frame-options", b"DENY"),
            (b"referrer-policy", b"no-referrer"),
        ]
        if hsts:
            common.append((b"strict-transport-security", HSTS.encode()))
        self.common = common

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        api = scope["path"].startswith("/api/")
        revealing = b"reveal=" in scope.get("query_string", b"")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                headers.extend(h for h in self.common if h[0] not in present)
                if b"content-security-policy" not in present:
                    html = any(n.lower() == b"content-type" and v.startswith(b"text/html") for n, v in headers)
                    headers.append((b"content-security-policy", (PAGE_CSP if html else DATA_CSP).encode()))
                if revealing:
                    headers = [(n, v) for n, v in headers if n.lower() != b"cache-control"]
                if revealing or (api and b"cache-control" not in present):
                    headers.append((b"cache-control", b"no-store"))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


def client_address(scope: Scope, trusted: Iterable[Network]) -> str:
    """The caller's address: the direct peer, or the last address a trusted proxy put in X-Forwarded-For."""
    client = scope.get("client")
    peer = client[0] if client else ""
    trusted = tuple(trusted)
    if not trusted or not _within(peer, trusted):
        return str(peer)
    forwarded = b",".join(v for n, v in scope["headers"] if n == b"x-forwarded-for").decode("latin-1")
    hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
    # Right to left: each trusted proxy appended the address it saw; the first untrusted one is the client.
    for hop in reversed(hops):
        if not _within(hop, trusted):
            return hop
    return hops[0] if hops else str(peer)


def _within(address: str, networks: tuple[Network, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in net for net in networks)


class AuthThrottle:
    """Counts wrong keys per client address in a fixed window; past the limit the address gets 429 until the
    window ends, whatever key it sends. Per server process: N processes allow N times the limit."""

    def __init__(
        self,
        limit: int,
        window_seconds: float,
        trusted_proxies: Iterable[Network] = (),
        clock: Callable[[], float] = time.monotonic,
        max_addresses: int = 100_000,
    ) -> None:
        self.limit = limit
        self.window = window_seconds
        self.trusted = tuple(trusted_proxies)
        self.clock = clock
        self.max_addresses = max_addresses
        self._failures: dict[str, list[float]] = {}  # address -> [window start, failures]
        self._lock = threading.Lock()

    def check(self, scope: Scope) -> None:
        """Raise TooManyRequests if this caller's address has used up its failures in the current window."""
        if not self._failures or self.limit <= 0:  # the common case costs one dict check
            return
        address = client_address(scope, self.trusted)
        with self._lock:
            entry = self._failures.get(address)
            if entry is None:
                return
            remaining = entry[0] + self.window - self.clock()
            if remaining <= 0:
                del self._failures[address]
                return
            if entry[1] >= self.limit:
                raise TooManyRequests(max(1, math.ceil(remaining)))

    def failed(self, scope: Scope) -> None:
        """Count one wrong key; the failure that reaches the limit is logged, once per window."""
        if self.limit <= 0:
            return
        address = client_address(scope, self.trusted)
        now = self.clock()
        with self._lock:
            entry = self._failures.get(address)
            if entry is None or entry[0] + self.window <= now:
                if len(self._failures) >= self.max_addresses:
                    self._forget_expired(now)
                entry = self._failures[address] = [now, 0]
            entry[1] += 1
            reached = entry[1] == self.limit
        if reached:
            log.warning(
                "%d failed authentications from %s within %.0f s: refusing it until the window ends",
                self.limit,
                address,
                self.window,
            )

    def _forget_expired(self, now: float) -> None:
        expired = [a for a, (start, _) in self._failures.items() if start + self.window <= now]
        for address in expired:
            del self._failures[address]
        if len(self._failures) >= self.max_addresses:  # a flood of distinct addresses: start over
            self._failures.clear()
