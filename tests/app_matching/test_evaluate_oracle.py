"""`evaluate matcher` on a small seeded database: the truth section exists and orders the methods sensibly."""

import math

import pytest

from app.clock import today
from app.matching import evaluation
from app.pii import vault_for
from app.seed.generator import SeedConfig, seed_database


@pytest.fixture
def figures(db, settings):
    seed_database(settings.database_url, settings.pii_key, SeedConfig(600, 90, 2, seed=5, today=today()))
    with db.session(write=False) as s:
        return evaluation.evaluate(s, vault_for(settings.pii_key), holdout_days=300, past_jobs=False)


def _ci_holds(fig):
    lo, hi = fig["ci95"]
    return lo <= fig["value"] <= hi


def test_oracle_section_has_every_figure_with_an_interval(figures):
    oracle = figures["oracle"]
    assert set(oracle) == {"top1", "top10", "captured_top10", "auc"}
    for k in ("top1", "top10"):
        assert set(oracle[k]) == {"model", "rule_baseline", "random", "oracle"}
        assert all(_ci_holds(f) and 0 < f["value"] < 1 for f in oracle[k].values())
    assert set(oracle["captured_top10"]) == {"model", "rule_baseline"}
    assert set(oracle["auc"]) == {"model", "oracle"}
    assert figures["oracle_method"]["queries"] > 50


def test_the_truth_beats_every_method_and_chance_is_below_it(figures):
    oracle = figures["oracle"]
    for k in ("top1", "top10"):
        best = oracle[k]["oracle"]["value"]
        # The oracle picks by the truth itself: no method can do better on the same queries.
        assert all(oracle[k][m]["value"] <= best + 1e-9 for m in ("model", "rule_baseline", "random"))
        assert oracle[k]["random"]["value"] < best
    assert oracle["top1"]["oracle"]["value"] >= oracle["top10"]["oracle"]["value"]
    for share in oracle["captured_top10"].values():
        assert math.isfinite(share["value"]) and share["value"] <= 1
    # The truth's AUC is the ceiling of what the observable features allow, within sampling noise.
    assert oracle["auc"]["oracle"]["value"] > 0.5


def test_ndcg_figures_keep_their_new_names_and_selection_rates_have_intervals(figures):
    for method in ("model", "rule_baseline", "random_baseline"):
        assert set(figures[method]) == {"taken_and_lasted_ndcg_at_10", "taken_and_lasted_recall_at_10"}
    rates = figures["selection_rates"]
    for col in ("sex", "age_band"):
        for group in rates[col].values():
            lo, hi = group["ci95"]
            assert 0 <= lo <= group["rate"] <= hi <= 1


def test_an_unseeded_database_gets_no_truth_section(db, settings):
    seed_database(settings.database_url, settings.pii_key, SeedConfig(600, 90, 2, seed=5, today=today()))
    with db.session() as s, s.begin():
        from sqlalchemy import update

        from app.orgs.models import Org

        s.execute(update(Org).where(Org.name == "柳州市东西部劳务协作技工学校").values(name="某技工学校"))
    with db.session(write=False) as s:
        result = evaluation.evaluate(s, vault_for(settings.pii_key), holdout_days=300, past_jobs=False)
    assert result["oracle"] is None and "seeded" in result["oracle_method"]["skipped"]
