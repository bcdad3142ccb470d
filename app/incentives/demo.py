"""Illustrative demo rules for Guangxi (450000) and Guangdong (440000); docs/incentives.md says where each is from."""

from typing import Any

from sqlalchemy.orm import Session

from app.incentives import service
from app.incentives.schemas import RuleCreate
from app.orgs.service import Principal

SOURCE = (
    "示例规则，仿照广西、广东公开的东西部劳务协作奖补做法（对劳动者、用工企业、劳务中介和经纪人全覆盖财政奖补）；"
    "金额为示例，不是任何文件的原文 / illustrative, modelled on published Guangxi/Guangdong practice; "
    "the amounts are examples, not quoted from a document (docs/incentives.md)"
)
LOW_INCOME = {"households": ["registered_low_income", "monitored"], "cross_province_only": True}
DEMO_RULES: dict[str, list[dict[str, Any]]] = {
    "450000": [
        {
            "name": "跨省务工一次性交通补助（凭票，最高800元）",
            "beneficiary": "worker",
            "trigger": "continuous_days",
            "days": 90,
            "amount_mode": "actual_capped",
            "cap_fen": 80_000,
            "conditions": LOW_INCOME,
            "exclusions": ["free_transport"],
            "limits": {"once_per_worker_per_year": True},
        },
        {
            "name": "赴粤务工一次性交通补助（无票据，400元）",
            "beneficiary": "worker",
            "trigger": "continuous_days",
            "days": 90,
            "amount_fen": 40_000,
            "conditions": LOW_INCOME,
            "exclusions": ["free_transport"],
            "limits": {"once_per_worker_per_year": True},
        },
        {
            "name": "劳务中介稳岗奖励（稳定就业满3个月）",
            "beneficiary": "agency",
            "trigger": "continuous_days",
            "days": 90,
            "amount_fen": 30_000,
            "conditions": {"households": ["registered_low_income", "monitored"]},
        },
        {
            "name": "劳务经纪人稳岗奖励（稳定就业满3个月）",
            "beneficiary": "broker",
            "trigger": "continuous_days",
            "days": 90,
            "amount_fen": 30_000,
            "conditions": {"households": ["registered_low_income", "monitored"]},
        },
        {
            "name": "定制化培训结业补贴（培训机构）",
            "beneficiary": "training_school",
            "trigger": "training_completed",
            "amount_fen": 50_000,
        },
    ],
    "440000": [
        {
            "name": "吸纳西部脱贫劳动力稳岗补贴（满6个月）",
            "beneficiary": "employer",
            "trigger": "continuous_days",
            "days": 180,
            "amount_fen": 100_000,
            "conditions": LOW_INCOME,
            "limits": {"no_repeat_employer_months": 24},
        },
        {
            "name": "吸纳西部脱贫劳动力稳岗补贴（满12个月）",
            "beneficiary": "employer",
            "trigger": "continuous_days",
            "days": 365,
            "amount_fen": 100_000,
            "conditions": LOW_INCOME,
            "limits": {"no_repeat_employer_months": 24},
        },
    ],
}


def install(session: Session, office: Principal, valid_from: str = "2024-01-01") -> list[int]:
    """The demo rules of the office's province, written through the same wall as the API."""
    ids = []
    for rule in DEMO_RULES.get(office.region_code, []):
        body = RuleCreate.model_validate(
            {**rule, "province_code": office.region_code, "valid_from": valid_from, "source": SOURCE}
        )
        ids.append(service.create_rule(session, office, body).id)
    return ids
