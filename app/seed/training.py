"""Demo training: the classes behind the placements the simulation marked as trained, and a few classes open now.

The behavioural model gives a trained placement a lower hazard of leaving (`trained` in app/seed/model.py). Here
that latent flag becomes rows a school and an office would have written: the worker completed a class in the
vacancy's occupation that ended before the start, and the placement names that enrolment. Most are order classes
answering the employer's demand for that vacancy (so the training tier, graduates-first candidates and
reservations have something to show); the rest are short courses in the occupation. Some enrolled workers drop
out or fail. A few open vacancies have a class enrolling or running today.
"""

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

import numpy as np

from app.authz import OrgKind
from app.seed.simulate import World

ORDER_CLASS_SHARE = 0.7  # of the trained placements' classes; the rest are short courses
HOURS = {"order_class": (80, 120, 160), "short_course": (24, 40, 64)}
HOURS_PER_WEEK = 30
# Trained placements that came from one class: an order class's on one vacancy starting in the same half-year, a
# short course's in one occupation (any employer) starting in the same quarter.
GROUP_DAYS = {"order_class": 182, "short_course": 91}
NOT_GRADUATED_SHARE = 0.2  # per graduate, another enrolment that dropped out or failed
DROP_SHARE = 0.7  # of those, dropped (the rest failed the assessment)
OPEN_CLASS_SHARE = 0.03  # of open vacancies, at least one: a class enrolling or running today
DROP_REASONS = ("家中有事，中途退出", "已找到其他工作", "身体原因，无法坚持")
CERTIFICATES = {"order_class": "职业技能等级证书（初级）", "short_course": "培训合格证书"}
TITLES = {"order_class": "{}订单班", "short_course": "{}短期技能培训班"}


@dataclass
class DemoEnrolment:
    worker: int  # worker index
    status: str
    hours: int
    enrolled: int  # day
    result: str | None = None
    drop_reason: str | None = None
    placements: list[int] = field(default_factory=list)  # placement indices that name this enrolment


@dataclass
class DemoDemand:
    posted: int
    headcount: int
    commitment: int
    needed_by: int


@dataclass
class DemoClass:
    vacancy: int  # vacancy index: its occupation and title, and (order classes) the demand's vacancy
    mode: str
    start: int
    end: int
    hours: int
    status: str
    demand: DemoDemand | None
    enrolments: list[DemoEnrolment]

    @property
    def capacity(self) -> int:
        return len(self.enrolments) + 3 + self.hours // 40


def build_training(w: World) -> list[DemoClass]:
    """Every demo class with its demand and enrolments, in order of start day."""
    rng = np.random.default_rng([int(w.today), 13])
    p = w.placements
    trained = np.flatnonzero(p.trained)
    modes = np.where(rng.random(len(trained)) < ORDER_CLASS_SHARE, "order_class", "short_course")
    groups: dict[tuple[str, int, int], list[int]] = {}
    for i, mode in zip(trained.tolist(), modes.tolist(), strict=True):
        # Placements are sorted by start, so each group's first member starts first.
        v = int(p.vacancy[i])
        on = v if mode == "order_class" else int(w.vacancies.code[v])
        groups.setdefault((mode, on, int(p.start[i]) // GROUP_DAYS[mode]), []).append(i)
    by_registration = np.argsort(w.workers.registered, kind="stable")
    registered = w.workers.registered[by_registration]
    classes = []
    for (mode, _, _), members in groups.items():
        klass = _past_class(rng, w, mode, members)
        on_roll = by_registration[: np.searchsorted(registered, klass.start, side="right")]
        klass.enrolments += _not_graduated(rng, w, klass, on_roll, len(members))
        classes.append(klass)
    classes += _open_classes(rng, w)
    classes.sort(key=lambda c: (c.start, c.vacancy))
    return classes


def _duration(hours: int) -> int:
    return int(np.ceil(hours / HOURS_PER_WEEK * 7))


def _past_class(rng: np.random.Generator, w: World, mode: str, members: list[int]) -> DemoClass:
    """The completed class the members' workers graduated from, a few days before the first of them started
    (a short course takes its occupation and title from the first member's vacancy)."""
    p = w.placements
    vacancy = int(p.vacancy[members[0]])
    hours = int(rng.choice(HOURS[mode]))
    end = int(p.start[members[0]]) - int(rng.integers(2, 15))
    start = end - _duration(hours)
    by_worker: dict[int, DemoEnrolment] = {}
    for i in members:
        worker = int(p.worker[i])
        if worker not in by_worker:
            attended = int(rng.integers(int(np.ceil(0.85 * hours)), hours + 1))
            by_worker[worker] = DemoEnrolment(worker, "completed", attended, _enrolled(rng, w, worker, start), "pass")
        by_worker[worker].placements.append(i)
    enrolments = list(by_worker.values())
    demand = None
    if mode == "order_class":
        promised = len(by_worker) + int(rng.integers(0, 3))  # some promised places go to nobody from the class
        demand = DemoDemand(start - int(rng.integers(20, 60)), promised + int(rng.integers(0, 5)), promised, end + 7)
    return DemoClass(vacancy, mode, start, end, hours, "completed", demand, enrolments)


def _not_graduated(
    rng: np.random.Generator, w: World, klass: DemoClass, on_roll: np.ndarray, graduates: int
) -> list[DemoEnrolment]:
    """Workers registered by the class's start who enrolled too but dropped out or failed the assessment."""
    taken = {e.worker for e in klass.enrolments}
    wanted = rng.binomial(graduates, NOT_GRADUATED_SHARE)
    # Drawn with replacement and deduplicated: choice without replacement costs the whole roll per class.
    picked = on_roll[rng.integers(0, len(on_roll), 2 * wanted + len(taken))] if len(on_roll) else on_roll
    out = []
    for worker in [x for x in dict.fromkeys(picked.tolist()) if x not in taken][:wanted]:
        enrolled = _enrolled(rng, w, worker, klass.start)
        if rng.random() < DROP_SHARE:
            reason = str(DROP_REASONS[int(rng.integers(len(DROP_REASONS)))])
            out.append(DemoEnrolment(worker, "dropped", int(rng.integers(0, klass.hours // 2)), enrolled, None, reason))
        else:
            attended = int(rng.integers(int(np.ceil(0.8 * klass.hours)), klass.hours + 1))
            out.append(DemoEnrolment(worker, "failed", attended, enrolled, "fail"))
    return out


def _enrolled(rng: np.random.Generator, w: World, worker: int, start: int) -> int:
    """The day the office enrolled the worker: shortly before the class, never before the worker registered."""
    return max(start - int(rng.integers(1, 15)), int(w.workers.registered[worker]))


def _open_classes(rng: np.random.Generator, w: World) -> list[DemoClass]:
    """Order classes for a few open vacancies: enrolling (starting soon) or running (started, not ended)."""
    open_ids = np.flatnonzero(w.vacancies.open)
    if not len(open_ids):
        return []
    chosen = rng.choice(open_ids, max(1, round(OPEN_CLASS_SHARE * len(open_ids))), replace=False)
    running_now = np.unique(w.placements.worker[w.placements.end < 0])
    free = np.setdiff1d(np.flatnonzero(w.workers.registered <= w.today), running_now)
    classes = []
    for k, vacancy in enumerate(chosen.tolist()):
        hours = int(rng.choice(HOURS["order_class"]))
        days = _duration(hours)
        running = k % 2 == 1
        start = w.today - int(rng.integers(1, days)) if running else w.today + int(rng.integers(5, 30))
        headcount = int(w.vacancies.headcount[vacancy]) or 1
        demand = DemoDemand(
            start - int(rng.integers(20, 60)), headcount, int(rng.integers(1, headcount + 1)), start + days + 7
        )
        done = (w.today - start) / days if running else 0.0
        enrolments = []
        for worker in rng.choice(free, min(len(free), int(rng.integers(3, 12))), replace=False).tolist():
            attended = int(hours * done * rng.uniform(0.7, 1.0))
            enrolments.append(DemoEnrolment(int(worker), "enrolled", attended, _enrolled(rng, w, int(worker), start)))
        status = "running" if running else "enrolling"
        classes.append(DemoClass(vacancy, "order_class", start, start + days, hours, status, demand, enrolments))
    return classes


def _day(day: int) -> date:
    return date(1970, 1, 1) + timedelta(days=day)


def _at(day: int, hour: int) -> datetime:
    """A day number at an hour of China time (UTC+8), as an aware UTC datetime."""
    return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(days=day, hours=hour - 8)


def school_of(w: World) -> int:
    """The org index of the demo's training school."""
    return w.orgs.kind.index(OrgKind.training_school.value)


def demand_rows(w: World, classes: list[DemoClass], org_ids: np.ndarray, vacancy_ids: np.ndarray) -> list[dict]:
    """One row per order class's demand, in the classes' order."""
    rows = []
    for c in classes:
        if c.demand is None:
            continue
        d = c.demand
        rows.append(
            {
                "employer_org_id": int(org_ids[w.vacancies.employer[c.vacancy]]),
                "vacancy_id": int(vacancy_ids[c.vacancy]),
                "occupation_code": w.occupations.vac_codes[w.vacancies.code[c.vacancy]],
                "headcount": d.headcount,
                "hire_commitment": d.commitment,
                "skills": [],
                "needed_by": _day(d.needed_by),
                "version": 1,
                "created_at": _at(d.posted, 10),
                "updated_at": _at(d.posted, 10),
            }
        )
    return rows


def class_rows(w: World, classes: list[DemoClass], school_org_id: int, demand_ids: np.ndarray) -> list[dict]:
    """One row per class; `demand_ids` in the order `demand_rows` gave the demands."""
    rows, d = [], 0
    for c in classes:
        demand_id = None
        if c.demand is not None:
            demand_id, d = int(demand_ids[d]), d + 1
        title = w.vacancies.title[c.vacancy]
        rows.append(
            {
                "school_org_id": school_org_id,
                "demand_id": demand_id,
                "mode": c.mode,
                "occupation_code": w.occupations.vac_codes[w.vacancies.code[c.vacancy]],
                "title": TITLES[c.mode].format(title),
                "county_code": w.orgs.region[school_of(w)],
                "start_date": _day(c.start),
                "end_date": _day(c.end),
                "planned_hours": c.hours,
                "capacity": c.capacity,
                "certificate_type": CERTIFICATES[c.mode],
                "status": c.status,
                "version": 1,
                "created_at": _at(c.start - 30, 9),
                "updated_at": _at(min(c.end, w.today) if c.status == "completed" else c.start - 30, 17),
            }
        )
    return rows


def enrolment_rows(
    w: World, classes: list[DemoClass], class_ids: np.ndarray, org_ids: np.ndarray, worker_ids: np.ndarray
) -> list[dict]:
    """One row per enrolment, class by class; completed ones carry a certificate number."""
    rows = []
    for c, class_id in zip(classes, class_ids.tolist(), strict=True):
        for k, e in enumerate(c.enrolments):
            rows.append(
                {
                    "class_id": int(class_id),
                    "worker_id": int(worker_ids[e.worker]),
                    "status": e.status,
                    "attended_hours": e.hours,
                    "result": e.result,
                    "certificate_no": f"PX{_day(c.end).year}{class_id:05d}{k + 1:03d}"
                    if e.status == "completed"
                    else None,
                    "drop_reason": e.drop_reason,
                    "enrolled_by_org_id": int(org_ids[w.workers.owner[e.worker]]),
                    "version": 1,
                    "created_at": _at(e.enrolled, 11),
                    "updated_at": _at(_last_change(c, e), 16),
                }
            )
    return rows


def _last_change(c: DemoClass, e: DemoEnrolment) -> int:
    """The day a row was last written: a drop part-way through the hours, a result on the last day."""
    if e.status == "dropped":
        return max(e.enrolled, c.start + (c.end - c.start) * e.hours // c.hours)
    return c.end if c.status == "completed" else e.enrolled


def placement_enrolments(classes: list[DemoClass], n_placements: int, enrolment_ids: np.ndarray) -> np.ndarray:
    """The enrolment id each placement names (`training_enrolment_id`), -1 for none."""
    out = np.full(n_placements, -1, dtype=np.int64)
    flat = [e for c in classes for e in c.enrolments]
    for e, enrolment_id in zip(flat, enrolment_ids.tolist(), strict=True):
        out[e.placements] = enrolment_id
    return out


def reservation_rows(
    w: World, classes: list[DemoClass], class_ids: np.ndarray, vacancy_ids: np.ndarray, days: int
) -> list[dict]:
    """The places an order class held for its graduates from its last day, as the service holds them."""
    p = w.placements
    by_vacancy = np.argsort(p.vacancy, kind="stable")
    bounds = np.searchsorted(p.vacancy[by_vacancy], np.arange(len(w.vacancies.county) + 1))
    rows = []
    for c, class_id in zip(classes, class_ids.tolist(), strict=True):
        if c.status != "completed" or c.demand is None or days <= 0:
            continue
        held = by_vacancy[bounds[c.vacancy] : bounds[c.vacancy + 1]]
        active = int(((p.start[held] <= c.end) & ((p.end[held] < 0) | (p.end[held] > c.end))).sum())
        places = min(c.demand.commitment, int(w.vacancies.headcount[c.vacancy]) - active)
        if places > 0:
            rows.append(
                {
                    "class_id": int(class_id),
                    "vacancy_id": int(vacancy_ids[c.vacancy]),
                    "places": places,
                    "expires_on": _day(c.end + days),
                    "created_at": _at(c.end, 17),
                    "updated_at": _at(c.end, 17),
                }
            )
    return rows
