"""The bench's moving parts on a small scale: its generated rows are valid input, its load generators parse."""

import csv
import io
import shutil

import httpx
import pytest

from app.workers.schemas import WorkerCreate
from bench.data import CSV_COLUMNS, generate_workers, sqlite_params, to_csv
from bench.reads import run_python, run_wrk
from tests.factories import worker_payload


def test_generated_workers_are_valid_and_distinct() -> None:
    rows = generate_workers(2500)
    for row in rows[::50]:
        WorkerCreate.model_validate(row)
    assert len({r["id_number"] for r in rows}) == len({r["external_id"] for r in rows}) == 2500


def test_csv_uses_the_template_headers_and_semicolon_lists() -> None:
    rows = generate_workers(3)
    parsed = list(csv.DictReader(io.StringIO(to_csv(rows).decode("utf-8"))))
    assert tuple(parsed[0]) == CSV_COLUMNS
    assert parsed[1]["skills"] == ";".join(rows[1]["skills"])
    assert parsed[2]["consent_to_share"] in ("true", "false")


def test_sqlite_params_flatten_lists_booleans_and_dates() -> None:
    from datetime import UTC, date, datetime

    columns = [
        {"skills": ["6-05-01-01"], "flag": True, "day": date(2000, 1, 2), "at": datetime(2026, 1, 1, tzinfo=UTC)}
    ]
    assert sqlite_params(columns, ["skills", "flag", "day", "at"]) == [
        ('["6-05-01-01"]', 1, "2000-01-02", "2026-01-01 00:00:00.000000")
    ]


@pytest.fixture
def one_worker(live_server: str, make_tenant) -> tuple[str, str, int]:  # type: ignore[no-untyped-def]
    county = make_tenant("county_office", "450225")
    resp = httpx.post(f"{live_server}/api/v1/workers", json=worker_payload(), headers=county.headers)
    assert resp.status_code == 201, resp.text
    return live_server, county.key, int(resp.json()["id"])


@pytest.mark.parametrize("load", [run_python, run_wrk], ids=["python", "wrk"])
def test_load_generators_report_latencies(load, one_worker) -> None:  # type: ignore[no-untyped-def]
    if load is run_wrk and shutil.which("wrk") is None:
        pytest.skip("wrk is not installed (apt-get install -y wrk)")
    base_url, key, worker_id = one_worker
    got = load(base_url, key, worker_id, worker_id, 1, 4)
    assert got["requests"] > 0 and got["non_2xx"] == 0 and got["errors"] == 0
    assert 0 < got["p50_ms"] <= got["p99_ms"]


def test_the_enrolment_bench_enrols_every_row_it_imported(tmp_path) -> None:
    from bench.training_enrol import run

    figures = run(40, tmp_path)
    assert figures["rows"] == 40
    assert figures["enrol_xlsx_rows_per_s"] > 0 and figures["worker_import_rows_per_s"] > 0


def test_the_cases_bench_lists_overdue_cases_and_builds_the_report(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from bench.cases import run
    from bench.dbs import migrated_sqlite

    figures = run(4000, tmp_path, migrated_sqlite, log=lambda _: None, stride=7)
    assert figures["cases"] > 100 and figures["case_events"] > figures["cases"]
    listing = figures["overdue_list"]
    assert listing["provincial_office"]["items_per_page"] == 50  # a full first page of overdue cases
    assert listing["provincial_office"]["p99_ms"] >= listing["provincial_office"]["p50_ms"] > 0
    assert figures["report"]["cases_open_at_week_end"] > 0


def test_the_training_report_bench_gives_the_section_graduates_to_follow(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from bench.dbs import migrated_sqlite
    from bench.training_report import run

    figures = run(4000, tmp_path, migrated_sqlite, log=lambda _: None)
    assert figures["enrolments"] >= 700 and figures["classes"] > 0
    assert figures["report"]["training_graduates_observed_90"] > 0


def test_the_monthly_bench_builds_the_pack_over_its_pairings(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from bench.dbs import migrated_sqlite
    from bench.monthly import run

    figures = run(4000, tmp_path, migrated_sqlite, log=lambda _: None)
    assert figures["pairings"] > 1
    assert figures["placements_in_month"] > 0  # the province pairing counts last month's starts
    assert figures["json_bytes"] > 1000
    # Per pairing: this month's action, and the six never closed, all but this month's past their due date.
    assert figures["actions_in_pack"] == 7 * figures["pairings"]
    assert figures["actions_overdue"] == 6 * figures["pairings"]


def test_the_quarterly_bench_evaluates_every_pairing_and_the_rerun_keeps_them(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from bench.dbs import migrated_sqlite
    from bench.quarterly import run

    figures = run(4000, tmp_path, migrated_sqlite, log=lambda _: None)
    assert figures["evaluations"] == figures["pairings"] == figures["rerun_kept"]
    assert figures["placements_in_quarter"] > 0 and figures["lifted_in_quarter"] > 0
    assert figures["trained_in_quarter"] > 0
