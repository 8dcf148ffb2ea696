"""Taking in the events other contexts send, from the queue or over HTTP.

Each event is validated, its effect applied and its eventId recorded in the inbox, all in one
transaction: a redelivered event finds its id there and is acknowledged without effect. A
refused event raises Refused; the queue consumer parks it, the HTTP endpoint answers 400/422.
"""

from __future__ import annotations

import json
import logging
from contextlib import nullcontext

from sqlalchemy.exc import IntegrityError, OperationalError

from portal.customers.errors import DomainError
from portal.events.effects import EFFECTS
from portal.events.models import InboxEvent, ParkedEvent
from portal.events.schema import problems
from portal.extensions import db
from portal.models import utcnow

log = logging.getLogger(__name__)

ACCEPTED = "accepted"
DUPLICATE = "duplicate"
PARKED = "parked"


class Refused(Exception):
    """The event cannot be taken in: `status` 400 (not JSON) or 422 (invalid, unknown)."""

    def __init__(self, status: int, reason: str, details: list[str] | None = None):
        super().__init__(reason)
        self.status = status
        self.reason = reason
        self.details = details or []

    def __str__(self) -> str:
        return "; ".join([self.reason, *self.details])


def decode(body: bytes | str) -> object:
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise Refused(400, "the body is not JSON", [str(exc)]) from None


def check(message: object) -> dict:
    if found := problems(message):
        raise Refused(422, "the event does not match its schema", found)
    assert isinstance(message, dict)
    return message


def consume(message: object, source: str, *, isolated: bool = False) -> str:
    """Apply one event in the open transaction (the caller commits); ACCEPTED or DUPLICATE.

    `isolated` wraps it in a savepoint, so a refusal leaves the rest of a queue batch intact
    and a concurrent duplicate is recognised; otherwise the caller rolls back on any error
    (on SQLite a released savepoint commits, so all-or-nothing batches must not use them).
    """
    event = check(message)
    if db.session.get(InboxEvent, event["eventId"]) is not None:
        return DUPLICATE
    try:
        with db.session.begin_nested() if isolated else nullcontext():
            EFFECTS[event["type"]](event["payload"])
            db.session.add(InboxEvent(event_id=event["eventId"], type=event["type"], source=source))
            db.session.flush()
    except DomainError as exc:
        messages = [m for field in exc.errors.values() for m in field]
        raise Refused(422, "the event refers to something unknown", messages) from None
    except IntegrityError:
        if not isolated:
            raise
        return DUPLICATE  # another consumer recorded the eventId first; its effect stands
    return ACCEPTED


def park(body: bytes | str, reason: str, source: str) -> ParkedEvent:
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
    try:
        message = json.loads(text)
    except ValueError:
        message = None
    fields = message if isinstance(message, dict) else {}
    parked = ParkedEvent(
        source=source,
        event_id=str(fields.get("eventId"))[:80] if fields.get("eventId") else None,
        type=str(fields.get("type"))[:100] if fields.get("type") else None,
        body=text,
        reason=reason,
        status="parked",
    )
    db.session.add(parked)
    return parked


def take_batch(bodies: list[bytes], source: str) -> list[str]:
    """The queue's intake: every message is applied, found a duplicate or parked, then one
    commit. A lost database connection propagates, so the consumer can leave them queued."""
    outcomes = []
    for body in bodies:
        try:
            outcomes.append(consume(decode(body), source, isolated=True))
        except Refused as refused:
            park(body, str(refused), source)
            outcomes.append(PARKED)
        except OperationalError:
            raise
        except Exception as exc:  # a bug in an effect must not stop the queue: park, log
            log.exception("consumed event failed; parked")
            park(body, f"internal error: {exc.__class__.__name__}: {exc}", source)
            outcomes.append(PARKED)
    db.session.commit()
    return outcomes


def take_all(message: object, source: str, max_batch: int) -> list[dict]:
    """The HTTP intake: one event or a batch of up to `max_batch`, all or nothing, one commit.

    Raises Refused (naming the offending event of a batch) or IntegrityError (the same eventId
    arrived concurrently); either way nothing is saved.
    """
    events = message if isinstance(message, list) else [message]
    if not 1 <= len(events) <= max_batch:
        raise Refused(422, f"send 1 to {max_batch} events")
    results = []
    try:
        for index, event in enumerate(events):
            try:
                status = consume(event, source)
            except Refused as refused:
                if len(events) > 1:  # say which one, since the batch is refused whole
                    refused.details = [f"[{index}] {d}" for d in refused.details]
                raise
            results.append({"eventId": event["eventId"], "status": status})
        db.session.commit()
    except (Refused, IntegrityError):
        db.session.rollback()
        raise
    return results


def replay(parked: ParkedEvent, user_id: str) -> str | None:
    """Take a parked event in again; None on success, else why it was refused (it stays)."""
    try:
        consume(decode(parked.body), parked.source)
    except Refused as refused:
        db.session.rollback()
        parked.reason = str(refused)
        db.session.commit()
        return parked.reason
    resolve(parked, "replayed", user_id)
    return None


def resolve(parked: ParkedEvent, status: str, user_id: str) -> None:
    parked.status = status
    parked.resolved_at = utcnow()
    parked.resolved_by = user_id
    db.session.commit()
