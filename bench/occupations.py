"""Occupation normaliser figures for `make bench`: fit time on the shipped data and batch top-5 throughput."""

from __future__ import annotations

import time
from typing import Any

import numpy as np

AIM = ">= 5,000 titles/s for predict_topk (batch, top 5)"


def run_occupations(titles: int = 100_000, repeats: int = 3) -> dict[str, Any]:
    """Fit on the shipped labelled titles, then classify `titles` titles (real ones, resampled) `repeats` times."""
    from matching.occupations import OccupationNormaliser, load_labelled

    labelled = load_labelled()
    started = time.perf_counter()
    model = OccupationNormaliser(n_jobs=-1).fit(labelled["title"], labelled["code"])  # as the product fits it
    fit_seconds = time.perf_counter() - started
    rng = np.random.default_rng(0)
    batch = list(rng.choice(labelled["title"].to_numpy(dtype=object), size=titles, replace=True))
    model.predict_topk(batch[:1000], k=5)  # warm-up: first-call allocations are not throughput
    timings = []
    for _ in range(repeats):
        started = time.perf_counter()
        codes, scores = model.predict_topk(batch, k=5)
        timings.append(time.perf_counter() - started)
    assert codes.shape == (titles, 5) and np.isfinite(scores).all()
    best = min(timings)
    return {
        "titles": titles,
        "aim": AIM,
        "fit_seconds": round(fit_seconds, 2),
        "predict_seconds": [round(t, 3) for t in timings],
        "titles_per_second": round(titles / best),
        "titles_per_second_median": round(titles / float(np.median(timings))),
        "weights": model.weights_,
        "temperature": round(model.temperature_, 4),
    }


def lines(figures: dict[str, Any]) -> list[str]:
    """Human-readable lines, one per figure."""
    return [
        f"occupations: fit on the shipped labelled titles and taxonomy in {figures['fit_seconds']} s",
        f"occupations: predict_topk(k=5) {figures['titles_per_second']:,} titles/s best of "
        f"{len(figures['predict_seconds'])} (median {figures['titles_per_second_median']:,}); aim {figures['aim']}",
    ]
