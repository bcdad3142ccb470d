"""`python -m bench --only occupation-corrections`: the normaliser's learning curve as people correct codes.

Simulated with the shipped labelled titles: a fixed fifth of them is the test set (titles the normaliser never
sees); the normaliser starts from `BASE` labelled titles plus the taxonomy, and the other titles arrive as
corrections (`PUT /vacancies/{id}/occupation`), which the next `laborbridge train` adds to its training titles
exactly as `app.matching.training.fit_normaliser` does. Each point is a fresh fit with the product's parameters.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

BASE = 500
POINTS = (0, 250, 500, 1000, 1856)  # corrections fed; the last is every remaining training title


def run(points: tuple[int, ...] = POINTS, base: int = BASE, seed: int = 0) -> dict[str, Any]:
    """Top-1 / top-5 on the fixed test titles after each number of corrections."""
    from matching.evaluate import topk_metrics
    from matching.occupations import OccupationNormaliser, load_labelled

    labelled = load_labelled().sample(frac=1.0, random_state=seed).reset_index(drop=True)
    n_test = len(labelled) // 5
    test, pool = labelled.iloc[:n_test], labelled.iloc[n_test:].reset_index(drop=True)
    curve = []
    for n in points:
        n = min(n, len(pool) - base)
        train = pool.iloc[: base + n]
        started = time.perf_counter()
        model = OccupationNormaliser(n_jobs=-1).fit(train["title"], train["code"])
        predicted, _ = model.predict_topk(list(test["title"]), k=5)
        metrics = topk_metrics(list(test["code"]), predicted)
        curve.append(
            {
                "corrections": int(n),
                "training_titles": len(train),
                **{k: round(float(v), 4) for k, v in metrics.items()},
                "fit_seconds": round(time.perf_counter() - started, 1),
            }
        )
    return {"test_titles": n_test, "base_titles": base, "seed": seed, "curve": curve, "ok": bool(np.isfinite(
        [c["top1"] for c in curve]).all())}  # fmt: skip


def lines(figures: dict[str, Any]) -> list[str]:
    out = [
        f"occupation-corrections: {figures['test_titles']} test titles, start from {figures['base_titles']} labelled"
    ]
    out += [
        f"  {c['corrections']:>5} corrections: top-1 {c['top1']:.3f}, top-5 {c['top5']:.3f}, "
        f"level-3 {c['level3_top1']:.3f}"
        for c in figures["curve"]
    ]
    return out
