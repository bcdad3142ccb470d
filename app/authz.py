"""Who may see and do what: the one authorisation policy (docs/authorisation.md is this table in prose).

A service asks `reach(principal, resource, action)`: it gets the `Reach` its repositories filter by, or a 403 when
the caller's kind has no such right. A row outside the reach is not found (404), so other tenants learn nothing.
Nothing outside this module compares an organisation's kind with a string (tests/platform/test_policy.py).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

from app.errors import Forbidden, Msg

if TYPE_CHECKING:
    from app.orgs.service import Principal


class OrgKind(StrEnum):
    """The kind of a tenant; every right of a key follows from it."""

    county_office = "county_office"  # 县人社局 / 就业服务中心: registers and places western workers
    employer = "employer"  # 用工企业: posts vacancies, confirms hires, reports departures
    agency = "agency"  # 劳务中介: refers workers
    training_school = "training_school"  # 技工学校: trains for employers' vacancies
    provincial_office = "provincial_office"  # 省级协作办公室: reads everything, allocates across counties
    station = "station"  # 劳务协作站: receiving-side office that follows up placed workers
    broker = "broker"  # 经纪人: an individual labour broker


ORG_KINDS = tuple(kind.value for kind in OrgKind)


class Resource(StrEnum):
    worker = "worker"
    vacancy = "vacancy"
    placement = "placement"
    follow_up = "follow_up"
    risk_flag = "risk_flag"  # departure-risk flags and the answers (flag reviews) to them
    candidates = "candidates"  # ranked workers for a vacancy
    allocation = "allocation"  # allocation proposals and their items
    report = "report"  # the weekly retention report
    # incentives
    incentive_rule = "incentive_rule"  # reward-subsidy rules, versioned, per province
    incentive_entry = "incentive_entry"  # ledger entries and the decisions on them
    incentive_batch = "incentive_batch"  # payment batches for the finance bureau
    incentive_balance = "incentive_balance"  # the caller's own rewards, by state
    # pairings
    pairing = "pairing"  # east-west pairings and their versions (reading them is open to every key)
    monthly_pack = "monthly_pack"  # the monthly consultation pack of pairings (GET /reports/monthly)
    consultation_action = "consultation_action"  # what a monthly consultation agreed to do, with owner and due date
    evaluation = "evaluation"  # the quarterly evaluation of pairings by results, and its review workflow
    pairing_proposal = "pairing_proposal"  # computed proposals to adjust pairings, and the decisions on them
    # training (school-enterprise cooperation)
    training_demand = "training_demand"  # an employer's stated training demand
    training_class = "training_class"  # a class a training school runs
    enrolment = "enrolment"  # a worker's place in a class, with attendance and result
    worker_training = "worker_training"  # the classes one worker took (GET /workers/{id}/trainings)
    # rights cases
    case = "case"  # rights-protection cases (权益保障) and their append-only events
    work_calendar = "work_calendar"  # the year's holiday and make-up-day table the case clocks count on
    # one-stop services
    service_template = "service_template"  # the checklist per (home province, work province) pair
    service_task = "service_task"  # a placement's checklist tasks (GET /placements/{id}/services, PATCH a task)
    service_queue = "service_queue"  # tasks across placements (GET /service-tasks?overdue=true)


class Action(StrEnum):
    read = "read"
    write = "write"  # create or change (a worker, a vacancy, an answer to a flag)
    create = "create"
    end = "end"  # record a placement's end
    correct = "correct"  # confirm or correct a vacancy's (inferred) occupation code
    # incentives
    decide = "decide"  # approve, hold, release or refuse a ledger entry
    object = "object"  # object to an entry during its publicity period (公示异议)
    clawback = "clawback"  # take back an entry paid in error or fraud


@dataclass(frozen=True)
class Reach:
    """What a caller reaches of a resource: every field that is set narrows it; none set means everything."""

    worker_owner: int | None = None  # workers this county office registered, and what hangs off them
    employer: int | None = None  # this employer's vacancies, and what hangs off them
    referrer: int | None = None  # placements this organisation referred
    region: str | None = None  # a division: the caller's county (report, allocation) or province (allocation)
    open_only: bool = False  # only the open vacancy board
    consented_only: bool = False  # only workers who agreed to share their profile with employers
    proposer: int | None = None  # allocation proposals this organisation asked for
    answers_of: int | None = None  # flag reviews written by this organisation only (else: the offices' answers)
    beneficiary_org: int | None = None  # incentive entries that pay this organisation
    school: int | None = None  # training classes this school runs, and their enrolments
    # rights cases
    party: int | None = None  # cases this organisation opened or that name it; placements it referred
    masks_confidential: bool = False  # a confidential case is shown without the worker's identity
    # rights/station
    workplace_region: str | None = None  # placements whose workplace (the vacancy's division) lies in this region
    masks_personal: bool = False  # a worker's name only with their consent to share (phones are masked anyway)


@dataclass(frozen=True)
class Grant:
    """One right: what it reaches, said in words (docs/authorisation.md is rendered from these) and as a filter."""

    says: str
    reach: Callable[[Principal], Reach]


EVERYTHING = Grant("all", lambda p: Reach())
OWN_WORKERS = Grant("of its workers", lambda p: Reach(worker_owner=p.org_id))
OWN_VACANCIES = Grant("in its vacancies", lambda p: Reach(employer=p.org_id))
REFERRALS = Grant("it referred", lambda p: Reach(referrer=p.org_id))
ITS_OWN_WORKERS = Grant("those it registered", lambda p: Reach(worker_owner=p.org_id))
OPEN_BOARD = Grant("open ones", lambda p: Reach(open_only=True))

COUNTY, EMPLOYER, AGENCY, SCHOOL, PROVINCE = (
    OrgKind.county_office,
    OrgKind.employer,
    OrgKind.agency,
    OrgKind.training_school,
    OrgKind.provincial_office,
)

# incentives
ACTIVE_RULES = Grant("rules in force", lambda p: Reach(open_only=True))
OWN_PROVINCE = Grant("its province's", lambda p: Reach(region=p.region_code))
OWN_PROVINCE_RULES = Grant("under its province's rules", lambda p: Reach(region=p.region_code))
OWN_REWARDS = Grant("that pay it", lambda p: Reach(beneficiary_org=p.org_id))
INCENTIVE_READERS = {
    COUNTY: OWN_WORKERS,
    EMPLOYER: OWN_REWARDS,
    AGENCY: OWN_REWARDS,
    SCHOOL: OWN_REWARDS,
    OrgKind.broker: OWN_REWARDS,
    PROVINCE: EVERYTHING,
}
STATION = OrgKind.station
# pairings: the owner of a consultation action reports its progress; only the province changes what it asks
ACTIONS_IT_OWNS = Grant("those it owns: status and closing note", lambda p: Reach(party=p.org_id))
PLACEMENT_READERS = {COUNTY: OWN_WORKERS, EMPLOYER: OWN_VACANCIES, AGENCY: REFERRALS, PROVINCE: EVERYTHING}
# (resource, action) -> the kinds that have the right, and what each reaches. A kind that is not listed is refused:
# a new kind (station, broker) starts with no domain rights until a row grants it one.
RULES: dict[tuple[Resource, Action], dict[OrgKind, Grant]] = {
    (Resource.worker, Action.read): {COUNTY: ITS_OWN_WORKERS, PROVINCE: EVERYTHING},
    (Resource.worker, Action.write): {COUNTY: ITS_OWN_WORKERS},
    (Resource.vacancy, Action.read): {
        COUNTY: OPEN_BOARD,
        EMPLOYER: Grant("its own, open or closed", lambda p: Reach(employer=p.org_id)),
        AGENCY: OPEN_BOARD,
        SCHOOL: OPEN_BOARD,
        PROVINCE: EVERYTHING,
    },
    (Resource.vacancy, Action.write): {EMPLOYER: Grant("its own", lambda p: Reach(employer=p.org_id))},
    # The employer knows the job; either provincial office may settle a code for any vacancy.
    (Resource.vacancy, Action.correct): {
        EMPLOYER: Grant("its own", lambda p: Reach(employer=p.org_id)),
        PROVINCE: EVERYTHING,
    },
    (Resource.placement, Action.read): PLACEMENT_READERS,
    (Resource.placement, Action.create): {
        COUNTY: Grant("its workers, into any vacancy", lambda p: Reach(worker_owner=p.org_id)),
        EMPLOYER: Grant(
            "consenting workers into its vacancies", lambda p: Reach(employer=p.org_id, consented_only=True)
        ),
    },
    (Resource.placement, Action.end): {COUNTY: OWN_WORKERS, EMPLOYER: OWN_VACANCIES},
    (Resource.follow_up, Action.read): PLACEMENT_READERS,  # reading a placement's follow-ups is reading it
    (Resource.follow_up, Action.create): {COUNTY: OWN_WORKERS, EMPLOYER: OWN_VACANCIES, AGENCY: REFERRALS},
    (Resource.risk_flag, Action.read): {
        COUNTY: Grant("of its workers; every answer", lambda p: Reach(worker_owner=p.org_id)),
        # An employer reads its own answers only: a county's note may name people and plans.
        EMPLOYER: Grant(
            "in its vacancies; job reasons and its own answers only",
            lambda p: Reach(employer=p.org_id, answers_of=p.org_id),
        ),
        PROVINCE: Grant("all; every answer", lambda p: Reach()),
    },
    (Resource.risk_flag, Action.write): {COUNTY: OWN_WORKERS, EMPLOYER: OWN_VACANCIES},
    (Resource.candidates, Action.read): {
        EMPLOYER: Grant("for its vacancies", lambda p: Reach(employer=p.org_id)),
        PROVINCE: Grant("for any vacancy", lambda p: Reach()),
    },
    (Resource.allocation, Action.read): {
        COUNTY: Grant(
            "its own; the province's that hold its workers (their items only)",
            lambda p: Reach(proposer=p.org_id, worker_owner=p.org_id),
        ),
        PROVINCE: EVERYTHING,
    },
    (Resource.allocation, Action.create): {
        COUNTY: Grant("over its own workers", lambda p: Reach(worker_owner=p.org_id, region=p.region_code)),
        PROVINCE: Grant("over its province's workers", lambda p: Reach(region=p.region_code)),
    },
    (Resource.report, Action.read): {
        # Workers from its county, whoever registered them.
        COUNTY: Grant("its county's workers", lambda p: Reach(region=p.region_code)),
        EMPLOYER: OWN_VACANCIES,
        SCHOOL: Grant("its graduates' jobs after their class", lambda p: Reach(school=p.org_id)),
        PROVINCE: EVERYTHING,
    },
    # incentives: each provincial office writes, approves and pays only its own province's; a party reads its own.
    (Resource.incentive_rule, Action.read): {
        **{k: ACTIVE_RULES for k in (COUNTY, EMPLOYER, AGENCY, SCHOOL, OrgKind.station, OrgKind.broker)},
        PROVINCE: Grant("all, every version", lambda p: Reach()),
    },
    (Resource.incentive_rule, Action.write): {PROVINCE: OWN_PROVINCE},
    (Resource.incentive_entry, Action.read): INCENTIVE_READERS,
    (Resource.incentive_entry, Action.object): INCENTIVE_READERS,
    (Resource.incentive_entry, Action.decide): {COUNTY: OWN_WORKERS, PROVINCE: OWN_PROVINCE_RULES},
    (Resource.incentive_entry, Action.clawback): {PROVINCE: OWN_PROVINCE_RULES},
    (Resource.incentive_batch, Action.read): {PROVINCE: OWN_PROVINCE},
    (Resource.incentive_batch, Action.create): {PROVINCE: OWN_PROVINCE},
    (Resource.incentive_batch, Action.write): {PROVINCE: OWN_PROVINCE},
    (Resource.incentive_balance, Action.read): {k: OWN_REWARDS for k in (EMPLOYER, AGENCY, SCHOOL, OrgKind.broker)},
    # pairings: either provincial office sets and changes them
    (Resource.pairing, Action.write): {PROVINCE: Grant("any pairing", lambda p: Reach())},
    (Resource.monthly_pack, Action.read): {
        COUNTY: Grant("of the pairings its county sends through", lambda p: Reach(region=p.region_code)),
        PROVINCE: EVERYTHING,
    },
    (Resource.consultation_action, Action.read): {
        COUNTY: Grant("of the pairings its county sends through", lambda p: Reach(region=p.region_code)),
        STATION: Grant("of the pairings its region receives for", lambda p: Reach(workplace_region=p.region_code)),
        PROVINCE: EVERYTHING,
    },
    (Resource.consultation_action, Action.create): {PROVINCE: Grant("on any pairing", lambda p: Reach())},
    (Resource.consultation_action, Action.write): {
        COUNTY: ACTIONS_IT_OWNS,
        STATION: ACTIONS_IT_OWNS,
        PROVINCE: Grant("any, every field", lambda p: Reach()),
    },
    (Resource.evaluation, Action.read): {
        COUNTY: Grant("of the pairings its county sends through", lambda p: Reach(region=p.region_code)),
        PROVINCE: EVERYTHING,
    },
    (Resource.evaluation, Action.create): {PROVINCE: Grant("of every pairing in force", lambda p: Reach())},
    (Resource.evaluation, Action.write): {
        PROVINCE: Grant("any: submit, review, send back, finalise", lambda p: Reach())
    },
    (Resource.pairing_proposal, Action.read): {PROVINCE: Grant("every quarter's", lambda p: Reach())},
    (Resource.pairing_proposal, Action.decide): {PROVINCE: Grant("any: accept or reject", lambda p: Reach())},
    # training: employers state demands, schools run classes, county offices enrol their workers
    (Resource.training_demand, Action.read): {
        COUNTY: EVERYTHING,
        EMPLOYER: Grant("its own", lambda p: Reach(employer=p.org_id)),
        SCHOOL: EVERYTHING,
        PROVINCE: EVERYTHING,
    },
    (Resource.training_demand, Action.write): {EMPLOYER: Grant("its own", lambda p: Reach(employer=p.org_id))},
    (Resource.training_class, Action.read): {
        COUNTY: Grant("open for enrolment", lambda p: Reach(open_only=True)),
        EMPLOYER: Grant("answering its demands", lambda p: Reach(employer=p.org_id)),
        SCHOOL: Grant("its own", lambda p: Reach(school=p.org_id)),
        PROVINCE: EVERYTHING,
    },
    (Resource.training_class, Action.write): {SCHOOL: Grant("its own", lambda p: Reach(school=p.org_id))},
    (Resource.enrolment, Action.create): {
        COUNTY: Grant("its workers, into open classes", lambda p: Reach(worker_owner=p.org_id, open_only=True)),
        SCHOOL: Grant("consenting workers into its classes", lambda p: Reach(school=p.org_id, consented_only=True)),
    },
    (Resource.enrolment, Action.read): {
        COUNTY: Grant("of its workers", lambda p: Reach(worker_owner=p.org_id)),
        SCHOOL: Grant("in its classes", lambda p: Reach(school=p.org_id)),
    },
    (Resource.enrolment, Action.write): {SCHOOL: Grant("in its classes", lambda p: Reach(school=p.org_id))},
    (Resource.worker_training, Action.read): {
        COUNTY: OWN_WORKERS,
        EMPLOYER: Grant("of consenting workers", lambda p: Reach(consented_only=True)),
        PROVINCE: EVERYTHING,
    },
    # rights cases: the worker's county, the station of the workplace's region and the province handle a case
    (Resource.case, Action.read): {
        COUNTY: Grant("of its workers", lambda p: Reach(worker_owner=p.org_id)),
        EMPLOYER: Grant(
            "against itself; confidential ones without the worker",
            lambda p: Reach(employer=p.org_id, masks_confidential=True),
        ),
        AGENCY: Grant("it opened or that name it", lambda p: Reach(party=p.org_id)),
        PROVINCE: EVERYTHING,
        OrgKind.station: Grant("whose workplace lies in its region", lambda p: Reach(region=p.region_code)),
    },
    (Resource.case, Action.create): {
        COUNTY: Grant("for its workers", lambda p: Reach(worker_owner=p.org_id)),
        EMPLOYER: Grant("against itself (self-report)", lambda p: Reach(employer=p.org_id)),
        AGENCY: Grant("on placements it referred", lambda p: Reach(party=p.org_id)),
        PROVINCE: EVERYTHING,
        OrgKind.station: Grant("on placements in its region", lambda p: Reach(region=p.region_code)),
    },
    (Resource.case, Action.write): {
        COUNTY: Grant("of its workers", lambda p: Reach(worker_owner=p.org_id)),
        PROVINCE: EVERYTHING,
        OrgKind.station: Grant("whose workplace lies in its region", lambda p: Reach(region=p.region_code)),
    },
    (Resource.work_calendar, Action.write): {PROVINCE: Grant("the national table", lambda p: Reach())},
    # one-stop services: provinces keep the templates; the responsible side writes a task, the offices read
    (Resource.service_template, Action.read): {PROVINCE: EVERYTHING},
    (Resource.service_template, Action.write): {
        PROVINCE: Grant("a pair whose home or work province is its own", lambda p: Reach(region=p.region_code))
    },
    (Resource.service_task, Action.read): {
        COUNTY: OWN_WORKERS,
        EMPLOYER: OWN_VACANCIES,
        PROVINCE: EVERYTHING,
        OrgKind.station: Grant("whose workplace lies in its region", lambda p: Reach(region=p.region_code)),
    },
    (Resource.service_task, Action.write): {
        COUNTY: Grant("its workers' tasks it is responsible for", lambda p: Reach(worker_owner=p.org_id)),
        EMPLOYER: Grant("its hires' tasks it is responsible for", lambda p: Reach(employer=p.org_id)),
        OrgKind.station: Grant(
            "tasks it is responsible for, workplace in its region", lambda p: Reach(region=p.region_code)
        ),
    },
    (Resource.service_queue, Action.read): {
        COUNTY: OWN_WORKERS,
        PROVINCE: EVERYTHING,
        OrgKind.station: Grant("whose workplace lies in its region", lambda p: Reach(region=p.region_code)),
    },
}
# rights/station: a station makes the visits, so it reads the placements whose workplace lies in its region (the
# worker's name only with consent), adds follow-ups to them, reads their at-risk list and its region's weekly report.
STATION_WORKPLACES = Grant(
    "whose workplace lies in its region; names only with consent",
    lambda p: Reach(workplace_region=p.region_code, masks_personal=True),
)
for _right in (
    (Resource.placement, Action.read),
    (Resource.follow_up, Action.read),
    (Resource.follow_up, Action.create),
    (Resource.risk_flag, Action.read),
    (Resource.report, Action.read),
):
    RULES[_right] = {**RULES[_right], OrgKind.station: STATION_WORKPLACES}  # a copy: the shared tables stay as they are

ALLOCATE_REFUSED = Msg(
    "只有县级人社部门或省级协作办公室可以生成分配方案", "only county and provincial offices allocate"
)
PAYS_REFUSED = Msg("只有省级协作办公室可以办理奖补支付", "only a provincial office pays incentives")
VACANCIES_REFUSED = "本机构无权发布或修改岗位", "may not post or change vacancies"
SERVICE_TASK_REFUSED = Msg("只有负责该事项的一方可以更新办理情况", "only the side responsible for a task updates it")
REFUSALS: dict[tuple[Resource, Action], Callable[[str], Msg]] = {
    (Resource.worker, Action.read): lambda k: Msg(
        "本机构无权查看劳动者档案", f"a {k} key may not read worker profiles"
    ),
    (Resource.worker, Action.write): lambda k: Msg(
        "本机构无权修改劳动者档案", f"a {k} key may not change worker profiles"
    ),
    (Resource.vacancy, Action.read): lambda k: Msg(VACANCIES_REFUSED[0], f"a {k} key {VACANCIES_REFUSED[1]}"),
    (Resource.vacancy, Action.write): lambda k: Msg(VACANCIES_REFUSED[0], f"a {k} key {VACANCIES_REFUSED[1]}"),
    (Resource.vacancy, Action.correct): lambda k: Msg(
        "只有发布岗位的企业或省级协作办公室可以确认或更正职业代码",
        "only the vacancy's employer or a provincial office may confirm or correct its occupation code",
    ),
    (Resource.placement, Action.read): lambda k: Msg("本机构无权查看就业记录", f"a {k} key may not read placements"),
    (Resource.placement, Action.create): lambda k: Msg(
        "只有县级人社部门或用工企业可以登记就业", "only county offices and employers record placements"
    ),
    (Resource.placement, Action.end): lambda k: Msg(
        "只有县级人社部门或用工企业可以登记离岗", "only county offices and employers record departures"
    ),
    (Resource.follow_up, Action.read): lambda k: Msg("本机构无权查看就业记录", f"a {k} key may not read placements"),
    (Resource.follow_up, Action.create): lambda k: Msg(
        "本机构无权登记就业记录", f"a {k} key may not record placements"
    ),
    (Resource.risk_flag, Action.read): lambda k: Msg(
        "本机构无权查看离岗风险提示", f"a {k} key may not read departure-risk flags"
    ),
    (Resource.risk_flag, Action.write): lambda k: Msg(
        "本机构无权处理离岗风险提示", f"a {k} key may not answer departure-risk flags"
    ),
    (Resource.candidates, Action.read): lambda k: Msg(
        "本机构无权查看岗位的候选人", f"a {k} key may not read candidates"
    ),
    (Resource.allocation, Action.read): lambda k: ALLOCATE_REFUSED,
    (Resource.allocation, Action.create): lambda k: ALLOCATE_REFUSED,
    (Resource.report, Action.read): lambda k: Msg("本机构无权查看周报", f"a {k} key may not read the weekly report"),
    # incentives
    (Resource.incentive_rule, Action.read): lambda k: Msg("本机构无权查看奖补规则", f"a {k} key may not read rules"),
    (Resource.incentive_rule, Action.write): lambda k: Msg(
        "只有省级协作办公室可以制定奖补规则", "only a provincial office writes incentive rules"
    ),
    (Resource.incentive_entry, Action.read): lambda k: Msg(
        "本机构无权查看奖补台账", f"a {k} key may not read the incentive ledger"
    ),
    (Resource.incentive_entry, Action.object): lambda k: Msg(
        "本机构无权对奖补提出异议", f"a {k} key may not object to incentive entries"
    ),
    (Resource.incentive_entry, Action.decide): lambda k: Msg(
        "只有劳动者所在县的人社部门或省级协作办公室可以审核奖补",
        "only the worker's county office or the rule's provincial office decides on an entry",
    ),
    (Resource.incentive_entry, Action.clawback): lambda k: Msg(
        "只有省级协作办公室可以追回奖补", "only the rule's provincial office claws back"
    ),
    (Resource.incentive_batch, Action.read): lambda k: PAYS_REFUSED,
    (Resource.incentive_batch, Action.create): lambda k: PAYS_REFUSED,
    (Resource.incentive_batch, Action.write): lambda k: PAYS_REFUSED,
    (Resource.incentive_balance, Action.read): lambda k: Msg(
        "本机构不是奖补对象，没有奖补余额", f"a {k} is not paid rewards, so it has no balance"
    ),
    # pairings
    (Resource.pairing, Action.write): lambda k: Msg(
        "只有省级协作办公室可以设立或修改结对关系", "only a provincial office sets or changes pairings"
    ),
    (Resource.monthly_pack, Action.read): lambda k: Msg(
        "只有结对双方的县级人社部门或省级协作办公室可以查看月度会商材料",
        f"a {k} key may not read the monthly consultation pack",
    ),
    (Resource.consultation_action, Action.read): lambda k: Msg(
        "只有结对双方的县级人社部门、劳务协作站或省级协作办公室可以查看会商事项",
        f"a {k} key may not read consultation actions",
    ),
    (Resource.consultation_action, Action.create): lambda k: Msg(
        "只有省级协作办公室可以登记会商事项", "only a provincial office records consultation actions"
    ),
    (Resource.consultation_action, Action.write): lambda k: Msg(
        "只有事项的责任单位或省级协作办公室可以更新会商事项",
        "only the action's owner or a provincial office updates a consultation action",
    ),
    (Resource.evaluation, Action.read): lambda k: Msg(
        "只有结对西部一方的县级人社部门或省级协作办公室可以查看季度评估",
        f"a {k} key may not read quarterly evaluations",
    ),
    (Resource.evaluation, Action.create): lambda k: Msg(
        "只有省级协作办公室可以开展季度评估", "only a provincial office runs the quarterly evaluation"
    ),
    (Resource.evaluation, Action.write): lambda k: Msg(
        "只有省级协作办公室可以提交、审核或定稿季度评估",
        "only a provincial office submits, reviews or finalises a quarterly evaluation",
    ),
    (Resource.pairing_proposal, Action.read): lambda k: Msg(
        "只有省级协作办公室可以查看结对调整建议", f"a {k} key may not read the proposals to adjust pairings"
    ),
    (Resource.pairing_proposal, Action.decide): lambda k: Msg(
        "只有省级协作办公室可以决定是否采纳结对调整建议", "only a provincial office decides on a proposal"
    ),
    # training
    (Resource.training_demand, Action.read): lambda k: Msg(
        "本机构无权查看企业培训需求", f"a {k} key may not read training demands"
    ),
    (Resource.training_demand, Action.write): lambda k: Msg(
        "只有用工企业可以发布或修改培训需求", "only employers post or change training demands"
    ),
    (Resource.training_class, Action.read): lambda k: Msg(
        "本机构无权查看培训班", f"a {k} key may not read training classes"
    ),
    (Resource.training_class, Action.write): lambda k: Msg(
        "只有培训学校可以开设或修改培训班", "only training schools open or change training classes"
    ),
    (Resource.enrolment, Action.create): lambda k: Msg(
        "只有县级人社部门或培训学校可以报名培训", "only county offices and training schools enrol workers"
    ),
    (Resource.enrolment, Action.read): lambda k: Msg(
        "本机构无权查看培训报名记录", f"a {k} key may not read enrolments"
    ),
    (Resource.enrolment, Action.write): lambda k: Msg(
        "只有开班的培训学校可以登记出勤和结业", "only the class's training school records attendance and results"
    ),
    (Resource.worker_training, Action.read): lambda k: Msg(
        "本机构无权查看劳动者的培训记录", f"a {k} key may not read a worker's trainings"
    ),
    # rights cases
    (Resource.case, Action.read): lambda k: Msg("本机构无权查看维权案件", f"a {k} key may not read rights cases"),
    (Resource.case, Action.create): lambda k: Msg("本机构无权登记维权案件", f"a {k} key may not open rights cases"),
    (Resource.case, Action.write): lambda k: Msg(
        "只有劳动者所在县人社部门、务工地劳务协作站或省级协作办公室可以办理案件",
        "only the worker's county office, the workplace's station or a provincial office handles a case",
    ),
    (Resource.work_calendar, Action.write): lambda k: Msg(
        "只有省级协作办公室可以导入节假日安排", "only a provincial office loads the holiday table"
    ),
    # one-stop services
    (Resource.service_template, Action.read): lambda k: Msg(
        "只有省级协作办公室可以查看服务清单模板", "only a provincial office reads service templates"
    ),
    (Resource.service_template, Action.write): lambda k: Msg(
        "只有省级协作办公室可以修改服务清单模板", "only a provincial office writes service templates"
    ),
    (Resource.service_task, Action.read): lambda k: Msg(
        "本机构无权查看社保医保服务清单", f"a {k} key may not read service checklists"
    ),
    (Resource.service_task, Action.write): lambda k: SERVICE_TASK_REFUSED,
    (Resource.service_queue, Action.read): lambda k: Msg(
        "只有县级人社部门、劳务协作站或省级协作办公室可以查看服务事项清单",
        "only county offices, stations and provincial offices list service tasks",
    ),
}


def reach(principal: Principal, resource: Resource, action: Action) -> Reach:
    """What this caller reaches of `resource` for `action`; 403 when its kind has no such right."""
    grant = RULES.get((resource, action), {}).get(OrgKind(principal.kind))
    if grant is None:
        raise Forbidden(REFUSALS[resource, action](principal.kind))
    return grant.reach(principal)


def table() -> str:
    """The rules as a Markdown table, kind by kind (docs/authorisation.md holds a copy a test keeps in step)."""
    kinds = list(OrgKind)
    lines = ["| resource | action | " + " | ".join(kinds) + " |", "|---|---|" + "---|" * len(kinds)]
    for (resource, action), grants in RULES.items():
        cells = [grants[k].says if k in grants else "403" for k in kinds]
        lines.append(f"| {resource} | {action} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def allows(principal: Principal, resource: Resource, action: Action) -> bool:
    return OrgKind(principal.kind) in RULES.get((resource, action), {})


def refusal(principal: Principal, resource: Resource, action: Action) -> Msg:
    """The message a refused caller reads (for pages that render it themselves)."""
    return REFUSALS[resource, action](principal.kind)


ONLY_THE_PROPOSER = Msg("只有生成该方案的机构可以处理其中的建议", "only the office that asked for it decides")
PROVINCE_ACCEPTS = Msg(
    "省级方案中的建议由劳动者所在县的人社部门接受（录用由县里登记）",
    "the worker's county office accepts an item of a provincial proposal (the county records the placement)",
)


def may_own_action(kind: str, sends: bool, receives: bool) -> bool:
    """Who can be answerable for a consultation action: a provincial office, a county office on the pairing's west
    side (`sends`) or a station on its east side (`receives`)."""
    return (
        kind == OrgKind.provincial_office
        or (kind == OrgKind.county_office and sends)
        or (kind == OrgKind.station and receives)
    )


def check_item_decision(principal: Principal, proposer_kind: str | None, *, own: bool, accepting: bool) -> None:
    """Who decides an item, once: a county proposal's items, the county that asked; a provincial proposal's items,
    the county office that owns the item's worker (accept or reject) or the province that asked (reject only)."""
    provincial = proposer_kind == OrgKind.provincial_office
    if not own and not (provincial and principal.kind == OrgKind.county_office):
        raise Forbidden(ONLY_THE_PROPOSER)
    if own and principal.kind == OrgKind.provincial_office and accepting:
        raise Forbidden(PROVINCE_ACCEPTS)


# Whose answers make a flag's `latest_review` for the offices: an employer's `dismissed` must not close a county's
# flag. Employers' answers are kept, counted and listed, and shown to offices as `latest_employer_review`.
OFFICE_KINDS = (OrgKind.county_office, OrgKind.provincial_office)
EMPLOYER_KINDS = (OrgKind.employer,)
# Who may be named as a placement's referrer (and so earn a referral's rewards).
REFERRER_KINDS = frozenset({OrgKind.agency, OrgKind.broker})


def sees_only_job_reasons(kind: str) -> bool:
    """Employers and schools read only the risk reasons about the job itself, never the worker's history or
    household or what the worker told an officer."""
    return kind in (OrgKind.employer, OrgKind.training_school)


# incentives: which organisation kinds a rule's beneficiary names (a worker is paid as a person, not an org).
ORG_BENEFICIARIES = {"employer": EMPLOYER, "agency": AGENCY, "broker": OrgKind.broker, "training_school": SCHOOL}


def earns_as(org_kind: str, beneficiary: str) -> bool:
    """An organisation earns under a rule only as the beneficiary kind the rule names (a referrer's own kind)."""
    return ORG_BENEFICIARIES.get(beneficiary) == OrgKind(org_kind)


# rights cases: who may be handed a case (`assign`), and who receives an escalation.
CASE_HANDLER_KINDS = frozenset(RULES[Resource.case, Action.write])
ESCALATION_KINDS = (OrgKind.provincial_office,)


# one-stop services: the side a task names as responsible, as the kind of organisation that answers for it.
SERVICE_RESPONSIBLE = {"county_office": COUNTY, "employer": EMPLOYER, "station": OrgKind.station}


def check_responsible(principal: Principal, responsible: str) -> None:
    """Only the side a task names updates it (403 for the others who reach the placement)."""
    if SERVICE_RESPONSIBLE.get(responsible) != OrgKind(principal.kind):
        raise Forbidden(SERVICE_TASK_REFUSED)


def keeps_template(principal: Principal, home: str, work: str) -> bool:
    """Either provincial office of a pair keeps its template (the reach names the caller's province)."""
    region = reach(principal, Resource.service_template, Action.write).region
    return region is None or region in (home, work)
