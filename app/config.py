"""Settings read from the environment (prefix LB_), refusing unsafe defaults outside development."""

import ipaddress
import json
from functools import lru_cache
from pathlib import Path

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

ROOT = Path(__file__).resolve().parent.parent
DEV_PII_KEY = "dev-only-pii-key-change-me-0123456789abcdef"

# The quarterly evaluation's default weights: results first (the target, then whether people stayed), then who
# was reached; they sum to 1 but need not (the score divides by the weights of the components it could compute).
DEFAULT_EVALUATION_WEIGHTS = {
    "target": 0.35,
    "lasted_180": 0.25,
    "low_income": 0.10,
    "lifted": 0.15,
    "rights": 0.10,
    "training": 0.05,
}


class Settings(BaseSettings):
    """Every knob of the service; docker-compose and the Makefile set these and nothing else."""

    model_config = SettingsConfigDict(env_prefix="LB_", extra="ignore")

    environment: str = Field(
        default="development",
        description="`development` accepts the built-in PII key; any other value (e.g. `production`) refuses to "
        "start without a real `LB_PII_KEY`",
    )
    database_url: str = Field(
        default="",
        description="`sqlite:///FILE` or `postgresql+psycopg://USER:PASSWORD@HOST/DB`; empty means the SQLite file "
        "`laborbridge.db` in `LB_DATA_DIR`",
    )
    pii_key: str = Field(
        default=DEV_PII_KEY,
        description="secret (32+ characters) for the keyed hash and the encryption of ID numbers and phones; "
        "required outside development, and stored ID numbers and phones can only be read with the same key",
        json_schema_extra={"shown_default": "a development-only key"},
    )
    host: str = Field(default="127.0.0.1", description="address `laborbridge serve` listens on")
    port: int = Field(default=8000, description="port `laborbridge serve` and `make run` listen on")
    data_dir: Path = Field(
        default=ROOT / "var", description="the SQLite file, the demo keys and the weekly report files go here"
    )
    sql_echo: bool = Field(default=False, description="log every SQL statement (for debugging)")
    import_max_errors: int = Field(default=1000, description="a spreadsheet import lists at most this many row errors")
    request_threads: int = Field(
        default=0, description="threads that run request handlers per server process (0: anyio's default of 40)"
    )
    auth_cache_seconds: float = Field(
        default=5.0,
        description="how long a server process trusts a key it has checked; a revoked key stops working within it",
    )
    import_max_bytes: int = Field(
        default=64 * 1024 * 1024,
        description="largest spreadsheet upload, in bytes; a 100,000-row CSV is about 16 MB",
        json_schema_extra={"shown_default": "`67108864` (64 MiB)"},
    )
    match_model_check_seconds: float = Field(
        default=5.0, description="how often a server process looks for a newly activated matcher or occupation model"
    )
    match_board_check_seconds: float = Field(
        default=1.0, description="how often a server process re-checks the open-vacancy board it ranks against"
    )
    # Filled or closed vacancies are still dropped at once, by a per-request check of the few about to be shown.
    match_refresh_in_background: bool = Field(
        default=True,
        description="re-check and rebuild the vacancy board in a background thread, so no request waits for it",
    )
    dispute_block_days: int = Field(
        default=365,
        description="after a placement ends in a dispute, that employer is not offered to the worker for this long",
    )
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
    training_completion_share: float = Field(
        default=0.8,
        ge=0.0,
        le=1.0,
        description="Share of a training class's planned hours a worker must attend to complete it (with a pass).",
    )
    training_tier_days: int = Field(
        default=180,
        ge=0,
        description="Days after an order class ends during which its vacancy heads its graduates' matches (tier "
        "`training`); later it ranks as any other vacancy.",
    )
    training_reservation_days: int = Field(
        default=30,
        ge=0,
        description="Days after an order class completes during which places on the employer's linked vacancy are "
        "held for its graduates (other workers cannot be placed there, nor are they offered those places).",
    )

    # rights cases
    case_clock_days: dict[str, dict[str, int]] = Field(
        default_factory=dict,
        description="Case clocks changed per case kind, as JSON: "
        '`{"wage_arrears": {"refer": 40}, "contract": {"accept": 3}}`; clocks `contact`, `accept`, `refer`; '
        "the unit (working or calendar days) stays the clock's own. Defaults and sources: docs/rights.md.",
        json_schema_extra={"shown_default": "`{}` (the defaults of docs/rights.md)"},
    )
    case_escalate_after_working_days: int = Field(
        default=10,
        ge=0,
        description="An overdue case goes to its province's provincial office this many working days after its due "
        "date, once (`laborbridge cases escalate`).",
    )

    # the quarterly evaluation of pairings
    evaluation_weights: dict[str, float] = Field(
        default_factory=lambda: dict(DEFAULT_EVALUATION_WEIGHTS),
        description="Weights of the quarterly evaluation's score, as JSON; components `target`, `lasted_180`, "
        "`low_income`, `lifted`, `rights`, `training` (a component left out weighs 0). Each evaluation keeps the "
        "weights it was scored with. Definitions: docs/reports.md.",
        json_schema_extra={"shown_default": "`" + json.dumps(DEFAULT_EVALUATION_WEIGHTS) + "`"},
    )
    rectification_days: int = Field(
        default=30,
        ge=1,
        le=365,
        description="When a final quarterly evaluation is below 60 % of its target, the rectification action it "
        "raises is due this many days later.",
    )

    @field_validator("evaluation_weights")
    @classmethod
    def _known_components(cls, value: dict[str, float]) -> dict[str, float]:
        for name, weight in value.items():
            if name not in DEFAULT_EVALUATION_WEIGHTS:
                known = ", ".join(DEFAULT_EVALUATION_WEIGHTS)
                raise ValueError(f"evaluation_weights: unknown component {name!r} (known: {known})")
            if not 0 <= weight <= 100:
                raise ValueError(f"evaluation_weights[{name!r}] must be between 0 and 100")
        if not any(value.values()):
            raise ValueError("evaluation_weights: at least one component needs a weight above 0")
        return value

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

    @field_validator("case_clock_days")
    @classmethod
    def _known_case_clocks(cls, value: dict[str, dict[str, int]]) -> dict[str, dict[str, int]]:
        from app.rights.clocks import CLOCK_NAMES, REFER_CLOCK

        for kind, clocks in value.items():
            if kind not in REFER_CLOCK:
                raise ValueError(f"case_clock_days: unknown case kind {kind!r}")
            for name, days in clocks.items():
                if name not in CLOCK_NAMES or not 0 < days <= 1000:
                    raise ValueError(f"case_clock_days[{kind!r}]: {name!r} must be one of {CLOCK_NAMES}, 1-1000 days")
        return value

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


def _shown_default(name: str) -> str:
    """A field's default as a reader of the table should see it: no machine paths, no development secrets."""
    field = Settings.model_fields[name]
    extra = field.json_schema_extra
    if isinstance(extra, dict) and "shown_default" in extra:
        return str(extra["shown_default"])
    value = field.get_default(call_default_factory=True)
    if isinstance(value, Path):
        return f"`{value.relative_to(ROOT)}/` in the checkout" if value.is_relative_to(ROOT) else f"`{value}`"
    if value == "":
        return "(empty)"
    return f"`{json.dumps(value) if not isinstance(value, str) else value}`"


def settings_markdown() -> str:
    """The table of every LB_ setting, from the fields themselves, so the README cannot drift from the code."""
    lines = ["| setting | default | what it does |", "|---|---|---|"]
    for name, field in Settings.model_fields.items():
        description = (field.description or "(no description)").replace("|", "\\|")
        lines.append(f"| `LB_{name.upper()}` | {_shown_default(name)} | {description} |")
    return "\n".join(lines) + "\n"


SETTINGS_BEGIN = "<!-- settings table: generated by `laborbridge settings --readme README.md`; do not edit by hand -->"
SETTINGS_END = "<!-- end of settings table -->"


def with_settings_table(text: str) -> str:
    """`text` (the README) with the block between the settings markers replaced by the current table."""
    start, end = text.find(SETTINGS_BEGIN), text.find(SETTINGS_END)
    if start < 0 or end < start:
        raise ValueError(f"the settings markers are missing: {SETTINGS_BEGIN!r} … {SETTINGS_END!r}")
    return text[: start + len(SETTINGS_BEGIN)] + "\n" + settings_markdown() + text[end:]
