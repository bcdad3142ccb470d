"""The quarterly evaluation from the command line and the Monday run: drafts once, the same files on a rerun."""

import json
from datetime import date

from sqlalchemy import select

from app.cli import main
from app.evaluations.models import Evaluation, EvaluationEvent
from app.evaluations.service import is_first_monday_of_quarter


def _pairing(client, tenants) -> int:
    body = {"east_code": "441900", "west_code": "450200", "level": "prefecture", "annual_target": 400,
            "effective_from": "2025-01-01"}  # fmt: skip
    resp = client.post("/api/v1/pairings", json=body, headers=tenants["province"].headers)
    assert resp.status_code == 201, resp.text
    return resp.json()["id"]


def test_the_first_monday_of_a_quarter_drafts_it_once_and_writes_the_same_files_again(
    client, tenants, db, cli_env, tmp_path, monkeypatch
):
    assert is_first_monday_of_quarter(date(2026, 10, 5)) and is_first_monday_of_quarter(date(2027, 1, 4))
    assert not is_first_monday_of_quarter(date(2026, 11, 2)) and not is_first_monday_of_quarter(date(2026, 10, 12))
    pairing = _pairing(client, tenants)
    monkeypatch.setattr("app.reports.cli.today", lambda: date(2026, 10, 5))
    assert main(["report", "run-weekly", "--week", "2026-W39", "--output-dir", str(tmp_path)]) == 0
    folder = tmp_path / "quarterly-2026-Q3"
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    assert sorted(before) == ["evaluations.json", "evaluations.xlsx"]
    assert main(["report", "run-weekly", "--week", "2026-W39", "--output-dir", str(tmp_path)]) == 0
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before
    written = json.loads(before["evaluations.json"])
    assert written["quarter"] == "2026-Q3" and pairing in {e["pairing_id"] for e in written["evaluations"]}
    with db.session(write=False) as session:
        rows = session.scalars(select(Evaluation).where(Evaluation.quarter == "2026-Q3")).all()
        events = session.scalars(select(EvaluationEvent)).all()
    assert len(events) == len(rows) == len(written["evaluations"])  # the rerun drafted nothing again
    assert {r.created_by_org_id for r in rows} == {None} and {e.org_id for e in events} == {None}


def test_report_quarterly_writes_the_quarter_and_refuses_an_unfinished_one(
    client, tenants, db, cli_env, tmp_path, capsys
):
    pairing = _pairing(client, tenants)
    out = tmp_path / "q.json"
    assert main(["report", "quarterly", "--quarter", "2026-Q2", "--output", str(out)]) == 0
    assert pairing in {e["pairing_id"] for e in json.loads(out.read_text())["evaluations"]}
    assert '"created"' in capsys.readouterr().err
    assert main(["report", "quarterly", "--quarter", "2999-Q1"]) == 2
    assert "has not ended" in capsys.readouterr().err
