"""The outbox: events written in the same transaction as the state change they describe."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import db
from portal.models import UTCDateTime, Uuid, new_uuid, utcnow


class OutboxEvent(db.Model):
    """One domain event waiting for (or done with) delivery by the relay."""

    __tablename__ = "outbox_event"

    id: Mapped[str] = mapped_column(Uuid, primary_key=True, default=new_uuid)  # the eventId
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
