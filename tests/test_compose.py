"""docker-compose.yml and the Dockerfile name real images, real settings and real commands (no Docker needed)."""

import json
import re
import shlex
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml

from app.cli import build_parser
from app.config import Settings

ROOT = Path(__file__).resolve().parent.parent
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES: dict[str, dict[str, Any]] = COMPOSE["services"]
DOCKERFILE = (ROOT / "Dockerfile").read_text()
SCRIPTS = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
# Images pulled from a registry; everything else is built from this repository's Dockerfile.
KNOWN_IMAGES = {"postgres:15"}


def interpolate(value: str, env: dict[str, str] | None = None) -> str:
    """Compose's ${VAR}, ${VAR:-default} and ${VAR:?message}, against `env` (unset by default)."""
    env = env or {}

    def sub(match: re.Match[str]) -> str:
        name, op, arg = match.group(1), match.group(2) or "", match.group(3) or ""
        if env.get(name):
            return env[name]
        if op == ":?":
            raise ValueError(f"{name} is required: {arg}")
        return arg

    return re.sub(r"\$\{(\w+)(?:(:-|:\?)([^}]*))?\}", sub, value)


def split_commands(command: str | list[str]) -> list[list[str]]:
    """The commands a service runs: `sh -c "a && exec b"` is [a, b]; an exec-form list is itself."""
    if isinstance(command, list) and command[:2] != ["sh", "-c"]:
        return [command]
    script = command[2] if isinstance(command, list) else command
    commands: list[list[str]] = [[]]
    for token in shlex.split(script):
        if token in ("&&", ";"):
            commands.append([])
        elif not (token == "exec" and not commands[-1]):
            commands[-1].append(token)
    return [c for c in commands if c]


def dockerfile_cmd() -> str | list[str]:
    lines = [line for line in DOCKERFILE.splitlines() if line.startswith("CMD ")]
    assert len(lines) == 1, "one CMD in the Dockerfile"
    body = lines[0][4:].strip()
    return json.loads(body) if body.startswith("[") else body


def service_commands() -> list[tuple[str, list[str]]]:
    found = [(name, c) for name, svc in SERVICES.items() if "command" in svc for c in split_commands(svc["command"])]
    return found + [("Dockerfile CMD", c) for c in split_commands(dockerfile_cmd())]


def test_the_services_are_there() -> None:
    assert {"postgres", "api", "seed"} <= set(SERVICES)


@pytest.mark.parametrize("name", sorted(SERVICES))
def test_each_service_is_a_known_image_or_this_repository(name: str) -> None:
    service = SERVICES[name]
    assert ("image" in service) != ("build" in service), "either a pulled image or a build of this repo"
    if "image" in service:
        assert service["image"] in KNOWN_IMAGES
    else:
        assert service["build"] == "."


def test_postgres_is_the_official_image_with_a_named_volume() -> None:
    postgres = SERVICES["postgres"]
    assert postgres["image"] == "postgres:15"
    assert {"POSTGRES_USER", "POSTGRES_PASSWORD", "POSTGRES_DB"} <= set(postgres["environment"])
    volume = postgres["volumes"][0].split(":")[0]
    assert volume in COMPOSE["volumes"]


@pytest.mark.parametrize("name", ["api", "seed", "match-batch"])
def test_app_environment_names_only_settings_fields(name: str) -> None:
    env = SERVICES[name]["environment"]
    assert env, "the app gets its settings from the environment"
    for key in env:
        assert key.startswith("LB_"), key
        assert key[3:].lower() in Settings.model_fields, f"{key} is not a field of app.config.Settings"


def test_api_environment_makes_valid_production_settings() -> None:
    env = {k: interpolate(str(v), {"LB_PII_KEY": "k" * 40}) for k, v in SERVICES["api"]["environment"].items()}
    settings = Settings(**{k[3:].lower(): v for k, v in env.items()})
    assert settings.environment == "production"
    assert settings.database_url.startswith("postgresql+psycopg://")
    assert "@postgres:5432/" in settings.database_url


def test_api_refuses_to_start_without_a_pii_key() -> None:
    env = {k: interpolate(str(v)) for k, v in SERVICES["api"]["environment"].items()}
    with pytest.raises(ValueError, match="LB_PII_KEY"):
        Settings(**{k[3:].lower(): v for k, v in env.items()})


def parse_dask(argv: list[str]) -> Any:
    """`dask scheduler|worker ...` through Dask's own click commands, without starting anything."""
    from distributed.cli import dask_scheduler, dask_worker

    command = {"scheduler": dask_scheduler.main, "worker": dask_worker.main}[argv[1]]
    return command.make_context(f"dask {argv[1]}", argv[2:])


@pytest.mark.parametrize(("where", "argv"), service_commands(), ids=lambda v: v if isinstance(v, str) else " ".join(v))
def test_commands_are_console_scripts_that_parse(where: str, argv: list[str]) -> None:
    if argv[0] == "dask":  # a console script of the dask package (installed through dask[distributed])
        assert argv[1] in ("scheduler", "worker"), f"{where}: unknown dask command {argv[1]}"
        parse_dask(argv)
        return
    assert argv[0] in SCRIPTS, f"{where}: {argv[0]} is not in [project.scripts]"
    try:
        build_parser().parse_args(argv[1:])
    except SystemExit as exc:
        pytest.fail(f"{where}: `{shlex.join(argv)}` does not parse ({exc})")


def test_api_migrates_then_serves_on_all_interfaces() -> None:
    commands = split_commands(SERVICES["api"]["command"])
    assert [c[1] for c in commands] == ["db", "serve"]
    serve = build_parser().parse_args(commands[-1][1:])
    assert (serve.host, serve.port) == ("0.0.0.0", 8000)
    assert "8000:8000" in SERVICES["api"]["ports"]
    assert SERVICES["api"]["depends_on"]["postgres"]["condition"] == "service_healthy"


def test_seed_is_a_one_off_demo_profile_job() -> None:
    seed = SERVICES["seed"]
    assert seed["profiles"] == ["demo"]
    args = build_parser().parse_args(split_commands(seed["command"])[0][1:])
    assert args.command == "seed" and args.if_empty


def test_healthchecks() -> None:
    assert "pg_isready" in " ".join(SERVICES["postgres"]["healthcheck"]["test"])
    test = SERVICES["api"]["healthcheck"]["test"]
    assert test[:3] == ["CMD", "python", "-c"]
    assert "urllib" in test[3] and "/healthz" in test[3] and ":8000" in test[3]
    compile(test[3], "healthcheck", "exec")


def test_dockerfile_is_slim_python_installs_the_package_and_runs_as_non_root() -> None:
    assert re.search(r"^FROM python:3\.11-slim\b", DOCKERFILE, re.MULTILINE)
    assert re.search(r"pip install .*-e \.|pip install \.", DOCKERFILE)
    users = re.findall(r"^USER (\S+)", DOCKERFILE, re.MULTILINE)
    assert users and users[-1] not in ("root", "0")
    argv = split_commands(dockerfile_cmd())[0]
    assert argv[:2] == ["laborbridge", "serve"] and build_parser().parse_args(argv[1:]).host == "0.0.0.0"


def test_dask_services_run_a_scheduler_its_workers_and_the_batch_against_it() -> None:
    scheduler, worker, batch = SERVICES["dask-scheduler"], SERVICES["dask-worker"], SERVICES["match-batch"]
    assert scheduler["profiles"] == worker["profiles"] == batch["profiles"] == ["batch"]
    assert int(parse_dask(scheduler["command"]).params["port"]) == 8786
    address = parse_dask(worker["command"]).params["scheduler"]
    assert address == "tcp://dask-scheduler:8786"
    args = build_parser().parse_args(split_commands(batch["command"])[0][1:])
    assert (args.command, args.action, args.scheduler) == ("match", "batch", address)
    assert args.output.startswith("/app/var/") and "appdata:/app/var" in batch["volumes"]
