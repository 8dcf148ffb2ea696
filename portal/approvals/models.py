"""Approval rules, requests with their materialized approvers and step history, delegations.

A rule's chain (tiers of groups of approvers) is small and always read whole, so it is JSON on
the rule; a request keeps a snapshot of it, so editing a rule never changes a pending request.
Who a tier waits on is resolved when the tier starts (or escalates) into `approval_assignee`
rows: the queues are then plain joins, and the page shows exactly who was asked.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import db
from portal.models import UTCDateTime, Uuid, new_uuid, utcnow


class ApprovalRule(db.Model):
    __tablename__ = "approval_rule"
    __table_args__ = (Index("ix_approval_rule_node_subject", "node_id", "subject"),)

    id: Mapped[str] = mapped_column(Uuid, primary_key=True, default=new_uuid)
    organization_id: Mapped[str] = mapped_column(ForeignKey("org_node.id"), index=True)
    node_id: Mapped[str] = mapped_column(ForeignKey("org_node.id"))
    subject: Mapped[str] = mapped_column(String(30))
    name: Mapped[str] = mapped_column(String(120))
    operator: Mapped[str] = mapped_column(String(4))
    # currency code → threshold in minor units; other currencies are converted or refused.
    thresholds: Mapped[dict] = mapped_column(JSON, default=dict)
    # Organisation role ids; empty: whoever requests.
    requester_role_ids: Mapped[list] = mapped_column(JSON, default=list)
    chain: Mapped[list] = mapped_column(JSON)
    expire_when_overdue: Mapped[bool] = mapped_column(Boolean, default=False)
    position: Mapped[int] = mapped_column(Integer, default=0)
    created_by: Mapped[str] = mapped_column(String(320))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class ApprovalRequest(db.Model):
    __tablename__ = "approval_request"
    __table_args__ = (
        UniqueConstraint("source", "external_ref"),
        Index("ix_approval_request_org_status", "organization_id", "status"),
    )

    id: Mapped[str] = mapped_column(Uuid, primary_key=True, default=new_uuid)
    # Null for staff-only subjects of a customer without an organisation (payment terms).
    organization_id: Mapped[str | None] = mapped_column(ForeignKey("org_node.id"))
    node_id: Mapped[str | None] = mapped_column(ForeignKey("org_node.id"), index=True)
    subject: Mapped[str] = mapped_column(String(30))
    description: Mapped[str] = mapped_column(String(500))
    amount_minor: Mapped[int | None] = mapped_column(BigInteger)
    currency: Mapped[str | None] = mapped_column(String(3))
    lines: Mapped[list] = mapped_column(JSON, default=list)
    # What an approval changes, e.g. {"customer_id": ..., "payment_terms": "NET60"}.
    target: Mapped[dict] = mapped_column(JSON, default=dict)
    # "portal", or the name of the calling system with its own reference (idempotent intake).
    source: Mapped[str] = mapped_column(String(100), default="portal")
    external_ref: Mapped[str | None] = mapped_column(String(100))
    requester_id: Mapped[str] = mapped_column(ForeignKey("user_account.id"), index=True)
    rule_id: Mapped[str | None] = mapped_column(Uuid)
    rule_name: Mapped[str] = mapped_column(String(120), default="")
    chain: Mapped[list] = mapped_column(JSON, default=list)
    expire_when_overdue: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(20), index=True)
    round: Mapped[int] = mapped_column(Integer, default=1)
    tier: Mapped[int] = mapped_column(Integer, default=0)
    # How many times the current tier went up a level for lack of a decision.
    escalation_level: Mapped[int] = mapped_column(Integer, default=0)
    tier_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    tier_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    version_id: Mapped[int] = mapped_column(Integer)

    # Optimistic check on top of the row lock: a stale in-memory request never overwrites.
    __mapper_args__ = {"version_id_col": version_id}


class ApprovalAssignee(db.Model):
    """Someone a group of the current tier waits on; `via` says why (role name or "named")."""

    __tablename__ = "approval_assignee"
    __table_args__ = (
        UniqueConstraint("request_id", "round", "tier", "group_no", "user_id"),
        Index("ix_approval_assignee_user", "user_id", "request_id"),
    )

    id: Mapped[str] = mapped_column(Uuid, primary_key=True, default=new_uuid)
    request_id: Mapped[str] = mapped_column(
        ForeignKey("approval_request.id", ondelete="CASCADE"), index=True
    )
    round: Mapped[int] = mapped_column(Integer)
    tier: Mapped[int] = mapped_column(Integer)
    group_no: Mapped[int] = mapped_column(Integer)
    user_id: Mapped[str] = mapped_column(ForeignKey("user_account.id"))
    via: Mapped[str] = mapped_column(String(120))


class ApprovalStep(db.Model):
    """The history: submissions, decisions, reminders, escalations, completion.

    A decision fills `group_no`; the unique key then lets the database refuse a second decision
    for a group of a tier, whatever the application did (steps without a group are NULL there,
    and NULLs never collide)."""

    __tablename__ = "approval_step"
    __table_args__ = (UniqueConstraint("request_id", "round", "tier", "group_no"),)

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=True
    )
    request_id: Mapped[str] = mapped_column(
        ForeignKey("approval_request.id", ondelete="CASCADE"), index=True
    )
    round: Mapped[int] = mapped_column(Integer)
    tier: Mapped[int | None] = mapped_column(Integer)
    group_no: Mapped[int | None] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(20))
    actor_id: Mapped[str | None] = mapped_column(ForeignKey("user_account.id"))
    on_behalf_of_id: Mapped[str | None] = mapped_column(ForeignKey("user_account.id"))
    comment: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ApprovalDelegation(db.Model):
    """Out of office: `delegate` decides in the place of `delegator` between two dates, for
    the requests of the organisation it was made in; with no organisation, between EFI staff,
    for what staff decide (directory.covering)."""

    __tablename__ = "approval_delegation"

    id: Mapped[str] = mapped_column(Uuid, primary_key=True, default=new_uuid)
    organization_id: Mapped[str | None] = mapped_column(ForeignKey("org_node.id"), index=True)
    delegator_id: Mapped[str] = mapped_column(ForeignKey("user_account.id"), index=True)
    delegate_id: Mapped[str] = mapped_column(ForeignKey("user_account.id"), index=True)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
