"""Incentive rules (versioned), the append-only ledger, and payment batches."""

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, UtcDateTime, utcnow


class IncentiveRule(Base):
    """A rule's identity and owner; what it pays lives in its versions (an edit adds one)."""

    __tablename__ = "incentive_rules"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    province_code: Mapped[str] = mapped_column(String(6), index=True)
    version: Mapped[int] = mapped_column(Integer, default=1)  # the current version
    created_by_org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class IncentiveRuleVersion(Base):
    """One version of a rule, never changed: ledger entries name the version they were made under."""

    __tablename__ = "incentive_rule_versions"
    __table_args__ = (UniqueConstraint("rule_id", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    rule_id: Mapped[int] = mapped_column(ForeignKey("incentive_rules.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200))
    beneficiary: Mapped[str] = mapped_column(String(20))
    trigger: Mapped[str] = mapped_column(String(24))
    days: Mapped[int | None] = mapped_column(Integer)
    amount_mode: Mapped[str] = mapped_column(String(16))
    amount_fen: Mapped[int | None] = mapped_column(Integer)
    cap_fen: Mapped[int | None] = mapped_column(Integer)
    conditions: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    exclusions: Mapped[list[str]] = mapped_column(JSON, default=list)
    limits: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)
    publicity_days: Mapped[int] = mapped_column(Integer, default=7)
    source: Mapped[str | None] = mapped_column(Text)
    created_by_org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class IncentiveBatch(Base):
    """Approved entries bundled for the finance bureau; paid once."""

    __tablename__ = "incentive_batches"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    province_code: Mapped[str] = mapped_column(String(6), index=True)
    created_by_org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    paid_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    payment_reference: Mapped[str | None] = mapped_column(String(100))


class IncentiveEntry(Base):
    """One ledger line, never updated or deleted (the database refuses): corrections are later entries."""

    __tablename__ = "incentive_ledger"
    __table_args__ = (
        # Each (rule, beneficiary, subject, milestone) accrues once, whatever the rule's version: re-runs add nothing.
        Index(
            "uq_incentive_ledger_accrual_placement",
            "rule_id",
            "beneficiary_kind",
            "placement_id",
            "milestone",
            unique=True,
            sqlite_where=text("kind = 'accrual' AND placement_id IS NOT NULL"),
            postgresql_where=text("kind = 'accrual' AND placement_id IS NOT NULL"),
        ),
        Index(
            "uq_incentive_ledger_accrual_enrolment",
            "rule_id",
            "beneficiary_kind",
            "enrolment_id",
            "milestone",
            unique=True,
            sqlite_where=text("kind = 'accrual' AND enrolment_id IS NOT NULL"),
            postgresql_where=text("kind = 'accrual' AND enrolment_id IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(12), index=True)
    amount_fen: Mapped[int] = mapped_column(Integer)
    rule_id: Mapped[int] = mapped_column(ForeignKey("incentive_rules.id"), index=True)
    rule_version: Mapped[int] = mapped_column(Integer)
    province_code: Mapped[str] = mapped_column(String(6), index=True)
    beneficiary_kind: Mapped[str] = mapped_column(String(20))
    org_id: Mapped[int | None] = mapped_column(ForeignKey("orgs.id"), index=True)
    worker_id: Mapped[int | None] = mapped_column(ForeignKey("workers.id"), index=True)
    placement_id: Mapped[int | None] = mapped_column(ForeignKey("placements.id"), index=True)
    enrolment_id: Mapped[int | None] = mapped_column(Integer)
    milestone: Mapped[str] = mapped_column(String(24))
    milestone_date: Mapped[date] = mapped_column(Date)
    publicity_until: Mapped[date | None] = mapped_column(Date)
    reason: Mapped[str | None] = mapped_column(Text)
    corrects_id: Mapped[int | None] = mapped_column(ForeignKey("incentive_ledger.id"), index=True)
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("incentive_batches.id"), index=True)
    created_by_org_id: Mapped[int | None] = mapped_column(ForeignKey("orgs.id"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class IncentiveBatchItem(Base):
    """An accrual in a batch: an accrual is in one batch at most."""

    __tablename__ = "incentive_batch_items"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("incentive_batches.id"), index=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("incentive_ledger.id"), unique=True)
