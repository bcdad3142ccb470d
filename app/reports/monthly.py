"""The monthly consultation pack (月会商): per pairing, what the month placed and kept, where the gaps are.

Every figure is read as it stood at the month's end (China Standard Time), so a finished month's pack reads the
same whenever it is built, and the pairing versions are those in force on the month's last day.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy.orm import Session

from app import authz
from app.authz import Action, Resource
from app.config import get_settings
from app.consultation import service as consultation
from app.consultation.models import OPEN_STATUSES
from app.consultation.service import ActionAt
from app.errors import NotFound
from app.labels import label
from app.orgs.service import Principal
from app.pairings import service as pairing_service
from app.pairings.service import PairingAt
from app.reference import repository as reference_repo
from app.reference.service import RegionColumn, within
from app.reports import repository
from app.reports.schedule import write_if_changed
from app.reports.schemas import Month, Scope
from app.rights.report import RouteCases
from matching.departure_features import NOT_A_DEPARTURE
from matching.ranking.prepared import family_of
from matching.survival import retention

RETENTION_MONTHS = 12  # the retention figures read the starts of the twelve months up to the pack's month
TOP_REASONS = 5
TOP_GAPS = 10
HORIZONS = (30, 90)
SPEND_KINDS = ("accrual", "payment", "clawback", "reversal")
UNKNOWN_FAMILY = "unknown"
DEFINITIONS_TEXT: dict[str, tuple[str, str]] = {
    "month": (
        "自然月，按中国标准时间（UTC+8）；只统计月末及以前发生的事实；结对按月末最后一天有效的版本",
        "calendar month, China Standard Time (UTC+8); only facts dated by its last day count; each pairing as "
        "the version in force on that day",
    ),
    "target_month": (
        "年度目标按天折算到本月（目标 × 本月天数 / 全年天数）；年内累计同样按已过天数折算",
        "the annual target pro-rated to the month by days (target × days in month / days in year); the year to "
        "date likewise by the days elapsed",
    ),
    "month_retention": (
        "本月及之前 11 个月入职的就业记录，按 Kaplan-Meier 估计第 30/90 天仍在岗的比例；"
        "月末仍在岗或合同做满的按删失处理",
        "Kaplan-Meier share still employed on day 30/90 of the placements started in the month and the 11 before "
        "it; those still running at the month's end, or ended as a finished contract, are censored",
    ),
    "gaps": (
        "月末东部未满员岗位的缺口人数 与 西部未就业登记劳动者（按第一意向职业）按职业小类（CSCO 第三层）对比；"
        "缺口 = 需求 − 供给，正数表示东部缺人",
        "open eastern demand at the month's end (headcount still to fill) against unplaced western workers (by "
        "their first desired occupation), per occupation family (CSCO level 3); gap = demand − supply, positive "
        "where the east lacks workers",
    ),
    "month_cases": (
        "劳动者户籍在西部一侧、务工地在东部一侧的权益案件，按月末前记录的事件回放",
        "rights cases of workers from the west side working on the east side, replayed from the events written "
        "before the month ended",
    ),
    "services": (
        "本月到期的社保接续、异地就医等服务事项，及在到期日前办结的比例",
        "one-stop service tasks due in the month, and the share done by their due day",
    ),
    "actions": (
        "会商事项按月末的记录回放：本月新增的、上月结转仍未办结的（结转），及本月办结或撤销的；"
        "月末仍未办结且已过完成期限的标为超期",
        "consultation actions replayed from their history at the month's end: those raised in the month, those "
        "carried over still open from earlier months, and those closed in it; one still open at the month's end "
        "after its due date is flagged overdue",
    ),
    "spend": (
        "本月写入奖补台账的金额（分），按条目类型；核减与追回为负数",
        "amounts written to the incentive ledger in the month (fen), by entry kind; reversals and clawbacks are "
        "negative",
    ),
}
DEFINITIONS = {
    key: {"label": label("definition", key), "zh": zh_text, "en": en_text}
    for key, (zh_text, en_text) in DEFINITIONS_TEXT.items()
}


def reach_region(principal: Principal) -> str | None:
    """The region whose pairings a caller's packs cover (a county office: its own), None for every pairing."""
    return authz.reach(principal, Resource.monthly_pack, Action.read).region


def pairings_for(session: Session, month: Month, region: str | None, pairing_id: int | None) -> list[PairingAt]:
    """The pairings in force at the month's end that the caller reaches: a region's are those sending from it."""
    pairings = pairing_service.pairings_on(session, month.last)
    if region is not None:
        pairings = [p for p in pairings if within(region, p.west_code)]
    if pairing_id is not None:
        pairings = [p for p in pairings if p.id == pairing_id]
        if not pairings:
            raise NotFound("pairing")
    return pairings


@dataclass
class MonthFacts:
    """What the pack reads from the database, once for every pairing."""

    started: pd.DataFrame  # starts in the retention window, with ends dated by the month's end
    ended: pd.DataFrame  # placements ended in the month
    demand: pd.DataFrame  # open vacancies at the month's end with headcount left
    supply: pd.DataFrame  # unplaced workers at the month's end, one row each, with their family
    spend: pd.DataFrame
    services: pd.DataFrame
    cases: RouteCases
    actions: dict[int, list[ActionAt]]  # by pairing id
    owners: dict[int, str]  # the actions' owners by id
    _columns: dict[tuple[str, str], RegionColumn] = field(default_factory=dict)

    def mask(self, frame: str, column: str, region: str) -> np.ndarray:
        """Rows of `frame` whose `column` lies within `region`: within() once per distinct code, factorised once."""
        key = (frame, column)
        if key not in self._columns:
            self._columns[key] = RegionColumn(getattr(self, frame)[column])
        return self._columns[key].within(region)

    def route(self, frame: str, p: PairingAt) -> pd.DataFrame:
        """The rows of `frame` on the pairing's route: workers from its west side, jobs on its east side."""
        rows: pd.DataFrame = getattr(self, frame)
        if not len(rows):
            return rows
        return rows[self.mask(frame, "hukou_county", p.west_code) & self.mask(frame, "vacancy_county", p.east_code)]


def _days(values: pd.Series, origin: date) -> np.ndarray:
    days = (pd.to_datetime(values).to_numpy(dtype="datetime64[D]") - np.datetime64(origin, "D")).astype(
        "timedelta64[D]"
    )
    return np.where(np.isnat(days), np.nan, days.astype(np.int64).astype(float))


def load(session: Session, month: Month) -> MonthFacts:
    last, until = month.last, month.end_instant
    started = repository.started(session, Scope("province"), month.shift(1 - RETENTION_MONTHS).first, last)
    end_day = _days(started["end_date"], last) if len(started) else np.zeros(0)
    start_day = _days(started["start_date"], last) if len(started) else np.zeros(0)
    ended = ~np.isnan(end_day)
    completed = started["end_reason"].isin(NOT_A_DEPARTURE).to_numpy(bool) if len(started) else np.zeros(0, bool)
    # Durations in days up to the month's end; a finished contract is censored, as in the weekly report.
    started["duration"] = np.where(ended, end_day, 0.0) - start_day
    started["event"] = ended & ~completed
    supply = repository.unplaced_supply(session, last, until)
    supply["family"] = [
        family_of(str(wishes[0])) if isinstance(wishes, list) and wishes else UNKNOWN_FAMILY
        for wishes in supply["desired_occupations"]
    ]
    demand = repository.open_demand(session, last, until)
    demand["family"] = demand["occupation_code"].map(lambda c: family_of(c) if isinstance(c, str) else UNKNOWN_FAMILY)
    demand["left"] = demand["left"].clip(lower=0)
    actions = consultation.actions_in_month(session, month.start_instant, until, last)
    by_pairing: dict[int, list[ActionAt]] = {}
    for a in actions:
        by_pairing.setdefault(a.pairing_id, []).append(a)
    return MonthFacts(
        started=started,
        ended=repository.departures(session, Scope("province"), month.first, last),
        demand=demand,
        supply=supply,
        spend=repository.spend_by_route(session, month.start_instant, until),
        services=repository.service_tasks_due(session, month.first, last),
        cases=RouteCases.load(session, month.first, last, until, get_settings()),
        actions=by_pairing,
        owners=consultation.owner_names(session, actions),
    )


def _share(part: float, whole: float) -> float | None:
    return round(part / whole, 4) if whole else None


def _placements(started: pd.DataFrame, p: PairingAt, month: Month) -> dict[str, Any]:
    jan1 = date(month.year, 1, 1)
    year_days = (date(month.year + 1, 1, 1) - jan1).days
    in_month = int(started["start_date"].between(month.first, month.last).sum()) if len(started) else 0
    ytd = int(started["start_date"].between(jan1, month.last).sum()) if len(started) else 0
    target_month = p.annual_target * ((month.last - month.first).days + 1) / year_days
    target_ytd = p.annual_target * ((month.last - jan1).days + 1) / year_days
    return {
        "month": in_month,
        "target_month": round(target_month, 1),
        "month_target_share": _share(in_month, target_month),
        "ytd": ytd,
        "target_ytd": round(target_ytd, 1),
        "ytd_target_share": _share(ytd, target_ytd),
    }


def _retention(started: pd.DataFrame, month: Month) -> dict[str, Any]:
    durations = started["duration"].to_numpy(float)
    oldest = float((month.last - started["start_date"].min()).days) if len(started) else 0.0
    return {
        "placements": len(started),
        "window_start": month.shift(1 - RETENTION_MONTHS).first.isoformat(),
        **retention(durations, started["event"].to_numpy(bool), HORIZONS, oldest),
    }


def _end_reasons(ended: pd.DataFrame) -> dict[str, Any]:
    counts = ended["end_reason"].fillna("unknown").value_counts() if len(ended) else pd.Series(dtype=int)
    ranked = sorted(counts.items(), key=lambda kv: (-int(kv[1]), str(kv[0])))[:TOP_REASONS]
    total = int(counts.sum())
    return {
        "ended": total,
        "top": [
            {"reason": str(r), "reason_label": label("end_reason", str(r)), "count": int(n), "share": _share(n, total)}
            for r, n in ranked
        ],
    }


def _gaps(facts: MonthFacts, p: PairingAt, families: dict[str, str]) -> list[dict[str, Any]]:
    demand = facts.demand[facts.mask("demand", "vacancy_county", p.east_code)] if len(facts.demand) else facts.demand
    supply = facts.supply[facts.mask("supply", "hukou_county", p.west_code)] if len(facts.supply) else facts.supply
    need = demand.groupby("family")["left"].sum() if len(demand) else pd.Series(dtype=int)
    have = supply.groupby("family").size() if len(supply) else pd.Series(dtype=int)
    table = pd.DataFrame({"open_demand": need, "unplaced_supply": have}).fillna(0).astype(int)
    table["gap"] = table["open_demand"] - table["unplaced_supply"]
    table = table[(table["open_demand"] > 0) | (table["unplaced_supply"] > 0)]
    order = sorted(table.index, key=lambda f: (-abs(int(table.loc[f, "gap"])), str(f)))[:TOP_GAPS]
    return [
        {
            "family": str(f),
            "family_name": families.get(
                str(f), "未填意向职业 / no occupation given" if f == UNKNOWN_FAMILY else str(f)
            ),
            **{k: int(v) for k, v in table.loc[f].items()},
        }
        for f in order
    ]


def _spend(spend: pd.DataFrame) -> dict[str, Any]:
    by_kind = spend.groupby("kind")["amount_fen"].sum() if len(spend) else pd.Series(dtype=int)
    kinds = {k: int(by_kind.get(k, 0)) for k in SPEND_KINDS}
    return {
        "by_kind": [
            {"kind": k, "kind_label": label("incentive_entry_kind", k), "amount_fen": v} for k, v in kinds.items()
        ],
        "accrued_net_fen": kinds["accrual"] + kinds["reversal"],
        "paid_net_fen": kinds["payment"] + kinds["clawback"],
    }


def _services(tasks: pd.DataFrame) -> dict[str, Any]:
    due = int(tasks["due"].sum()) if len(tasks) else 0
    done = int(tasks["done_on_time"].sum()) if len(tasks) else 0
    return {"due": due, "done_on_time": done, "done_on_time_share": _share(done, due)}


def _actions(actions: list[ActionAt], month: Month) -> dict[str, int]:
    open_at_end = [a for a in actions if a.status in OPEN_STATUSES]
    return {
        "raised": sum(not a.carried_over for a in actions),
        "carried_over": sum(a.carried_over for a in actions),
        "closed": sum(a.closed_on is not None and a.closed_on >= month.first for a in actions),
        "open_at_month_end": len(open_at_end),
        "overdue_at_month_end": sum(a.overdue for a in open_at_end),
    }


def _name(p: PairingAt, divisions: dict[str, str]) -> str:
    return f"{divisions.get(p.east_code, p.east_code)}—{divisions.get(p.west_code, p.west_code)}"


def pairing_entry(facts: MonthFacts, p: PairingAt, month: Month, names: dict[str, dict[str, str]]) -> dict[str, Any]:
    """One pairing's figures for the month."""
    started = facts.route("started", p)
    return {
        "pairing_id": p.id,
        "version": p.version,
        "name": _name(p, names["divisions"]),
        "east_code": p.east_code,
        "west_code": p.west_code,
        "level": p.level,
        "level_label": label("pairing_level", p.level),
        "illustrative": bool(p.illustrative),
        "annual_target": p.annual_target,
        "placements": _placements(started, p, month),
        "retention": _retention(started, month),
        "end_reasons": _end_reasons(facts.route("ended", p)),
        "gaps": _gaps(facts, p, names["families"]),
        "cases": facts.cases.counts(p.west_code, p.east_code),
        "services": _services(facts.route("services", p)),
        "spend": _spend(facts.route("spend", p)),
        "actions": _actions(facts.actions.get(p.id, []), month),
    }


def build_pack(
    session: Session,
    month: Month,
    region: str | None = None,
    pairing_id: int | None = None,
    facts: MonthFacts | None = None,
) -> dict[str, Any]:
    """The pack for the pairings a caller reaches (all, a region's, or one), as JSON-ready data."""
    pairings = pairings_for(session, month, region, pairing_id)
    divisions = reference_repo.division_names(session)
    names = {"divisions": divisions, "families": reference_repo.occupation_family_names(session)}
    facts = facts or load(session, month)
    if pairing_id is not None:
        scope: dict[str, Any] = {"kind": "pairing", "id": pairing_id, "name": _name(pairings[0], divisions)}
    elif region is not None:
        scope = {"kind": "county", "code": region, "name": divisions.get(region, region)}
    else:
        scope = {"kind": "province", "name": "全省 / whole province"}
    return {
        "month": str(month),
        "month_start": month.first.isoformat(),
        "month_end": month.last.isoformat(),
        "timezone": "China Standard Time (UTC+8)",
        "scope": scope,
        "pairings": [pairing_entry(facts, p, month, names) for p in pairings],
        "actions": [
            a.as_dict(facts.owners.get(a.owner_org_id, "")) for p in pairings for a in facts.actions.get(p.id, [])
        ],
        "definitions": DEFINITIONS,
    }


def slug(region: str | None, pairing_id: int | None) -> str:
    """A file name stem: province, county-450225, pairing-3."""
    if pairing_id is not None:
        return f"pairing-{pairing_id}"
    return f"county-{region}" if region is not None else "province"


def is_first_monday(day: date) -> bool:
    """The Monday run on the month's first Monday also writes last month's consultation packs."""
    return day.weekday() == 0 and day.day <= 7


def run_monthly(
    session_factory: Callable[[], Session], month: Month, output_dir: Path, formats: Iterable[str]
) -> list[Path]:
    """Write the province's pack and each pairing's into output_dir/monthly-<month>/; the same data, the same bytes."""
    from app.reports.monthly_render import render

    folder = output_dir / f"monthly-{month}"
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    with session_factory() as session:
        facts = load(session, month)  # once: every pack of the run reads the same month
        scopes: list[int | None] = [None, *(p.id for p in pairings_for(session, month, None, None))]
        for pairing_id in scopes:
            pack = build_pack(session, month, None, pairing_id, facts)
            for fmt in formats:
                path = folder / f"{slug(None, pairing_id)}.{fmt}"
                write_if_changed(path, render(pack, fmt))
                written.append(path)
    return written
