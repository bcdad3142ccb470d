"""`python -m bench --only matcher-quality`: the matcher judged against the generator's truth on four seeded databases.

Each database is seeded (`seed --workers W --vacancies V --seed S`, three years), trained (`train`) and
evaluated (`evaluate matcher`); the figures are the `oracle` section plus the NDCG kept for comparison.
Heavy: about a minute of CPU per 1,000 workers on the largest one.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

DATABASES = ((3000, 400, 7), (5000, 800, 7), (5000, 800, 11), (10000, 1500, 3))
GOAL = "captured_top10 >= 0.7 and >= rule_baseline + 0.10"


def run_one(workdir: Path, workers: int, vacancies: int, seed: int, pii_key: str) -> dict[str, Any]:
    """Seed, train and evaluate one fresh SQLite database; the evaluation's JSON with timings."""
    from app.artefacts import service as artefacts
    from app.db import Database
    from app.matching import evaluation, training
    from app.pii import vault_for
    from app.seed.generator import SeedConfig, seed_database
    from bench.dbs import migrated_sqlite

    url = migrated_sqlite(workdir, f"quality-{workers}-{vacancies}-{seed}.db")
    started = time.perf_counter()
    seed_database(url, pii_key, SeedConfig(workers, vacancies, 3, seed=seed))
    seeded = time.perf_counter()
    db = Database(url)
    try:
        with db.session() as session, session.begin():
            trained = training.train(session)
        with db.session(write=False) as session:
            figures = evaluation.evaluate(session, vault_for(pii_key))
            ranker = artefacts.load_active(session, "ranker")
            # Each signed term's effect across its range: the sign bounds promise these never flip between databases.
            figures["signed_weights"] = (
                {k: round(v, 3) for k, v in ranker.estimator.signed_weights().items()} if ranker else None
            )
    finally:
        db.dispose()
    figures["trained_ranker"] = {k: trained["ranker"][k] for k in ("version", "active", "metrics")}
    figures["seconds"] = {
        "seed": round(seeded - started, 1),
        "train_and_evaluate": round(time.perf_counter() - seeded, 1),
    }
    return figures


def _fmt(fig: dict[str, Any]) -> str:
    lo, hi = fig["ci95"]
    return f"{fig['value']:.3f} [{lo:.3f}, {hi:.3f}]"


def lines(name: str, figures: dict[str, Any]) -> list[str]:
    """One line per figure: top1/top10 by method, captured shares, AUC, NDCG."""
    o = figures["oracle"]
    out = [f"matcher-quality {name}: {figures['oracle_method']['queries']} queries"]
    for k in ("top1", "top10"):
        out.append(
            f"  {k}: " + ", ".join(f"{m} {_fmt(o[k][m])}" for m in ("model", "rule_baseline", "random", "oracle"))
        )
    out.append("  captured_top10: " + ", ".join(f"{m} {_fmt(v)}" for m, v in o["captured_top10"].items()))
    out.append("  auc: " + ", ".join(f"{m} {_fmt(v)}" for m, v in o["auc"].items()))
    out.append(
        "  taken_and_lasted_ndcg_at_10: "
        + ", ".join(
            f"{m} {figures[m]['taken_and_lasted_ndcg_at_10']}" for m in ("model", "rule_baseline", "random_baseline")
        )
    )
    if figures.get("signed_weights"):
        out.append("  signed_weights: " + ", ".join(f"{k} {v:+.3f}" for k, v in figures["signed_weights"].items()))
    return out


def run(workdir: Path, pii_key: str, log: Callable[[str], None]) -> dict[str, Any]:
    out: dict[str, Any] = {"goal": GOAL}
    for workers, vacancies, seed in DATABASES:
        name = f"{workers}/{vacancies}/{seed}"
        log(f"matcher-quality: seed --workers {workers} --vacancies {vacancies} --seed {seed}, train, evaluate")
        figures = run_one(workdir, workers, vacancies, seed, pii_key)
        for line in lines(name, figures):
            print(line, flush=True)
        out[name] = figures
    return out
