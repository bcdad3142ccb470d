"""Reasons: the few terms that moved a pair's score most, each once, with its direction, for its reader.

A reason is a group of the ranker's own contributions (`RetentionRanker.contributions_of`), so what it says
is what the score did: "+" raised the chance against the neutral pair, "−" lowered it. Distance and "far
without a dormitory" are one reason (one fact about where the job is); a wish and its family are one, and so
are a skill or past job and its family. The reader decides the grammar: `worker` speaks to the worker through
the clerk (/matches: "你做过这个工种"), `about` speaks about the worker to an employer or an office
(/candidates, allocations: "做过这个工种", "该县与佛山市结对").
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

import numpy as np
import pandas as pd

from matching.bilingual import zh_en
from matching.features import FAR_KM
from matching.ranking.estimator import SHIFTS

Reader = Literal["worker", "about"]
MIN_EFFECT = 0.01  # a contribution smaller than this (logit scale) is not worth a sentence
MINUS = "\u2212"

# Reason factor -> the terms it sums. Education is absent: it is the worker's own trait, not the job's.
FACTORS: dict[str, tuple[str, ...]] = {
    "distance": ("log_distance_km", "far_no_housing"),
    "wage_gap": ("wage_gap",),
    "wage_mid_k": ("wage_mid_k",),
    "housing": ("housing",),
    "meals": ("meals",),
    "paired": ("paired",),
    "wish": ("occupation_desired", "occupation_wish_family"),
    "experience": ("occupation_skilled", "occupation_skill_family"),
    "contract_months": ("contract_months",),
    "channel_agrees": ("channel_agrees",),
    "cross_province": ("cross_province",),
    "shift": ("shift",),
}
_SHIFT_WORDS = {"two_shift": ("两班倒", "two shifts"), "three_shift": ("三班倒", "three shifts")}
_PHRASES: dict[str, dict[str, tuple[str, str]]] = {
    "desired": {
        "worker": ("正是你想做的工种", "an occupation you asked for"),
        "about": ("正是其想做的工种", "an occupation the worker asked for"),
    },
    "wish_family": {
        "worker": ("与你想做的工种同类", "close to an occupation you asked for"),
        "about": ("与其想做的工种同类", "close to an occupation the worker asked for"),
    },
    "skilled": {
        "worker": ("你做过这个工种", "you have done this work"),
        "about": ("做过这个工种", "has done this work"),
    },
    "skill_family": {
        "worker": ("与你做过的工种同类", "close to work you have done"),
        "about": ("与其做过的工种同类", "close to work the worker has done"),
    },
    "channel_disagrees": {
        "worker": ("不是你首选的去向", "not where you said you prefer"),
        "about": ("不是其首选的去向", "not where the worker said they prefer"),
    },
}


def factor_effects(contributions: Mapping[str, Any], n_rows: int) -> tuple[list[str], np.ndarray]:
    """(factor names, rows x factors matrix of summed contributions)."""
    names = list(FACTORS)
    columns = [
        np.broadcast_to(sum(np.asarray(contributions[t], dtype=float) for t in FACTORS[f]), (n_rows,)) for f in names
    ]
    return names, np.column_stack(columns) if columns else np.zeros((n_rows, 0))


def reason_texts(
    features: pd.DataFrame,
    contributions: pd.DataFrame,
    context: pd.DataFrame | None = None,
    n: int = 3,
    reader: Reader = "worker",
) -> list[list[dict[str, Any]]]:
    """Reasons for `pair_features` rows (with `distance_km`) from `RetentionRanker.contributions` of the same rows.

    `context` may carry `vacancy_city` (a name, for the pairing line).
    """
    contributions = contributions.loc[features.index]
    names, values = factor_effects({c: contributions[c].to_numpy() for c in contributions.columns}, len(features))
    rows = features.to_dict("records")
    contexts = context.to_dict("records") if context is not None else [None] * len(rows)
    return reason_rows(names, values, rows, contexts, n, reader)


def reason_rows(
    names: list[str], values: np.ndarray, rows: list[dict[str, Any]], contexts: list[Any], n: int, reader: Reader
) -> list[list[dict[str, Any]]]:
    """The `n` largest factors per row (by size), each said once with its sign; rows are the pairs' facts."""
    out: list[list[dict[str, Any]]] = []
    for facts, effects, ctx in zip(rows, values, contexts, strict=True):
        order = np.abs(effects).argsort(kind="stable")[::-1]
        items: list[dict[str, Any]] = []
        said: set[str] = set()
        for j in order:
            if len(items) >= n or abs(effects[j]) < MIN_EFFECT:
                break
            text = _words(names[j], facts, ctx, reader)
            if text is None or text[0] in said:
                continue
            said.add(text[0])
            sign = "+" if effects[j] > 0 else MINUS
            items.append(
                {
                    "factor": names[j],
                    "direction": sign,
                    "effect": round(float(effects[j]), 3),
                    "zh": f"{sign} {text[0]}",
                    "en": f"{sign} {text[1]}",
                    "text": f"{sign} " + zh_en(text[0], text[1]),
                }
            )
        out.append(items)
    return out


def _km(x: float) -> str:
    return f"{x:,.0f}"


def _words(name: str, f: Mapping[str, Any], ctx: Mapping[str, Any] | None, reader: Reader) -> tuple[str, str] | None:
    """One factor's fact in words for `reader`; None when there is no fact to state (the term is then ~0)."""
    you = reader == "worker"
    if name == "distance":
        dist = float(f.get("distance_km", 0.0))
        if dist < 1:
            return None
        home_zh, home_en = ("离家", "from home") if you else ("离该劳动者家", "from the worker's home")
        if bool(f["far_no_housing"]) and dist > FAR_KM:
            return f"{home_zh} {_km(dist)} 公里且不包住", f"{_km(dist)} km {home_en} and no dormitory"
        return f"{home_zh} {_km(dist)} 公里", f"{_km(dist)} km {home_en}"
    if name == "wage_gap":
        gap = float(f["wage_gap"]) * 100
        if abs(gap) < 1:
            return None
        zh = ("高" if gap > 0 else "低") + f"{abs(gap):.0f}%"
        en = f"{abs(gap):.0f}% " + ("more" if gap > 0 else "less")
        if you:
            return f"工资比你的期望{zh}", f"pays {en} than you asked"
        return f"工资比其期望{zh}", f"pays {en} than the worker asked"
    if name == "wage_mid_k":
        pay = float(f["wage_mid_k"]) * 1000
        return f"月薪约 {pay:,.0f} 元", f"about {pay:,.0f} a month"
    if name == "housing":
        return ("包住", "dormitory provided") if f["housing"] else None
    if name == "meals":
        return ("包吃", "meals provided") if f["meals"] else None
    if name == "paired":
        if not f["paired"]:
            return None
        city = str(ctx["vacancy_city"]) if ctx is not None and ctx.get("vacancy_city") else ""
        if you:
            return f"你所在县与{city or '该地'}结对", f"your county is paired with {city or 'this place'}"
        return f"该县与{city or '该地'}结对", f"the worker's county is paired with {city or 'this place'}"
    if name == "wish":  # a wish and its family: one fact, the closer one said
        key = "desired" if f["occupation_desired"] else "wish_family" if f["occupation_wish_family"] else None
        return _PHRASES[key][reader] if key else None
    if name == "experience":  # only with a skill or past job behind it: the features are 0 otherwise
        key = "skilled" if f["occupation_skilled"] else "skill_family" if f["occupation_skill_family"] else None
        return _PHRASES[key][reader] if key else None
    if name == "contract_months":
        months = float(f["contract_months"])
        return (f"合同 {months:.0f} 个月", f"{months:.0f}-month contract") if months else None
    if name == "channel_agrees":
        return None if f["channel_agrees"] else _PHRASES["channel_disagrees"][reader]
    if name == "cross_province":
        return ("跨省务工", "in another province") if f["cross_province"] else None
    if name == "shift":
        shift = f["shift"]
        key = SHIFTS[int(shift)] if isinstance(shift, (int, np.integer)) else str(shift)
        return _SHIFT_WORDS.get(key)
    return None
