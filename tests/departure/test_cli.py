"""`laborbridge departure evaluate --input`: any table, awkward columns, clear refusals."""

import json

import numpy as np
import pandas as pd
import pytest

from app.cli import main


def _table(n=50, seed=0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    t = rng.exponential(10 * np.exp(-x))
    c = rng.uniform(0, 20, n)
    frame = pd.DataFrame(
        {
            "case_id": [f"P{i:04d}" for i in range(n)],
            "days": np.round(np.minimum(t, c), 1),
            "left": t <= c,
            "group": rng.choice(["a", "b", None], n),
            "flag": rng.random(n) < 0.5,
            "constant": 1,
            "x": np.where(rng.random(n) < 0.1, np.nan, x),
        }
    )
    frame.loc[0, "days"] = 0.0
    return frame


def _run(capsys, *argv):
    code = main(["departure", "evaluate", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_tiny_awkward_table_gives_one_json_line(tmp_path, capsys):
    path = tmp_path / "t.csv"
    _table().to_csv(path, index=False)
    code, out, _ = _run(capsys, "--input", str(path), "--duration-col", "days", "--event-col", "left")
    assert code == 0
    lines = out.strip().splitlines()
    assert len(lines) == 1
    result = json.loads(lines[0])
    assert result["n"] == 50
    for key in ("c_index", "auc_at_horizon", "integrated_brier"):
        assert 0.0 <= result[key] <= 1.0 and 0.0 <= result["baseline"][key] <= 1.0
    assert result["dropped_columns"] == {"case_id": "identifier", "constant": "constant"}


def test_event_as_0_1_and_drop_and_horizon(tmp_path, capsys):
    frame = _table(80, seed=3)
    frame["left"] = frame["left"].astype(int)
    path = tmp_path / "t.csv"
    frame.to_csv(path, index=False)
    argv = ("--input", str(path), "--duration-col", "days", "--event-col", "left", "--drop", "x,group")
    code, out, _ = _run(capsys, *argv, "--horizon", "5", "--folds", "3")
    assert code == 0
    result = json.loads(out)
    assert result["horizon"] == 5.0 and result["folds"] == 3 and result["events"] == int(frame["left"].sum())


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (("--duration-col", "nope", "--event-col", "left"), "nope"),
        (("--duration-col", "days", "--event-col", "group"), "group"),
        (("--duration-col", "group", "--event-col", "left"), "numeric"),
    ],
)
def test_bad_columns_exit_2_with_a_message(tmp_path, capsys, argv, needle):
    path = tmp_path / "t.csv"
    _table().to_csv(path, index=False)
    code, out, err = _run(capsys, "--input", str(path), *argv)
    assert code == 2 and out == ""
    assert needle in json.loads(err.strip().splitlines()[-1])["error"]


def test_negative_durations_and_missing_file_exit_2(tmp_path, capsys):
    frame = _table()
    frame.loc[3, "days"] = -1
    path = tmp_path / "t.csv"
    frame.to_csv(path, index=False)
    assert _run(capsys, "--input", str(path), "--duration-col", "days", "--event-col", "left")[0] == 2
    assert _run(capsys, "--input", str(tmp_path / "none.csv"), "--duration-col", "d", "--event-col", "e")[0] == 2


def test_score_and_the_weekly_run_on_a_database_without_history_say_why(db, cli_env, capsys, tmp_path):
    from app.cli import main

    assert main(["departure", "score"]) == 2
    assert "departures" in capsys.readouterr().err
    assert main(["report", "run-weekly", "--format", "json", "--output-dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert '"skipped": true' in out
    (week_dir,) = tmp_path.iterdir()
    assert "has not scored" in next(week_dir.glob("province*.json")).read_text()


def test_too_little_history_to_evaluate_from_the_database_exits_2(db, cli_env, capsys):
    assert main(["departure", "evaluate", "--from-db"]) == 2
    assert "too few placements" in json.loads(capsys.readouterr().err)["error"]


def test_any_other_error_in_the_database_commands_fails_loudly(db, cli_env, capsys, monkeypatch, tmp_path):
    """Only NotEnoughHistory is a reason to skip: a bug (here an estimator refusing its input) surfaces from
    `departure evaluate|train|score` and from the weekly run instead of reading as too little history."""
    from app.departure import service

    def broken(*args, **kwargs):
        raise ValueError("durations must be finite and >= 0")

    for name in ("load_inputs", "train_and_store", "score_active_placements"):
        monkeypatch.setattr(service, name, broken)
    for argv in (
        ["departure", "evaluate", "--from-db"],
        ["departure", "train"],
        ["departure", "score"],
        ["report", "run-weekly", "--format", "json", "--output-dir", str(tmp_path)],
    ):
        with pytest.raises(ValueError, match="finite"):
            main(argv)
    assert '"skipped": true' not in capsys.readouterr().out
