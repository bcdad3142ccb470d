"""Artefacts round-trip through the database, one active per kind, and foreign types are refused."""

import numpy as np
import pytest
import skops.io as sio
from sklearn.linear_model import LogisticRegression

from app.artefacts import repository, service


def _fitted(seed: int) -> LogisticRegression:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(50, 3))
    return LogisticRegression().fit(x, (x[:, 0] > 0).astype(int))


def test_store_and_load_keeps_predictions_and_metadata(session) -> None:  # type: ignore[no-untyped-def]
    model = _fitted(1)
    service.store(session, "ranker", model, {"features": ["a", "b", "c"]}, activate=True)
    loaded = service.load_active(session, "ranker")
    assert loaded is not None
    x = np.eye(3)
    np.testing.assert_allclose(loaded.estimator.predict_proba(x), model.predict_proba(x))
    assert loaded.details["features"] == ["a", "b", "c"]
    assert "scikit-learn" in loaded.details["libraries"]


def test_activating_retires_the_previous_and_inactive_keeps_its_reason(session) -> None:  # type: ignore[no-untyped-def]
    first = service.store(session, "ranker", _fitted(1), {}, activate=True)
    second = service.store(session, "ranker", _fitted(2), {}, activate=True)
    third = service.store(session, "ranker", _fitted(3), {}, activate=False, inactive_reason="worse on holdout")
    assert repository.active(session, "ranker").id == second.id  # type: ignore[union-attr]
    assert not first.active and third.inactive_reason == "worse on holdout"
    assert [a.id for a in repository.history(session, "ranker")] == [third.id, second.id, first.id]


def test_payload_with_a_foreign_type_is_refused() -> None:
    import fractions

    payload = sio.dumps({"x": fractions.Fraction(1, 3)})
    with pytest.raises(service.UntrustedArtefact, match="fractions"):
        service.loads(payload)


def test_the_active_model_is_read_by_version_and_only_the_latest_is_kept(db, monkeypatch):
    """A process holds one departure model: a second read costs the version query only, a new version replaces it."""
    from app.artefacts import service as artefacts

    holder = artefacts.ActiveModel("test-kind")
    with db.session() as s, s.begin():
        artefacts.store(s, "test-kind", {"w": 1}, {"n": 1}, activate=True)
    with db.session(False) as s:
        first = holder.get(s)
    assert first is not None and first.estimator == {"w": 1}
    loads = []
    monkeypatch.setattr(artefacts, "loads", lambda payload: loads.append(payload) or {"w": "reloaded"})
    with db.session(False) as s:
        assert holder.get(s) is first and loads == []  # same version: no payload read, no deserialisation
    with db.session() as s, s.begin():
        second = artefacts.store(s, "test-kind", {"w": 2}, {"n": 2}, activate=True)
    with db.session(False) as s:
        now = holder.get(s)
    assert now is not None and now.version == second.version and len(loads) == 1
    assert holder._held is now  # the old version is no longer held
