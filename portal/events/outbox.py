"""Writing events to the outbox. The row joins the caller's transaction; the caller commits."""

from __future__ import annotations

from datetime import datetime

from portal.events.models import OutboxEvent
from portal.extensions import db
from portal.models import new_uuid, utcnow
from portal.request_ids import current_request_id

SYSTEM = "system"


def emit(
    event_type: str,
    aggregate_id: str,
    payload: dict,
    *,
    actor: str,
    aggregate_type: str = "customer",
    version: int = 1,
    event_id: str | None = None,
    occurred_at: datetime | None = None,
) -> OutboxEvent:
    """Add one event to the current session; it commits (or rolls back) with the change.

    `actor` is the acting user's id or SYSTEM. Pass `event_id`/`occurred_at` when the payload
    itself repeats them (CustomerStatusChangedByAdmin carries eventId and timestamp).
    """
    event = OutboxEvent(
        id=event_id or new_uuid(),
        type=event_type,
        version=version,
        occurred_at=occurred_at or utcnow(),
        aggregate_type=aggregate_type,
        aggregate_id=aggregate_id,
        actor=actor,
        payload=payload,
        attempts=0,
        request_id=current_request_id(),
    )
    db.session.add(event)
    return event
