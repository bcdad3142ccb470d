"""`laborbridge train [--if-missing]` on a database with too little history: nothing half-stored, `make run` goes on."""

import json

from sqlalchemy import func, select

from app.artefacts.models import ModelArtefact
from app.cli import main


def _artefacts(db) -> int:
    with db.session() as s:
        return int(s.scalar(select(func.count()).select_from(ModelArtefact)))


def test_too_little_history_fails_plain_train_and_stores_nothing(db, cli_env, capsys):
    assert main(["train"]) == 2
    out, err = capsys.readouterr()
    assert out == "" and "no placements" in json.loads(err)["error"]
    assert _artefacts(db) == 0  # the normaliser was fitted first, and rolled back with the rest


def test_if_missing_skips_on_too_little_history_and_exits_0(db, cli_env, capsys):
    assert main(["train", "--if-missing"]) == 0
    out, _ = capsys.readouterr()
    result = json.loads(out)
    assert result["skipped"] is True and "not enough history" in result["reason"]
    assert _artefacts(db) == 0
