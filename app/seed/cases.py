"""Demo rights cases: every `dispute` or `injury` end and a share of `quit_wage` ends opens a case, with a history.

Each case moves through the service's own states (contact, accept, refer, then resolved, rejected or withdrawn
once enough time has passed), and its clocks are the service's clocks, so a fresh demo shows open, overdue and
closed cases and the weekly report's `cases` section has something to count.
"""

from datetime import date, datetime, time, timedelta
from typing import Any

import numpy as np

from app.authz import OrgKind
from app.clock import CST
from app.placements.schemas import END_REASONS
from app.rights.clocks import STOPS, DueDates, clock
from app.rights.ties import CASE_FOR_END_REASON
from app.rights.workdays import PUBLISHED
from app.seed.simulate import World

WAGE_QUIT_CASE_SHARE = 0.3  # most workers who quit over pay do not complain
# The statuses the history's actions lead to (the service's TRANSITIONS for the actions a demo uses).
TO_STATUS = {
    "accept": "accepted",
    "refer": "in_progress",
    "resolve": "resolved",
    "reject": "rejected",
    "withdraw": "withdrawn",
}
SUMMARIES = {
    "contract": "未签书面劳动合同，被口头辞退",
    "work_injury": "工作中受伤，企业未申报工伤",
    "wage_arrears": "拖欠工资",
}


def build_cases(
    w: World,
    org_ids: np.ndarray,
    worker_ids: np.ndarray,
    placement_ids: np.ndarray,
    clock_overrides: dict[str, dict[str, int]],
) -> tuple[list[dict[str, Any]], list[list[dict[str, Any]]]]:
    """Case rows and, for each, its events in order (the case ids are filled in by the caller)."""
    rng = np.random.default_rng([int(w.today), 11])
    reasons = np.array(END_REASONS, dtype=object)
    ended = w.placements.end >= 0
    reason = np.where(ended, reasons[np.maximum(w.placements.reason, 0)], "")
    chosen = np.isin(reason, ["dispute", "injury"]) | (
        (reason == "quit_wage") & (rng.random(len(reason)) < WAGE_QUIT_CASE_SHARE)
    )
    due = DueDates(PUBLISHED, clock_overrides)
    today = (np.datetime64("1970-01-01") + np.timedelta64(int(w.today), "D")).astype(object)
    kinds = np.array(w.orgs.kind, dtype=object)
    cases, histories = [], []
    for i in np.flatnonzero(chosen).tolist():
        kind = CASE_FOR_END_REASON[str(reason[i])]
        end_day = (np.datetime64("1970-01-01") + np.timedelta64(int(w.placements.end[i]), "D")).astype(object)
        opened = min(end_day + timedelta(days=int(rng.integers(0, 15))), today)
        office = int(org_ids[w.workers.owner[w.placements.worker[i]]])
        vacancy = int(w.placements.vacancy[i])
        referrer = int(w.placements.referrer[i])
        agency = int(org_ids[referrer]) if referrer >= 0 and kinds[referrer] == OrgKind.agency else None
        claimed = int(rng.integers(20, 150)) * 10_000 if kind == "wage_arrears" else 0  # 2,000-15,000 yuan
        steps = _history(rng, kind, opened, today, claimed)
        clocks = {n: {"started": opened, "due": due(kind, n, opened)} for n in ("contact", "accept")}
        status = "open"
        for action, day, _ in steps:
            for name in STOPS.get(action, ()):
                clocks.pop(name, None)
            if action == "refer":
                clocks["refer"] = {"started": day, "due": due(kind, "refer", day)}
            status = TO_STATUS.get(action, status)
        last = {a: extra for a, _, extra in steps}
        cases.append(
            {
                "kind": kind,
                "status": status,
                "placement_id": int(placement_ids[i]),
                "worker_id": int(worker_ids[w.placements.worker[i]]),
                "worker_owner_org_id": office,
                "employer_id": int(org_ids[w.vacancies.employer[vacancy]]),
                "agency_id": agency,
                "opened_by_org_id": office,
                "opened_by_kind": OrgKind.county_office.value,
                "assigned_org_id": office,
                "jurisdiction_county": str(w.ref.codes[w.vacancies.county[vacancy]]),
                "home_county": str(w.ref.codes[w.workers.county[w.placements.worker[i]]]),
                "summary": SUMMARIES[kind],
                "amount_claimed_fen": claimed,
                "amount_recovered_fen": last.get("resolve", {}).get("amount_recovered_fen"),
                "workers_affected": 1,
                "confidential": False,
                "external_ref": last.get("refer", {}).get("external_ref"),
                "outcome": last.get("resolve", {}).get("outcome"),
                "reason": (last.get("reject") or last.get("withdraw") or {}).get("reason"),
                "opened_on": opened,
                "clocks": {
                    n: {"started": c["started"].isoformat(), "due": c["due"].isoformat(), "provisional": False}
                    | _unit(kind, n, clock_overrides)
                    for n, c in clocks.items()
                },
                "due_on": min((c["due"] for c in clocks.values()), default=None),
                "due_provisional": False,
                "overdue_escalated": False,
                "version": 1 + len(steps),
                "created_at": datetime.combine(opened, time(9), tzinfo=CST),
                "updated_at": datetime.combine(steps[-1][1] if steps else opened, time(10), tzinfo=CST),
            }
        )
        events, before = [_event("open", None, "open", opened, office, {})], "open"
        for action, day, extra in steps:
            after = TO_STATUS.get(action, before)
            events.append(_event(action, before, after, day, office, extra))
            before = after
        histories.append(events)
    return cases, histories


def _unit(kind: str, name: str, overrides: dict[str, dict[str, int]]) -> dict[str, Any]:
    running = clock(kind, name, overrides)
    return {"days": running.days, "unit": running.unit}


def _history(
    rng: np.random.Generator, kind: str, opened: date, today: date, claimed: int
) -> list[tuple[str, date, dict[str, Any]]]:
    """What the office did, day by day, stopping at today: most cases are contacted, accepted and referred."""
    steps: list[tuple[str, date, dict[str, Any]]] = []
    day = opened

    def later(lo: int, hi: int) -> date | None:
        nonlocal day
        day = day + timedelta(days=int(rng.integers(lo, hi)))
        return day if day <= today else None

    if rng.random() < 0.1 or later(0, 4) is None:  # never contacted: these are the overdue cases
        return steps
    steps.append(("contact", day, {"note": "已电话联系劳动者"}))
    if rng.random() < 0.06:
        if later(1, 5) is not None:
            steps.append(("reject", day, {"reason": "不属于受理范围，已告知劳动者"}))
        return steps
    if later(1, 6) is None:
        return steps
    steps.append(("accept", day, {}))
    if later(1, 10) is None:
        return steps
    number = int(rng.integers(1, 999))
    steps.append(("refer", day, {"external_ref": f"人社监〔{day.year}〕{number}号"}))
    if later(15, 80) is None:
        return steps
    if rng.random() < 0.12:
        steps.append(("withdraw", day, {"reason": "劳动者与企业自行和解"}))
        return steps
    recovered = int(claimed * rng.uniform(0.5, 1.0)) // 100 * 100
    steps.append(
        ("resolve", day, {"outcome": "企业已补发" if claimed else "已依法处理", "amount_recovered_fen": recovered})
    )
    return steps


def _event(action: str, before: str | None, after: str, day: date, org: int, extra: dict[str, Any]) -> dict[str, Any]:
    at = datetime.combine(day, time(10), tzinfo=CST)
    return {
        "action": action,
        "from_status": before,
        "to_status": after,
        "org_id": org,
        "org_kind": OrgKind.county_office.value,
        "at": at,
        "note": extra.get("note"),
        "amount_recovered_fen": extra.get("amount_recovered_fen"),
        "outcome": extra.get("outcome"),
        "reason": extra.get("reason"),
        "external_ref": extra.get("external_ref"),
    }
