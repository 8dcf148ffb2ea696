"""Data-subject requests and their timeline, consent records, retention policies and runs,
and the access exports written to disk."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    event,
)
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from portal.compliance.values import (
    Channel,
    CompletionStatus,
    ConsentChannel,
    ConsentPurpose,
    ErasureScope,
    Jurisdiction,
    LegalBasis,
    RequestStatus,
    RequestType,
    RetentionRule,
)
from portal.extensions import db
from portal.models import BigId, UTCDateTime, Uuid, new_uuid, string_enum, utcnow


class DataSubjectRequest(db.Model):
    """A DSAR: who asked for what, under which law, and everything decided about it."""

    __tablename__ = "dsar_request"
    __table_args__ = (Index("ix_dsar_request_status_received", "status", "received_at"),)

    id: Mapped[str] = mapped_column(Uuid, primary_key=True, default=new_uuid)
    # None for a person not (yet) matched to a customer.
    customer_id: Mapped[str | None] = mapped_column(ForeignKey("customer.id"), index=True)
    requester_name: Mapped[str] = mapped_column(String(200))
    requester_email: Mapped[str | None] = mapped_column(String(320))
    requester_phone: Mapped[str | None] = mapped_column(String(40))
    request_type: Mapped[RequestType] = mapped_column(string_enum(RequestType))
    jurisdiction: Mapped[Jurisdiction] = mapped_column(string_enum(Jurisdiction))
    channel: Mapped[Channel] = mapped_column(string_enum(Channel))
    status: Mapped[RequestStatus] = mapped_column(string_enum(RequestStatus))
    description: Mapped[str] = mapped_column(Text, default="")
    # The legal clock starts here, not at verification.
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by: Mapped[str] = mapped_column(Uuid)

    erasure_scope: Mapped[ErasureScope | None] = mapped_column(string_enum(ErasureScope))
    erasure_categories: Mapped[list] = mapped_column(JSON, default=list)

    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    verified_by: Mapped[str | None] = mapped_column(Uuid)
    verification_method: Mapped[str | None] = mapped_column(String(60))
    verification_evidence: Mapped[str | None] = mapped_column(Text)

    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    extended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    extension_reason: Mapped[str | None] = mapped_column(Text)
    denial_reason: Mapped[str | None] = mapped_column(Text)

    approval_requested_by: Mapped[str | None] = mapped_column(Uuid)
    approved_by: Mapped[str | None] = mapped_column(Uuid)
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    completion_status: Mapped[CompletionStatus | None] = mapped_column(
        string_enum(CompletionStatus)
    )
    legal_basis: Mapped[LegalBasis | None] = mapped_column(string_enum(LegalBasis))
    # The erasure receipt: one line per table and field, what happened and why.
    receipt: Mapped[dict | None] = mapped_column(JSON)

    events: Mapped[list[RequestEvent]] = relationship(
        order_by=lambda: RequestEvent.id, cascade="all, delete-orphan"
    )


class RequestEvent(db.Model):
    """One line of a request's timeline (received, verified, extended, ...)."""

    __tablename__ = "dsar_request_event"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    request_id: Mapped[str] = mapped_column(
        ForeignKey("dsar_request.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_id: Mapped[str | None] = mapped_column(Uuid)
    actor_name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(40))
    from_status: Mapped[str | None] = mapped_column(String(40))
    to_status: Mapped[str | None] = mapped_column(String(40))
    note: Mapped[str] = mapped_column(Text, default="")


class DataExport(db.Model):
    """An access/portability ZIP on disk; downloadable until it expires, deleted by erasure."""

    __tablename__ = "dsar_export"

    id: Mapped[str] = mapped_column(Uuid, primary_key=True, default=new_uuid)
    request_id: Mapped[str] = mapped_column(ForeignKey("dsar_request.id"), index=True)
    customer_id: Mapped[str] = mapped_column(String(80), index=True)
    file_name: Mapped[str] = mapped_column(String(200))
    size: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by: Mapped[str] = mapped_column(Uuid)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    downloads: Mapped[int] = mapped_column(Integer, default=0)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ConsentRecord(db.Model):
    """Append-only: each grant or withdrawal is a new row; the latest per purpose is in force."""

    __tablename__ = "consent_record"
    __table_args__ = (
        Index("ix_consent_record_customer_purpose", "customer_id", "purpose", "id"),
        Index("ix_consent_record_customer_at", "customer_id", "at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    customer_id: Mapped[str] = mapped_column(ForeignKey("customer.id"))
    purpose: Mapped[ConsentPurpose] = mapped_column(string_enum(ConsentPurpose))
    granted: Mapped[bool] = mapped_column(Boolean)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    channel: Mapped[ConsentChannel] = mapped_column(string_enum(ConsentChannel))
    notice_version: Mapped[str] = mapped_column(String(40))
    recorded_by: Mapped[str] = mapped_column(Uuid)


class RetentionPolicy(db.Model):
    __tablename__ = "retention_policy"

    rule: Mapped[RetentionRule] = mapped_column(string_enum(RetentionRule), primary_key=True)
    months: Mapped[int] = mapped_column(Integer)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_by: Mapped[str | None] = mapped_column(Uuid)


class RetentionRun(db.Model):
    __tablename__ = "retention_run"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor: Mapped[str] = mapped_column(String(80))
    dry_run: Mapped[bool] = mapped_column(Boolean)
    # {rule: {"count": n, "skipped_on_hold": m}}
    report: Mapped[dict] = mapped_column(JSON)


class ConsentIsAppendOnly(RuntimeError):
    pass


@event.listens_for(Session, "before_flush")
def _refuse_consent_changes(session: Session, flush_context, instances) -> None:
    for obj in (*session.dirty, *session.deleted):
        if isinstance(obj, ConsentRecord):
            raise ConsentIsAppendOnly("consent history is never changed; record a new decision")
