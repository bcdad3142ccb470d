"""`laborbridge report weekly | run-weekly`: files for every scope, the same bytes on a rerun, clear errors."""

import json
from datetime import datetime

import pytest

from app.cli import main
from app.clock import CST
from app.reports.cli import next_run
from app.reports.weekly_schema import WeeklyReport
from tests.reports import helpers as h


def test_weekly_writes_each_format(client, tenants, db, cli_env, tmp_path):
    h.build_history(client, tenants, db)
    for fmt in ("json", "csv", "xlsx", "html"):
        out = tmp_path / f"r.{fmt}"
        assert (
            main(["report", "weekly", "--week", h.WEEK, "--county", "450225", "--format", fmt, "--output", str(out)])
            == 0
        )
        assert out.stat().st_size > 0
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["scope"] == {"kind": "county", "code": "450225", "name": "融水苗族自治县"}
    assert report["totals"]["new_placements"] == 2
    html = (tmp_path / "r.html").read_text()
    assert (
        'id="chart-retention-channel"' in html
        and "<script" not in html
        and "http://" not in html.replace('xmlns="http://www.w3.org/2000/svg"', "")
    )


def test_weekly_refuses_bad_input_clearly(client, tenants, db, cli_env, capsys):
    assert main(["report", "weekly", "--week", "2025-W99"]) == 2
    assert "2025 has no ISO week 99" in capsys.readouterr().err
    assert main(["report", "weekly", "--week", h.WEEK, "--employer", str(tenants["county"].org_id)]) == 2
    assert "not found" in capsys.readouterr().err
    assert main(["report", "weekly", "--week", h.WEEK, "--county", "999999"]) == 2


def test_monthly_refuses_an_unknown_county_or_pairing(db, cli_env, capsys):
    assert main(["report", "monthly", "--month", "2026-10", "--county", "999999"]) == 2
    assert "no division 999999" in capsys.readouterr().err
    assert main(["report", "monthly", "--month", "2026-10", "--pairing", "999999"]) == 2
    assert "pairing not found" in capsys.readouterr().err
    assert main(["report", "monthly", "--month", "2026-10", "--county", "450225", "--format", "json"]) == 0


def test_run_weekly_writes_every_scope_and_a_rerun_is_byte_identical(client, tenants, db, cli_env, tmp_path):
    h.build_history(client, tenants, db)
    first, second = tmp_path / "a", tmp_path / "b"
    assert main(["report", "run-weekly", "--week", h.WEEK, "--output-dir", str(first)]) == 0
    assert main(["report", "run-weekly", "--week", h.WEEK, "--output-dir", str(second)]) == 0
    files = sorted(p.name for p in (first / h.WEEK).iterdir())
    stems = {
        "province",
        "county-450225",
        "county-451122",
        f"employer-{tenants['employer'].org_id}",
        f"employer-{tenants['other_employer'].org_id}",
    }
    assert files == sorted(f"{s}.{fmt}" for s in stems for fmt in ("csv", "html", "json", "xlsx"))
    for name in files:
        assert (first / h.WEEK / name).read_bytes() == (second / h.WEEK / name).read_bytes(), name
    mtime = (first / h.WEEK / "province.xlsx").stat().st_mtime_ns
    assert main(["report", "run-weekly", "--week", h.WEEK, "--output-dir", str(first)]) == 0
    assert (first / h.WEEK / "province.xlsx").stat().st_mtime_ns == mtime  # unchanged files are not rewritten


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (datetime(2026, 11, 21, 12, 0, tzinfo=CST), datetime(2026, 11, 23, 6, 0, tzinfo=CST)),  # Saturday
        (datetime(2026, 11, 23, 5, 59, tzinfo=CST), datetime(2026, 11, 23, 6, 0, tzinfo=CST)),  # Monday early
        (datetime(2026, 11, 23, 6, 0, tzinfo=CST), datetime(2026, 11, 30, 6, 0, tzinfo=CST)),  # just ran
        (datetime(2026, 11, 22, 22, 30, tzinfo=CST).astimezone(), datetime(2026, 11, 23, 6, 0, tzinfo=CST)),
    ],
)
def test_the_schedule_is_monday_six_in_china(now, expected):
    assert next_run(now) == expected


def test_last_weeks_run_scores_departure_risk_first_and_lists_it(db, settings, cli_env, tmp_path):
    from sqlalchemy import func, select

    from app.clock import today
    from app.departure.models import PlacementRisk
    from app.departure.service import FLAG_MIN_RISK
    from app.models import Placement
    from app.seed.generator import SeedConfig, seed_database

    seed_database(settings.database_url, settings.pii_key, SeedConfig(500, 80, 2, seed=3, today=today()), None)
    assert main(["report", "run-weekly", "--format", "json", "--output-dir", str(tmp_path)]) == 0
    with db.session(write=False) as s:
        scored = s.scalar(select(func.count()).select_from(PlacementRisk))
        active = s.scalar(select(func.count()).select_from(Placement).where(Placement.end_date.is_(None)))
    assert scored and scored == active
    (week_dir,) = tmp_path.iterdir()
    for path in week_dir.glob("*.json"):  # every scope's report, with scores and cases, has the documented shape
        WeeklyReport.model_validate_json(path.read_bytes())
    province = json.loads(next(week_dir.glob("province*.json")).read_text())
    assert province["at_risk"]["scored"] > 0, "the scores written first must reach the at-risk section"
    from app.models import RiskSnapshot

    with db.session(write=False) as s:
        frozen = s.scalar(select(func.count()).select_from(RiskSnapshot).where(RiskSnapshot.week == week_dir.name))
    assert province["at_risk"]["source"] == "snapshot" and frozen == province["at_risk"]["scored"]
    again = tmp_path.parent / (tmp_path.name + "-again")
    assert main(["report", "run-weekly", "--output-dir", str(again)]) == 0  # scores again, keeps the snapshot
    for path in week_dir.iterdir():
        assert (again / week_dir.name / path.name).read_bytes() == path.read_bytes(), path.name
    for item in province["at_risk"]["items"]:
        nearest = next(r for r in (item["risk_90"], item["risk_180"], item["risk_30"]) if r is not None)
        assert nearest >= FLAG_MIN_RISK
