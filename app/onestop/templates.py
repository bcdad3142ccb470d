"""The shipped checklist for Guangxi (450000) workers in Guangdong (440000), and every pair without its own.

Each task names the rule it follows. `illustrative: true` marks a default this product could not check against
the rule's text (a due date chosen by the product, or a time limit quoted from memory): a provincial office
should confirm or replace it with `PUT /service-templates/{home}/{work}`.
"""

from app.onestop.schemas import TaskSpec

HOME, WORK = "450000", "440000"

DEFAULT_SOURCE = (
    "Laborbridge default for 广西 → 广东 (450000 → 440000), also used by pairs that keep no template of their own"
)

DEFAULT_TASKS: tuple[TaskSpec, ...] = (
    TaskSpec(
        kind="resident_medical_paid",
        stage="before_departure",
        responsible="county_office",
        due_from="start",
        due_days=0,
        due_unit="calendar",
        illustrative=True,
        source=(
            "城乡居民基本医疗保险按年度缴费: the worker stays covered at home until employee insurance starts. "
            "Due by the start date: the product's choice."
        ),
    ),
    TaskSpec(
        kind="medical_registration",
        stage="before_departure",
        responsible="county_office",
        due_from="start",
        due_days=0,
        due_unit="calendar",
        illustrative=True,
        source=(
            "跨省异地就医直接结算: a worker going to work in another province files 异地就医备案 (异地工作人员) "
            "so treatment there is settled directly. Due by the start date: the product's choice."
        ),
    ),
    TaskSpec(
        kind="employee_insurance",
        stage="on_hiring",
        responsible="employer",
        due_from="start",
        due_days=30,
        due_unit="calendar",
        illustrative=False,
        source=(
            "《社会保险法》第五十八条: the employer registers the worker for social insurance within 30 days of "
            "the start of employment; 《工伤保险条例》第二条: every employer insures its workers against work injury. "
            "Not done by day 30 raises the rule flag injury_cover_unconfirmed."
        ),
    ),
    TaskSpec(
        kind="medical_transfer",
        stage="on_hiring",
        responsible="employer",
        due_from="start",
        due_days=45,
        due_unit="working",
        illustrative=True,
        source=(
            "《基本医疗保险关系转移接续暂行办法》: the record moves from the home scheme to the workplace's. "
            "The 45 working days from the start are the product's assumption, not the rule's time limit."
        ),
    ),
    TaskSpec(
        kind="pension_transfer",
        stage="on_hiring",
        responsible="employer",
        due_from="start",
        due_days=45,
        due_unit="working",
        illustrative=True,
        source=(
            "《城镇企业职工基本养老保险关系转移接续暂行办法》: three steps of up to 15 working days each (the new "
            "agency's letter, the old agency's transfer, the new agency's entry), 45 working days in all. "
            "Counted here from the start date rather than from the application: the product's simplification."
        ),
    ),
    TaskSpec(
        kind="medical_gap_reminder",
        stage="on_exit",
        responsible="county_office",
        due_from="end",
        due_days=3,
        due_unit="months",
        remind_days_before=30,
        illustrative=True,
        source=(
            "After leaving a job, employee medical insurance resumed within 3 months of the gap keeps the "
            "entitlement; later, a waiting period applies. Re-enrol the worker (a new employer or the resident "
            "scheme at home) before the 3 months pass; the reminder comes 30 days before."
        ),
    ),
)
