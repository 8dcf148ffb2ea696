"""Event tables: the outbox the relay drains, the inbox that makes consumed events idempotent,
the parked (dead-letter) events, and the webhook subscriptions with their delivery log."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    FetchedValue,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import db
from portal.models import BigId, UTCDateTime, Uuid, new_uuid, utcnow
from portal.request_ids import REQUEST_ID_LENGTH
from portal.security.crypto import EncryptedString


class OutboxEvent(db.Model):
    """One domain event waiting for (or done with) delivery by the relay."""

    __tablename__ = "outbox_event"
    __table_args__ = (
        # The relay's claim: pending rows in write order. Partial, so the claim never walks
        # past the (ever more) rows already sent.
        Index(
            "ix_outbox_event_pending",
            "seq",
            postgresql_where=text("published_at IS NULL"),
            sqlite_where=text("published_at IS NULL"),
        ),
        Index("ix_outbox_event_type_occurred", "type", "occurred_at"),
        Index("ix_outbox_event_aggregate_occurred", "aggregate_id", "occurred_at"),
    )

    id: Mapped[str] = mapped_column(Uuid, primary_key=True, default=new_uuid)  # the eventId
    # Write order, from the database (a sequence on PostgreSQL, the rowid on SQLite): the relay
    # delivers one aggregate's events in this order. Set-based INSERT … SELECTs get it too.
    seq: Mapped[int | None] = mapped_column(BigInteger, FetchedValue(), index=True, unique=True)
    type: Mapped[str] = mapped_column(String(100))
    version: Mapped[int] = mapped_column(Integer, default=1)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    aggregate_type: Mapped[str] = mapped_column(String(60))
    aggregate_id: Mapped[str] = mapped_column(String(80), index=True)
    # A user id, or "system" for jobs; no foreign key, events outlive accounts.
    actor: Mapped[str] = mapped_column(String(80))
    payload: Mapped[dict] = mapped_column(JSON)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    # Backoff after a failed delivery: not retried before this moment.
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The X-Request-Id of the request that caused it: the broker's correlation-id and the
    # webhook's X-Request-Id, so one id follows a change from the click to every receiver.
    request_id: Mapped[str | None] = mapped_column(String(REQUEST_ID_LENGTH))

    @property
    def status(self) -> str:
        if self.published_at is not None:
            return "sent"
        return "failed" if self.last_error else "pending"


class InboxEvent(db.Model):
    """A consumed event whose effect is committed; written in the effect's transaction."""

    __tablename__ = "inbox_event"

    event_id: Mapped[str] = mapped_column(String(80), primary_key=True)
    type: Mapped[str] = mapped_column(String(100))
    source: Mapped[str] = mapped_column(String(100))  # "queue" or the API token's name
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ParkedEvent(db.Model):
    """A consumed message that was refused: kept with the reason until replayed or discarded."""

    __tablename__ = "parked_event"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    source: Mapped[str] = mapped_column(String(100))
    event_id: Mapped[str | None] = mapped_column(String(80))
    type: Mapped[str | None] = mapped_column(String(100))
    body: Mapped[str] = mapped_column(Text)  # the message as received, for replay
    reason: Mapped[str] = mapped_column(Text)
    # An OrderCancelled that came before its order: applied when that order arrives.
    awaits_order: Mapped[str | None] = mapped_column(String(80), index=True)
    status: Mapped[str] = mapped_column(String(20), default="parked", index=True)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_by: Mapped[str | None] = mapped_column(String(80))


class WebhookSubscription(db.Model):
    __tablename__ = "webhook_subscription"

    id: Mapped[str] = mapped_column(Uuid, primary_key=True, default=new_uuid)
    url: Mapped[str] = mapped_column(String(500))
    event_types: Mapped[list] = mapped_column(JSON)
    # Encrypted, not hashed: every delivery is signed with it.
    secret: Mapped[str] = mapped_column(EncryptedString)
    # The secret a rotation replaced: it signs alongside until `previous_secret_until`.
    previous_secret: Mapped[str | None] = mapped_column(EncryptedString)
    previous_secret_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by: Mapped[str] = mapped_column(String(80))


class WebhookDelivery(db.Model):
    """One event for one subscription: its attempts, last answer and how long it took."""

    __tablename__ = "webhook_delivery"
    __table_args__ = (Index("ix_webhook_delivery_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    subscription_id: Mapped[str] = mapped_column(
        ForeignKey("webhook_subscription.id", ondelete="CASCADE"), index=True
    )
    event_id: Mapped[str] = mapped_column(Uuid)
    event_type: Mapped[str] = mapped_column(String(100))
    body: Mapped[str] = mapped_column(Text)  # the signed bytes, identical on every retry
    status: Mapped[str] = mapped_column(String(20), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    response_status: Mapped[int | None] = mapped_column(Integer)
    response_ms: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    request_id: Mapped[str | None] = mapped_column(String(REQUEST_ID_LENGTH))
