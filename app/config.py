"""Settings read from the environment (prefix LB_), refusing unsafe defaults outside development."""

import ipaddress
from functools import lru_cache
from pathlib import Path

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

ROOT = Path(__file__).resolve().parent.parent
DEV_PII_KEY = "dev-only-pii-key-change-me-0123456789abcdef"


class Settings(BaseSettings):
    """Every knob of the service; docker-compose and the Makefile set these and nothing else."""

    model_config = SettingsConfigDict(env_prefix="LB_", extra="ignore")

    environment: str = "development"
    # Empty means the embedded SQLite file in data_dir.
    database_url: str = ""
    # Secret for the keyed hash and the encryption of ID numbers and phones.
    pii_key: str = DEV_PII_KEY
    host: str = "127.0.0.1"
    port: int = 8000
    data_dir: Path = ROOT / "var"
    sql_echo: bool = False
    import_max_errors: int = 1000
    # Threads that run request handlers per server process (0: anyio's default of 40).
    request_threads: int = 0
    # How long a server trusts a key it has checked; a revoked key stops working within this time.
    auth_cache_seconds: float = 5.0
    import_max_bytes: int = 64 * 1024 * 1024  # a 100,000-row CSV is about 16 MB
    # Matcher: how often a process looks for a newly activated model, and re-checks the open-vacancy board.
    match_model_check_seconds: float = 5.0
    match_board_check_seconds: float = 1.0
    # Re-check (and rebuild) the board in a background thread, so no request waits for it; filled or closed
    # vacancies are still dropped at once, by a per-request check of the few vacancies about to be shown.
    match_refresh_in_background: bool = True
    # After a placement ends in a dispute, that employer is not offered to the worker for this many days.
    dispute_block_days: int = 365
    json_max_bytes: int = Field(
        default=1024 * 1024,
        description="Largest request body accepted by every route but the imports, counted as it streams in "
        "(a chunked body is cut off at this size, not read to its end).",
    )
    auth_fail_limit: int = Field(
        default=20,
        description="Failed authentications (wrong API key) one client address may make in a window before it "
        "gets 429; counted per server process, 0 turns the throttle off.",
    )
    auth_fail_window_seconds: float = Field(
        default=300.0,
        description="The window of LB_AUTH_FAIL_LIMIT, and the longest Retry-After a refused client is given.",
    )
    trusted_proxies: str = Field(
        default="127.0.0.1,::1",
        description="Comma-separated addresses or networks (CIDR) of reverse proxies whose X-Forwarded-For names "
        "the client; from any other peer the header is ignored.",
    )
    report_session_hours: float = Field(
        default=8.0,
        description="How long a sign-in to the report page lasts; revoking the key ends its sessions at once.",
    )

    @field_validator("trusted_proxies")
    @classmethod
    def _proxies_are_addresses(cls, value: str) -> str:
        for item in value.split(","):
            if item.strip():
                ipaddress.ip_network(item.strip(), strict=False)  # ValueError names the bad entry
        return value

    @property
    def trusted_proxy_networks(self) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
        return tuple(
            ipaddress.ip_network(p.strip(), strict=False) for p in self.trusted_proxies.split(",") if p.strip()
        )

    @model_validator(mode="after")
    def _refuse_unsafe_defaults(self) -> "Settings":
        if self.environment != "development" and (self.pii_key == DEV_PII_KEY or len(self.pii_key) < 32):
            raise ValueError("LB_PII_KEY must be set to a secret of 32+ characters outside development")
        if not self.database_url:
            self.database_url = f"sqlite:///{self.data_dir / 'laborbridge.db'}"
        return self


@lru_cache
def get_settings() -> Settings:
    return Settings()
