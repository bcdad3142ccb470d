"""Figures for the occupation normaliser: top-k accuracy on held-out titles and k-fold cross-validation."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd
from sklearn.model_selection import KFold

from matching.occupations import OccupationNormaliser


def topk_metrics(true_codes: Sequence[str], predicted: np.ndarray) -> dict[str, float]:
    """Top-1, top-5 and level-3 top-1 accuracy (level 3 = the first 7 characters, e.g. `4-03-02`)."""
    truth = np.asarray(list(true_codes), dtype=object)
    if len(truth) == 0:
        return {"top1": float("nan"), "top5": float("nan"), "level3_top1": float("nan")}
    top5 = (predicted[:, :5] == truth[:, None]).any(axis=1)
    level3 = np.array([str(p)[:7] == str(t)[:7] for p, t in zip(predicted[:, 0], truth, strict=True)])
    return {
        "top1": float(np.mean(predicted[:, 0] == truth)),
        "top5": float(np.mean(top5)),
        "level3_top1": float(np.mean(level3)),
    }


def holdout_evaluate(model: OccupationNormaliser, train: pd.DataFrame, test: pd.DataFrame) -> dict[str, float | int]:
    """Fit on `train` (title, code) and score `test`, so the figure is for titles the model has not seen."""
    model.fit(train["title"], train["code"])
    codes, _ = model.predict_topk(list(test["title"]), k=5)
    return {"n": len(test), **topk_metrics(list(test["code"]), codes)}


def cross_validate(
    labelled: pd.DataFrame,
    n_splits: int = 5,
    random_state: int = 0,
    make_model: Callable[[], OccupationNormaliser] | None = None,
) -> dict[str, Any]:
    """Mean and per-fold top-k figures over shuffled k folds of the labelled titles (taxonomy always in training)."""
    make = make_model or OccupationNormaliser
    folds = []
    fit_seconds = []
    for train_idx, test_idx in KFold(n_splits, shuffle=True, random_state=random_state).split(labelled):
        started = time.perf_counter()
        folds.append(holdout_evaluate(make(), labelled.iloc[train_idx], labelled.iloc[test_idx]))
        fit_seconds.append(time.perf_counter() - started)
    result: dict[str, Any] = {"method": f"{n_splits}-fold cv", "folds": n_splits, "n": len(labelled)}
    for key in ("top1", "top5", "level3_top1"):
        values = np.array([f[key] for f in folds])
        result[key] = round(float(values.mean()), 4)
        result[f"{key}_folds"] = [round(float(v), 4) for v in values]
    result["seconds_per_fold"] = round(float(np.mean(fit_seconds)), 2)
    return result
