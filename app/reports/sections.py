"""The weekly report's sections, each computed from the loaded facts, and its "口径 / Definitions"."""

from datetime import date
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy.orm import Session

from app.authz import OrgKind
from app.departure.schemas import DECISIONS
from app.departure.service import FLAG_MIN_RISK, action_for_kind, reasons_for
from app.errors import Msg
from app.labels import label
from app.reports import repository
from app.reports.facts import CONCERN_DAYS, FOLLOW_UP_SLACK, TREND_WEEKS, Facts, cohort_months, days_from
from app.reports.schemas import CHANNELS, IsoWeek, Scope
from app.reports.scope import Reference, pairing_mask
from app.training.report import trained_mask
from matching.departure_features import EARLY_DAYS, HORIZONS
from matching.survival import curve, retention

FOLLOW_UP_WEEKS = (1, 4, 12)
AT_RISK_LIMIT = 100
NO_SCORES = Msg(
    "离岗风险模型尚未评分（请先运行 laborbridge departure score）",
    "the departure model has not scored any placement yet (run `laborbridge departure score`)",
)
_CONTRACT_ENDED = label("end_reason", "contract_ended")
_CONCERN = label("outcome", "concern")
# The report's "口径 / Definitions": each in Chinese, then English; codes appear as their labels.
DEFINITIONS_TEXT: dict[str, tuple[str, str]] = {
    "week": (
        "ISO 周，周一至周日，按中国标准时间（UTC+8）；只统计周日及以前发生的事实",
        "ISO week, Monday-Sunday, China Standard Time (UTC+8); only facts dated by Sunday count",
    ),
    "channel": (
        f"{label('channel', 'cross_region')}：岗位在外省；{label('channel', 'local')}：岗位在劳动者户籍县；"
        f"{label('channel', 'nearby')}：岗位在本省其他地方",
        f"{label('channel', 'cross_region')}: the job is in another province; {label('channel', 'local')}: in "
        f"the worker's hukou county; {label('channel', 'nearby')}: elsewhere in the home province",
    ),
    "departures": (
        "本周结束的每一条就业记录，不论原因（离岗原因另列）",
        "every placement that ended in the week, whatever the reason (the end reasons split them)",
    ),
    "early_departure": (
        f"上岗不满 {EARLY_DAYS} 天即结束，{_CONTRACT_ENDED} 除外（合同做满不算离岗）",
        f"ended fewer than {EARLY_DAYS} days after the start, other than by {_CONTRACT_ENDED} "
        "(a finished contract is not a departure)",
    ),
    "retention": (
        "按月度入职队列，用 Kaplan-Meier 方法估计第 30/90/180 天仍在岗的比例；周末仍在岗的记录按删失处理，"
        f"{_CONTRACT_ENDED} 的记录同样按删失处理（做满合同，不是离开），与离岗风险模型一致；"
        "“—”表示队列太新，尚不能估计该期限",
        "Kaplan-Meier share still employed on day 30/90/180 by monthly start cohort; placements still running at "
        f"the week's end are censored, and so are those that ended as {_CONTRACT_ENDED} (they completed, they did "
        'not leave), as in the departure model; "—" = the cohort is too young for that horizon',
    ),
    "follow_ups": (
        f"上岗后第 1、4、12 周应回访（应访日前后 3 天内完成算已访）；回访结果为“{_CONCERN}”后 7 天内应再回访"
        "（其后有任何回访即算已访）；只统计仍在岗的记录",
        "due 1, 4 and 12 weeks after the start (done within 3 days of the due day) and 7 days after a "
        f"{_CONCERN} outcome (done if any follow-up came after it); only while the placement is active",
    ),
    "at_risk": (
        f"离岗风险（最近一个未到的期限）不低于 {FLAG_MIN_RISK} 的在岗记录；“本周冻结”= 每周一运行时冻结的评分"
        "（以后重算结果相同），“实时”= 下一周结束前最新的评分（该周没有冻结时）",
        f"active placements whose departure risk at the nearest horizon is at least {FLAG_MIN_RISK}; frozen = "
        "the scores frozen by the week's Monday run (reads the same later), live = the latest scores made by the "
        "end of the following week (an older week the run did not freeze)",
    ),
    "cases": (
        "按周日结束前记录的案件事件回放：本周立案、本周办结、周末未结；周末超期 = 仍在计时的时限早于周日；"
        "办结用时按中国工作日（含节假日与调休）计；离岗中有案件的比例 = 本周离岗的就业记录中有权益案件的比例",
        "replayed from the case events written before the week ended: opened and resolved in the week, open at its "
        "end; overdue = a running clock due before the Sunday; time to resolve in Chinese working days (holidays "
        "and make-up days counted); share of departures with a case = the week's ended placements that have one",
    ),
    "training": (
        "报名按报名登记日计；结业按培训班结束日计（需考核合格且出勤达标）；退学按登记退学日计；"
        "在办培训班 = 本范围有学员、周日处于开班与结业日之间且未取消的班次；"
        "结业30天内就业 = 30天窗口已满的13周内结业学员中，结业后30天内上岗的比例；"
        "留存 = 上岗前已在该工种结业的劳动者与同工种未培训劳动者，按 Kaplan-Meier 估计第 90/180 天仍在岗比例"
        "（删失同上）；承诺兑现 = 已结业订单班对应需求的承诺招用人数中，结业后在该岗位上岗的结业学员人数",
        "an enrolment counts on the day it was made, a completion on its class's last day (a pass with enough hours), "
        "a drop on the day it was recorded; classes running = classes with an enrolment in scope whose dates span the "
        "Sunday, not cancelled; placed within 30 days = of the graduates of classes that ended in the 13 weeks whose "
        "30-day window has closed, the share who started a placement within 30 days of the class's end; retention = "
        "Kaplan-Meier share still employed on day 90/180 of workers who had completed a class in the job's occupation "
        "before starting, against untrained workers in the same occupations (censored as above); commitments kept = "
        "graduates of completed order classes who started on the demand's vacancy, against the hires it committed",
    ),
    "pairing_target": (
        "年度目标属于整个结对：完成比例 = 结对全部年内就业 / 年度目标；县或企业看到本范围的年内就业及其占结对的比重",
        "the annual target belongs to the whole pairing: the share done = all of the pairing's placements this "
        "year / the target; a county or employer also sees its own placements this year and their share of the "
        "pairing's",
    ),
}
DEFINITIONS = {
    key: {"label": label("definition", key), "zh": zh_text, "en": en_text}
    for key, (zh_text, en_text) in DEFINITIONS_TEXT.items()
}


def as_int(value: Any) -> int:
    return int(value) if value == value else 0


def ratio(value: float | None) -> float | None:
    return None if value is None or not np.isfinite(value) else round(float(value), 4)


def week_figures(facts: Facts, mask_counts: np.ndarray | None = None, mask_deps: np.ndarray | None = None) -> dict:
    counts = facts.counts if mask_counts is None else facts.counts[mask_counts]
    deps = facts.departures if mask_deps is None else facts.departures[mask_deps]
    out: dict[str, dict[str, int]] = {}
    for which, i, lo in (("this_week", 1, 0), ("last_week", 0, -7)):
        in_week = (deps["end_day"] >= lo) & (deps["end_day"] < lo + 7)
        out[which] = {
            "new_placements": as_int(counts[f"new_{i}"].sum()),
            "active_at_week_end": as_int(counts[f"active_{i}"].sum()),
            "departures": int(in_week.sum()),
            "early_departures": int((in_week & deps["early"]).sum()),
        }
    return out


def grouped(facts: Facts, key: str) -> pd.DataFrame:
    """This week's four figures per value of `key`, in one groupby per table."""
    counts = facts.counts.groupby(key)[["new_1", "active_1"]].sum()
    deps = facts.departures[(facts.departures["end_day"] >= 0) & (facts.departures["end_day"] < 7)]
    dep = deps.groupby(key).agg(departures=("early", "size"), early_departures=("early", "sum"))
    table = counts.join(dep, how="outer").fillna(0).astype(int)
    table = table.rename(columns={"new_1": "new_placements", "active_1": "active_at_week_end"})
    return table[["new_placements", "active_at_week_end", "departures", "early_departures"]].sort_index()


def rows(table: pd.DataFrame, key: str, names: dict[Any, str]) -> list[dict[str, Any]]:
    rows = []
    for value, figures in table.iterrows():  # one row per county or employer, not per placement
        if not figures.any():
            continue
        item = {key: value if key != "employer_id" else int(value), "name": names.get(value, str(value))}
        rows.append(item | {k: int(v) for k, v in figures.items()})
    return rows


def km(frame: pd.DataFrame, horizons: tuple[int, ...] = HORIZONS) -> dict[str, dict[str, Any]]:
    oldest = float(-frame["start_day"].min()) if len(frame) else 0.0  # start_day counts back from Sunday
    return retention(frame["duration"].to_numpy(float), frame["event"].to_numpy(bool), horizons, oldest)


def cohorts(facts: Facts, week: IsoWeek) -> list[dict[str, Any]]:
    started = facts.started
    month = pd.PeriodIndex(pd.to_datetime(started["start_date"]), freq="M").astype(str) if len(started) else []
    out = []
    for period in cohort_months(week):  # twelve cohorts, each fitted on its own rows
        cohort = started[np.asarray(month) == str(period)] if len(started) else started
        out.append({"cohort": str(period), "placements": len(cohort), "retention": km(cohort)})
    return out


def follow_ups(facts: Facts) -> dict[str, Any]:
    """Follow-ups due this week against those done by Sunday (days counted from Monday: 0..6 is the week)."""
    started, fu = facts.started, facts.follow_ups
    fu_day = days_from(fu, "date", facts.monday) if len(fu) else np.array([])
    start = started["start_day"].to_numpy(float) + 6  # start_day counts from Sunday
    end = np.where(started["ended"].to_numpy(bool), start + started["duration"].to_numpy(float), np.inf)
    ids = started["placement_id"].to_numpy()
    parts = []
    for weeks in FOLLOW_UP_WEEKS:
        due = start + 7 * weeks
        keep = (due >= 0) & (due <= 6) & (end > due)  # only while the placement is still running
        parts.append((ids[keep], f"week_{weeks}", due[keep], due[keep] - FOLLOW_UP_SLACK, due[keep] + FOLLOW_UP_SLACK))
    concern = (fu["outcome"] == "concern").to_numpy() if len(fu) else np.zeros(0, bool)
    if concern.any():
        said = fu_day[concern]
        due = said + CONCERN_DAYS
        ended = days_from(fu[concern], "end_date", facts.monday)
        keep = (due >= 0) & (due <= 6) & ~(ended <= due)
        parts.append(
            (
                fu["placement_id"].to_numpy()[concern][keep],
                "after_concern",
                due[keep],
                said[keep] + 0.5,
                due[keep] + FOLLOW_UP_SLACK,
            )
        )
    table = pd.concat(
        [
            pd.DataFrame({"placement_id": i, "kind": k, "due": d, "lo": lo, "hi": np.minimum(hi, 6)})
            for i, k, d, lo, hi in parts
        ],
        ignore_index=True,
    ).drop_duplicates(["placement_id", "kind", "due"], ignore_index=True)
    table["due_id"] = np.arange(len(table))
    table["placement_id"] = table["placement_id"].astype(np.int64)
    calls = pd.DataFrame({"placement_id": fu["placement_id"].to_numpy(np.int64), "day": fu_day})
    matched = table.merge(calls, on="placement_id")
    done_ids = matched.loc[(matched["day"] >= matched["lo"]) & (matched["day"] <= matched["hi"]), "due_id"]
    table["done"] = table["due_id"].isin(set(done_ids))
    by_kind = {}
    for kind in [f"week_{w}" for w in FOLLOW_UP_WEEKS] + ["after_concern"]:
        part = table[table["kind"] == kind]
        by_kind[kind] = {"due": len(part), "done": int(part["done"].sum())}
    due_n, done_n = len(table), int(table["done"].sum())
    return {"due": due_n, "done": done_n, "done_share": ratio(done_n / due_n) if due_n else None, "by_kind": by_kind}


def at_risk(facts: Facts, ref: Reference, week: IsoWeek, scope: Scope) -> dict[str, Any]:
    risks, reviews = facts.risks, facts.reviews
    answered = {d: int((reviews["decision"] == d).sum()) for d in sorted(set(reviews["decision"]) | set(DECISIONS))}
    if not len(risks):
        return {
            "note": NO_SCORES.text(),
            "source": facts.risk_source,
            "scored": 0,
            "flagged": 0,
            "answered_this_week": answered,
            "items": [],
        }
    nearest = risks[["risk_90", "risk_180", "risk_30"]].apply(pd.to_numeric, errors="coerce")
    risk = nearest["risk_90"].fillna(nearest["risk_180"]).fillna(nearest["risk_30"])
    flagged = risks.assign(risk=risk)[risk >= FLAG_MIN_RISK].sort_values(
        ["risk", "placement_id"], ascending=[False, True]
    )
    latest = reviews.sort_values(["created_at", "review_id"]).drop_duplicates("placement_id", keep="last")
    decision = dict(zip(latest["placement_id"], latest["decision"], strict=True))
    reader = OrgKind.training_school.value if scope.kind == "school" else scope.kind  # whose reasons rules apply
    items = []
    for row in flagged.head(AT_RISK_LIMIT).itertuples(index=False):  # at most 100 rows, for display
        action = action_for_kind(reader, row.risk, row.reasons or [], row.action)
        items.append(
            {
                "placement_id": int(row.placement_id),
                "worker_id": int(row.worker_id),
                "hukou_county": row.hukou_county,
                "hukou_county_name": ref.divisions.get(row.hukou_county, row.hukou_county),
                "employer_id": int(row.employer_id),
                "employer_name": ref.employers.get(row.employer_id, str(row.employer_id)),
                "vacancy_title": row.vacancy_title,
                "channel": row.channel,
                "channel_label": label("channel", row.channel),
                "start_date": row.start_date.isoformat(),
                "days_in_job": (week.sunday - row.start_date).days,
                "status": "upcoming" if row.start_date > week.sunday else "active",  # flagged ones have not ended
                "risk_30": ratio(row.risk_30),
                "risk_90": ratio(row.risk_90),
                "risk_180": ratio(row.risk_180),
                "reasons": reasons_for(reader, row.reasons or []),
                "action": action,
                "action_label": label("action", action),
                "model_version": row.model_version,
                "answered_this_week": decision.get(row.placement_id),
            }
        )
    return {
        "note": None,
        "source": facts.risk_source,
        "scored": len(risks),
        "flagged": len(flagged),
        "answered_this_week": answered,
        "items": items,
    }


def pairing_rows(session: Session, facts: Facts, ref: Reference, scope: Scope, week: IsoWeek) -> list[dict[str, Any]]:
    sunday = week.sunday
    jan1 = date(sunday.year, 1, 1)
    ytd = facts.started[facts.started["start_date"] >= jan1] if len(facts.started) else facts.started
    year_share = ((sunday - jan1).days + 1) / (date(sunday.year + 1, 1, 1) - jan1).days
    # The target is the whole pairing's: a county or an employer is one part of it, so the share done is counted
    # on the pairing's placements from every county and employer, and the scope's own count is shown beside it.
    whole = None if scope.kind in ("province", "pairing") else repository.starts_by_county_pair(session, jan1, sunday)
    rows = []
    for p in ref.pairings:  # two dozen pairings, each a vectorised mask
        if scope.kind == "pairing" and p.id != scope.pairing_id:
            continue
        figures = week_figures(facts, pairing_mask(facts.counts, p), pairing_mask(facts.departures, p))
        mine = ytd[pairing_mask(ytd, p)] if len(ytd) else ytd
        if scope.kind not in ("province", "pairing") and not (len(mine) or any(figures["this_week"].values())):
            continue
        total = len(mine) if whole is None else int(whole.loc[pairing_mask(whole, p), "placements"].sum())
        rows.append(
            {
                "pairing_id": p.id,
                "name": f"{ref.divisions.get(p.east_code, p.east_code)}—{ref.divisions.get(p.west_code, p.west_code)}",
                "east_code": p.east_code,
                "west_code": p.west_code,
                "level": p.level,
                "illustrative": bool(p.illustrative),
                "annual_target": p.annual_target,
                "ytd_placements": len(mine),
                "pairing_ytd_placements": total,
                "share_of_pairing": ratio(len(mine) / total) if total else None,
                "ytd_target_share": ratio(total / p.annual_target) if p.annual_target else None,
                "year_elapsed_share": round(year_share, 4),
                "ytd_retention_90": km(mine, (90,))["90"],
                **figures["this_week"],
            }
        )
    return rows


def curves(facts: Facts, ref: Reference, scope: Scope) -> dict[str, Any]:
    started = facts.started
    by_channel = {}
    for ch in CHANNELS:
        part = started[started["channel"] == ch] if len(started) else started
        if len(part):
            by_channel[ch] = curve(part["duration"].to_numpy(float), part["event"].to_numpy(bool))
    by_pairing = {}
    for p in ref.pairings:
        if scope.kind == "pairing" and p.id != scope.pairing_id:
            continue
        part = started[pairing_mask(started, p)] if len(started) else started
        if len(part):
            by_pairing[str(p.id)] = curve(part["duration"].to_numpy(float), part["event"].to_numpy(bool))
    return {"by_channel": by_channel, "by_pairing": by_pairing}


def trend(facts: Facts, week: IsoWeek) -> list[dict[str, Any]]:
    deps = facts.departures
    index = np.floor_divide(deps["end_day"].to_numpy(float), 7).astype(int) + (TREND_WEEKS - 1)
    early = deps["early"].to_numpy(bool)
    total = np.bincount(index, minlength=TREND_WEEKS)[:TREND_WEEKS] if len(deps) else np.zeros(TREND_WEEKS, int)
    early_n = (
        np.bincount(index, weights=early, minlength=TREND_WEEKS)[:TREND_WEEKS] if len(deps) else np.zeros(TREND_WEEKS)
    )
    return [
        {
            "week": str(week.shift(i - (TREND_WEEKS - 1))),
            "departures": int(total[i]),
            "early_departures": int(early_n[i]),
        }
        for i in range(TREND_WEEKS)
    ]


def scope_block(scope: Scope, ref: Reference) -> dict[str, Any]:
    if scope.kind == "county":
        assert scope.code is not None
        return {"kind": "county", "code": scope.code, "name": ref.divisions.get(scope.code, scope.code)}
    if scope.kind == "employer":
        assert scope.org_id is not None
        return {"kind": "employer", "id": scope.org_id, "name": ref.employers.get(scope.org_id, str(scope.org_id))}
    if scope.kind == "workplace":
        assert scope.code is not None
        return {"kind": "workplace", "code": scope.code, "name": ref.divisions.get(scope.code, scope.code)}
    if scope.kind == "pairing":
        name = f"{ref.divisions.get(scope.east_code or '', '')}—{ref.divisions.get(scope.west_code or '', '')}"
        return {"kind": "pairing", "id": scope.pairing_id, "name": name}
    if scope.kind == "school":
        assert scope.org_id is not None
        return {"kind": "school", "id": scope.org_id, "name": ref.schools.get(scope.org_id, str(scope.org_id))}
    return {"kind": "province", "name": "全省 / whole province"}


def case_filters(scope: Scope) -> dict[str, Any]:
    """The cases a scope counts: its workers' (home county), its employer's, its workplaces', its pairing's sides."""
    if scope.kind == "county":
        return {"home_region": scope.code}
    if scope.kind == "employer":
        return {"employer_id": scope.org_id}
    if scope.kind == "pairing":
        return {"home_region": scope.west_code, "workplace_region": scope.east_code}
    if scope.kind == "workplace":  # a station's region: the cases whose claim lies there
        return {"workplace_region": scope.code}
    if scope.kind == "school":  # its graduates' cases
        return {"school_id": scope.org_id}
    return {}


def training_filters(scope: Scope) -> dict[str, Any]:
    """The enrolments a scope counts: its workers', its employer's demands', its workplaces' demands'."""
    if scope.kind in ("county", "pairing"):
        return {"home_region": scope.code if scope.kind == "county" else scope.west_code}
    if scope.kind == "employer":
        return {"employer_id": scope.org_id}
    if scope.kind == "workplace":
        return {"workplace_region": scope.code}
    if scope.kind == "school":
        return {"school_id": scope.org_id}
    return {}


def graduate_retention(facts: Facts) -> dict[str, Any]:
    """Graduates' placements against untrained workers' in the same occupations, Kaplan–Meier at 90 and 180 days."""
    started = facts.started
    if not len(started):
        empty = km(started, (90, 180))
        return {"occupations": 0, "graduates": empty, "untrained_same_occupations": empty}
    graduates, untrained = trained_mask(started)
    return {
        "occupations": int(started.loc[graduates, "occupation_code"].nunique()),
        "graduates": km(started[graduates], (90, 180)),
        "untrained_same_occupations": km(started[untrained], (90, 180)),
    }
