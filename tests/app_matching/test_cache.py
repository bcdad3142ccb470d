"""The matcher's process state: a new model loads outside the lock requests take, and requests never wait for it."""

import threading

from app.artefacts import service as artefacts
from app.matching import repository
from app.matching.cache import Matcher


def test_a_new_model_is_deserialised_outside_the_lock_and_requests_keep_the_old_one(db, settings, monkeypatch):
    matcher = Matcher(settings)
    started, release = threading.Event(), threading.Event()

    def slow_load(_session, kind):
        started.set()
        assert release.wait(10)
        return artefacts.Loaded(object(), f"{kind}-2", {})

    monkeypatch.setattr(repository, "active_versions", lambda _s: {"ranker": "ranker-2"})
    monkeypatch.setattr(artefacts, "load_active", slow_load)
    with db.session(False) as session:
        loader = threading.Thread(target=matcher.refresh_models, args=(session,), kwargs={"force": True})
        loader.start()
        try:
            assert started.wait(10)
            assert matcher._lock.acquire(timeout=1), "the load holds the lock requests take"
            matcher._lock.release()
            assert matcher.model_info()[1]["kind"] == "rule_baseline"  # requests keep what they had
            matcher.refresh_models(session)  # a request arriving meanwhile does not wait for the load
            assert matcher.ranker is None
        finally:
            release.set()
            loader.join(10)
    assert matcher.ranker is not None and matcher.ranker.version == "ranker-2"


def test_the_rule_baseline_belongs_to_a_matcher_and_is_reused(settings):
    first, second = Matcher(settings), Matcher(settings)
    assert first.model_info()[0] is first.model_info()[0]  # one instance: prepared boards are cached per ranker
    assert first.rule is not second.rule
