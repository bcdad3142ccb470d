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


def test_if_missing_refits_a_stored_ranker_of_an_old_format(db, cli_env, capsys):
    """`make run` runs `train --if-missing`: an active ranker the API would not use (old format) is no reason
    to skip; here the history is too short, so it reports that instead of "artefacts exist"."""
    from sklearn.linear_model import LogisticRegression

    from app.artefacts import service as artefacts
    from app.matching import training
    from matching.ranking import RuleBaseline

    with db.session() as s, s.begin():
        artefacts.store(s, "occupations", LogisticRegression(), {}, activate=True)
        artefacts.store(s, "ranker", LogisticRegression(), {}, activate=True)  # no format_: an old ranker
    with db.session() as s, s.begin():
        assert not training.has_active_models(s)
    assert main(["train", "--if-missing"]) == 0
    assert "not enough history" in json.loads(capsys.readouterr()[0])["reason"]
    with db.session() as s, s.begin():
        artefacts.store(s, "ranker", RuleBaseline().fit(), {}, activate=True)  # the current format
    with db.session() as s, s.begin():
        assert training.has_active_models(s)
    assert main(["train", "--if-missing"]) == 0
    assert json.loads(capsys.readouterr()[0])["skipped"] is True


def test_too_little_history_is_its_own_error_type(db):
    import pytest

    from app.errors import NotEnoughHistory
    from app.matching import training

    with db.session() as s, s.begin(), pytest.raises(NotEnoughHistory, match="no placements"):
        training.train(s)


def test_if_missing_lets_any_other_error_fail_the_command(db, cli_env, capsys, monkeypatch):
    """A bug inside training (here: the normaliser refusing its input) is not "not enough history": `make run`
    must stop on it instead of skipping with exit 0."""
    import pytest

    from app.matching import training

    def broken(session):
        raise ValueError("titles and codes must be one-dimensional and of the same length")

    monkeypatch.setattr(training, "fit_normaliser", broken)
    for argv in (["train", "--if-missing"], ["train"]):
        with pytest.raises(ValueError, match="one-dimensional"):
            main(argv)
        assert capsys.readouterr().out == ""
    assert _artefacts(db) == 0
