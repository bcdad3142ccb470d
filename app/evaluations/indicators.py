"""The quarterly evaluation's indicators, score and grade, from placement rows and the replayed rights cases.

Every figure is read as it stood at the quarter's end (China Standard Time): an end dated later is not yet an end,
a placement started later is not counted. Definitions, in words, are DEFINITIONS below (and docs/reports.md).
"""

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy.orm import Session

from app.config import get_settings
from app.evaluations import repository
from app.labels import label
from app.pairings.service import PairingAt
from app.reference.service import RegionColumn
from app.reports.schemas import Quarter
from app.rights.report import RouteCases
from matching.departure_features import NOT_A_DEPARTURE

LASTING_DAYS = 180
LIFTED_MONTHS = 6
# Two placements with at most this many days between them are one continuous spell of work (a change of job).
LIFTED_GAP_DAYS = 15
BELOW_TARGET = 0.6  # under this share of the pro-rated target a quarter raises the alerts
RIGHTS_CEILING_PER_100 = 10.0  # this many cases per 100 placements, or more, scores the rights component 0
# the score's bounds for each grade, highest first; below the last: fail
GRADES = ((85.0, "excellent"), (70.0, "good"), (60.0, "pass"))
# Rows read before the previous quarter began: enough for day 180 and for a six-month spell with its gaps.
LOOKBACK_DAYS = 250
EPOCH = np.datetime64("1970-01-01", "D")

DEFINITIONS_TEXT: dict[str, tuple[str, str]] = {
    "quarter": (
        "自然季度，按中国标准时间（UTC+8）；只统计季末及以前发生的事实；结对按季末最后一天有效的版本",
        "calendar quarter, China Standard Time (UTC+8); only facts dated by its last day count; each pairing as "
        "the version in force on that day",
    ),
    "quarter_target": (
        "年度目标按天折算到本季（目标 × 本季内结对有效的天数 / 全年天数）；完成率 = 本季上岗人数 / 折算目标",
        "the annual target pro-rated to the quarter by days (target × the quarter's days on which the pairing was "
        "live / days in the year); the share = placements started in the quarter / that target",
    ),
    "lasted_180": (
        "上岗第180天落在本季的就业记录中，第180天仍在岗（未离岗或离岗日不早于第180天）的人数；"
        "第180天前合同做满的不计入分母（删失）",
        "of the placements whose day 180 fell in the quarter, those still in the job on day 180 (not ended, or "
        "ended on day 180 or later); a contract finished before day 180 is left out of the denominator (censored)",
    ),
    "low_income": (
        "本季上岗人员中，登记的低收入人口或防止返贫监测户成员所占比例",
        "the share of the quarter's placements whose worker is registered low-income or from a monitored household",
    ),
    "lifted": (
        "“就业脱贫”的代理指标：低收入或监测户成员连续就业满6个月、且满6个月之日落在本季的人数"
        "（一段就业开始于此前各段最晚结束日后15天以内视为连续）；以满6个月时所在岗位计入结对；它不是脱贫认定本身",
        "the 'lifted out of poverty by employment' proxy: people from low-income or monitored households whose "
        "continuous spell of work reached six months on a day in the quarter (a placement starting at most 15 days "
        "after the latest end of the earlier ones continues the spell), counted on the route of the job they held "
        "that day; it is not the official poverty status",
    ),
    "quarter_cases": (
        "本季新立的权益案件（劳动者户籍在西部一侧、务工地在东部一侧）每100个本季在岗人次",
        "rights cases opened in the quarter (workers from the west side working on the east side) per 100 "
        "placements active at any time in the quarter",
    ),
    "training_placed": (
        "本季上岗人员中由培训结业后就业的人数（上岗记录关联了已完成的培训）",
        "placements started in the quarter that followed a completed training (linked to the enrolment)",
    ),
    "score": (
        "各分项得分（0–1）按权重加权平均 × 100；无法计算的分项不计权重；≥85 优秀，≥70 良好，≥60 合格，其余不合格",
        "the weighted mean of the component scores (0–1) × 100; a component that cannot be computed carries no "
        "weight; 85 or more excellent, 70 good, 60 pass, below fail",
    ),
    "alerts": (
        "本季完成率低于折算目标的60%：预警，定稿时生成整改事项；连续两季低于60%：需复核",
        "below 60 % of the pro-rated target: an alert, and a rectification action when the evaluation is final; "
        "two quarters in a row: a review flag",
    ),
    "trend": (
        "与上一季度按同一口径计算的结果相比（上一季度末有效的结对版本）",
        "against the previous quarter computed the same way (with the pairing version in force at its end)",
    ),
}
DEFINITIONS = {
    key: {"label": label("definition", key), "zh": zh_text, "en": en_text}
    for key, (zh_text, en_text) in DEFINITIONS_TEXT.items()
}


def _day(d: date) -> int:
    return int((np.datetime64(d, "D") - EPOCH).astype(np.int64))


def _day_numbers(values: pd.Series) -> np.ndarray:
    days = pd.to_datetime(values).to_numpy(dtype="datetime64[D]")
    numbers = (days - EPOCH).astype("timedelta64[D]").astype(np.int64).astype(float)
    return np.where(np.isnat(days), np.nan, numbers)


def _plus_months(days: np.ndarray, months: int) -> np.ndarray:
    """The same day `months` later (the month's last day when it has no such day), as day numbers."""
    shifted = pd.DatetimeIndex(EPOCH + days.astype("timedelta64[D]")) + pd.DateOffset(months=months)
    return (shifted.to_numpy(dtype="datetime64[D]") - EPOCH).astype(np.int64)


def _share(part: float, whole: float) -> float | None:
    return round(part / whole, 4) if whole else None


class QuarterView:
    """The rows as they stood at one quarter's end, indexed by route once for every pairing."""

    def __init__(self, rows: pd.DataFrame, quarter: Quarter, cases: RouteCases) -> None:
        self.quarter, self.cases = quarter, cases
        self.first, self.last = _day(quarter.first), _day(quarter.last)
        start = _day_numbers(rows["start_date"]) if len(rows) else np.zeros(0)
        keep = start <= self.last
        rows = rows[keep]
        end = _day_numbers(rows["end_date"]) if len(rows) else np.zeros(0)
        self.start = start[keep]
        self.end = np.where(end <= self.last, end, np.nan)
        self.finished = rows["end_reason"].isin(NOT_A_DEPARTURE).to_numpy(bool) & ~np.isnan(self.end)
        self.trained = rows["trained"].to_numpy(bool)
        self.household = rows["household"].to_numpy(bool)
        self.hukou, self.work = RegionColumn(rows["hukou_county"]), RegionColumn(rows["vacancy_county"])
        self.spells = self._spells(rows)
        self.spell_hukou = RegionColumn(self.spells["hukou_county"])
        self.spell_work = RegionColumn(self.spells["vacancy_county"])

    def _spells(self, rows: pd.DataFrame) -> pd.DataFrame:
        """Household members' continuous spells of work that reach six months in the quarter, one row per spell,
        on the route of the job held on the six-month day, with whether the spell lasted to it."""
        h = np.flatnonzero(self.household)
        order = h[np.lexsort((rows["placement_id"].to_numpy()[h], self.start[h], rows["worker_id"].to_numpy()[h]))]
        worker, start = rows["worker_id"].to_numpy()[order], self.start[order]
        end = np.where(np.isnan(self.end[order]), np.inf, self.end[order])  # still in work: never ended yet
        n = len(order)
        first_row = np.r_[True, worker[1:] != worker[:-1]] if n else np.zeros(0, bool)
        # The latest end so far of the worker's earlier placements (they may overlap): the gap is measured from it.
        reach = pd.Series(end).groupby(worker).cummax().to_numpy() if n else np.zeros(0)
        prev_reach = np.r_[-np.inf, reach[:-1]] if n else np.zeros(0)
        new = first_row | (start > prev_reach + LIFTED_GAP_DAYS)
        spell = np.cumsum(new) - 1
        spell_start = start[new][spell] if n else np.zeros(0)
        mark = _plus_months(spell_start, LIFTED_MONTHS) if n else np.zeros(0, np.int64)
        spell_end = pd.Series(end).groupby(spell).transform("max").to_numpy() if n else np.zeros(0)
        # The job held on the six-month day: one still running then if there is one, else the last one started.
        eligible = start <= mark
        by_rank = np.lexsort((start, eligible & (end >= mark), spell)) if n else np.zeros(0, np.int64)
        by_rank = by_rank[eligible[by_rank]]
        holds_mark = np.zeros(n, dtype=bool)
        holds_mark[by_rank[np.r_[spell[by_rank][1:] != spell[by_rank][:-1], True]] if n else by_rank] = True
        in_quarter = holds_mark & (mark >= self.first) & (mark <= self.last)
        return pd.DataFrame(
            {
                "worker_id": worker[in_quarter],
                "hukou_county": rows["hukou_county"].to_numpy()[order][in_quarter],
                "vacancy_county": rows["vacancy_county"].to_numpy()[order][in_quarter],
                "lifted": (spell_end >= mark)[in_quarter],
            }
        )

    def indicators(self, p: PairingAt) -> dict[str, Any]:
        """One pairing's figures for the quarter: the route is workers from its west side in jobs on its east side."""
        route = self.hukou.within(p.west_code) & self.work.within(p.east_code)
        start, end, finished = self.start[route], self.end[route], self.finished[route]
        in_quarter = (start >= self.first) & (start <= self.last)
        day_180 = start + LASTING_DAYS
        reaches = (day_180 >= self.first) & (day_180 <= self.last)
        ended_early = ~np.isnan(end) & (end < day_180)
        active = np.isnan(end) | (end >= self.first)
        spells = self.spell_hukou.within(p.west_code) & self.spell_work.within(p.east_code)
        lifted = self.spells["lifted"].to_numpy(bool)[spells]
        year_days = (date(self.quarter.year + 1, 1, 1) - date(self.quarter.year, 1, 1)).days
        target = p.annual_target * live_days(p, self.quarter) / year_days
        placements = int(in_quarter.sum())
        reached = int((reaches & ~(ended_early & finished)).sum())
        lasted = int((reaches & ~ended_early).sum())
        low_income = int((in_quarter & self.household[route]).sum())
        trained = int((in_quarter & self.trained[route]).sum())
        cases = self.cases.counts(p.west_code, p.east_code)["opened"]
        active_n = int(active.sum())
        return {
            "placements": placements,
            "target_quarter": round(target, 1),
            "target_share": _share(placements, target),
            "lasted_180": lasted,
            "reached_180": reached,
            "lasted_180_share": _share(lasted, reached),
            "low_income_placements": low_income,
            "low_income_share": _share(low_income, placements),
            "lifted": int(lifted.sum()),
            "lifted_cohort": len(lifted),
            "lifted_share": _share(int(lifted.sum()), len(lifted)),
            "active_placements": active_n,
            "rights_cases": cases,
            "rights_cases_per_100": round(100 * cases / active_n, 2) if active_n else None,
            "training_graduates_placed": trained,
            "training_share": _share(trained, placements),
        }


def live_days(p: PairingAt, quarter: Quarter) -> int:
    """The quarter's days on which the pairing was live: one that started on 20 September owes 11 days of Q3."""
    first = max(quarter.first, p.start_date or quarter.first)
    last = min(quarter.last, p.end_date or quarter.last)
    return max(0, (last - first).days + 1)


@dataclass
class QuarterFacts:
    """What an evaluation reads from the database, once for every pairing: this quarter and the one before."""

    current: QuarterView
    previous: QuarterView


def load(session: Session, quarter: Quarter) -> QuarterFacts:
    previous = quarter.shift(-1)
    rows = repository.placements(session, previous.first - timedelta(days=LOOKBACK_DAYS), quarter.last)
    cases = RouteCases.load(session, quarter.first, quarter.last, quarter.end_instant, get_settings())
    # A case's opening day never changes, so the previous quarter's openings are counted from the same replay.
    previous_cases = replace(cases, first=previous.first, last=previous.last, _sides=None)
    return QuarterFacts(QuarterView(rows, quarter, cases), QuarterView(rows, previous, previous_cases))


def components(indicators: Mapping[str, Any], weights: Mapping[str, float]) -> dict[str, dict[str, Any]]:
    """Each component's score from 0 to 1 (None when its denominator is empty) beside its weight."""
    share = indicators["target_share"]
    per_100 = indicators["rights_cases_per_100"]
    values = {
        "target": None if share is None else min(1.0, share),
        "lasted_180": indicators["lasted_180_share"],
        "low_income": indicators["low_income_share"],
        "lifted": indicators["lifted_share"],
        "rights": None if per_100 is None else max(0.0, 1.0 - per_100 / RIGHTS_CEILING_PER_100),
        "training": indicators["training_share"],
    }
    return {
        name: {
            "label": label("evaluation_component", name),
            "value": None if value is None else round(value, 4),
            "weight": float(weights.get(name, 0.0)),
        }
        for name, value in values.items()
    }


def score(parts: Mapping[str, Mapping[str, Any]]) -> float | None:
    """The weighted mean of the components that could be computed, × 100, to one decimal."""
    scored = [(p["value"], p["weight"]) for p in parts.values() if p["value"] is not None and p["weight"] > 0]
    total = sum(w for _, w in scored)
    return round(100 * sum(v * w for v, w in scored) / total, 1) if total else None


def grade(value: float | None) -> str:
    if value is None:
        return "ungraded"
    return next((name for bound, name in GRADES if value >= bound), "fail")


def is_below_target(indicators: Mapping[str, Any]) -> bool:
    share = indicators["target_share"]
    return share is not None and share < BELOW_TARGET
