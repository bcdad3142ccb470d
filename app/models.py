"""Every model imported once, so Alembic and create_all see the whole schema."""

from app.allocations.models import Allocation, AllocationItem
from app.artefacts.models import ModelArtefact
from app.audit.models import PiiRead
from app.consultation.models import ConsultationAction, ConsultationActionEvent
from app.departure.models import FlagReview, PlacementRisk
from app.evaluations.models import Evaluation, EvaluationEvent
from app.idempotency.models import IdempotencyRecord
from app.incentives.models import (
    IncentiveBatch,
    IncentiveBatchItem,
    IncentiveEntry,
    IncentiveRule,
    IncentiveRuleVersion,
)
from app.matching.models import OccupationCorrection, OccupationInference
from app.onestop.models import ServiceTask, ServiceTaskEvent, ServiceTemplate
from app.orgs.models import ApiKey, Org, ReportSession
from app.pairings.models import PairingVersion, ProposalDecision
from app.placements.models import FollowUp, Placement
from app.reference.models import Division, Occupation, Pairing
from app.reports import cache as _report_cache  # noqa: F401  (its listeners log every fact change)
from app.reports.models import CachedReport, FactChange, RiskSnapshot
from app.rights.models import CalendarDay, CaseEvent, RightsCase
from app.training.models import Enrolment, TrainingClass, TrainingDemand, TrainingReservation
from app.vacancies.models import Vacancy
from app.workers.models import Worker

__all__ = [
    "Allocation",
    "AllocationItem",
    "ApiKey",
    "Division",
    "Evaluation",
    "EvaluationEvent",
    "FlagReview",
    "FollowUp",
    "IdempotencyRecord",
    "ModelArtefact",
    "Occupation",
    "OccupationCorrection",
    "OccupationInference",
    "Org",
    "Pairing",
    "PiiRead",
    "Placement",
    "PlacementRisk",
    "ReportSession",
    "RiskSnapshot",
    "CachedReport",
    "FactChange",
    "Vacancy",
    "Worker",
    # incentives
    "IncentiveBatch",
    "IncentiveBatchItem",
    "IncentiveEntry",
    "IncentiveRule",
    "IncentiveRuleVersion",
    # pairings
    "PairingVersion",
    "ProposalDecision",
    "ConsultationAction",
    "ConsultationActionEvent",
    # training
    "Enrolment",
    "TrainingClass",
    "TrainingDemand",
    # rights cases
    "CalendarDay",
    "CaseEvent",
    "RightsCase",
    # training reservations
    "TrainingReservation",
    # one-stop services
    "ServiceTask",
    "ServiceTaskEvent",
    "ServiceTemplate",
]
