"""Writing events to the outbox. The row joins the caller's transaction; the caller commits."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, Select, String, cast, func, literal, literal_column, select

from portal.bulk import bulk_insert
from portal.events.models import OutboxEvent
from portal.extensions import db
from portal.models import UTCDateTime, new_uuid, utcnow
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


def emit_many(event_type: str, payloads: list[dict], *, actor: str, at: datetime) -> None:
    """Events of one type about many customers (each payload's `customerId`), in one COPY on
    PostgreSQL (the intake's runs of orders: a fraction of an INSERT per row)."""
    if payloads:
        bulk_insert(
            db.session.connection(),
            OutboxEvent.__table__,
            [
                {
                    "id": new_uuid(),
                    "type": event_type,
                    "version": 1,
                    "occurred_at": at,
                    "aggregate_type": "customer",
                    "aggregate_id": p["customerId"],
                    "actor": actor,
                    "payload": p,
                    "attempts": 0,
                }
                for p in payloads
            ],
        )


def sql_uuid() -> ColumnElement:
    """A new random event id computed in SQL, for events written by INSERT ... SELECT."""
    if db.session.get_bind().dialect.name == "postgresql":
        return cast(func.gen_random_uuid(), String)
    # SQLite has no UUID function: a version-4 layout from random bytes.
    return literal_column(
        "lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' ||"
        " substr(hex(randomblob(2)), 2) || '-' || substr('89ab', 1 + abs(random()) % 4, 1) ||"
        " substr(hex(randomblob(2)), 2) || '-' || hex(randomblob(6)))"
    )


# The columns a set-based INSERT ... SELECT of events fills, in its SELECT's order.
SELECTED_COLUMNS = [
    "id",
    "type",
    "version",
    "occurred_at",
    "aggregate_type",
    "aggregate_id",
    "actor",
    "payload",
    "attempts",
]


def emit_selected(event_type: str, rows: Select, *, actor: str, at: datetime) -> None:
    """One event per row of `rows` (its columns: the customer id, the payload as SQL JSON),
    in one INSERT ... SELECT: for the set-based jobs that change many customers at once."""
    sub = rows.subquery()
    aggregate_id, payload = sub.c
    selected = select(
        sql_uuid(),
        literal(event_type),
        literal(1),
        literal(at, UTCDateTime),
        literal("customer"),
        aggregate_id,
        literal(actor),
        payload,
        literal(0),
    )
    db.session.execute(OutboxEvent.__table__.insert().from_select(SELECTED_COLUMNS, selected))
