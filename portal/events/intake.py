"""Taking in the events other contexts send, from the queue or over HTTP.

Each event is validated, its effect applied and its eventId recorded in the inbox, all in one
transaction: a redelivered event finds its id there and is acknowledged without effect. A
refused event raises Refused; the queue consumer parks it, the HTTP endpoint answers 400/422.

What an event does is up to the areas that consume it (portal.events.handlers, one look-up per
event type). Batches (a queue batch, an HTTP array) take each run of consecutive events of a
type with a batch handler at once (take_run): for OrderPlaced, one look-up of their eventIds and
customers, the orders recorded set-based and their customers re-evaluated in one engine run,
instead of one run per event (which cost ~60 ms). The other types go one by one, in order,
between the runs.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, nullcontext

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError, OperationalError

from portal.domain import Refusal
from portal.events.handlers import CONSUMERS, Awaiting, Consumer, resolve_payloads
from portal.events.models import InboxEvent, ParkedEvent
from portal.events.outbox import SYSTEM
from portal.events.schema import as_of_version, problems
from portal.extensions import db
from portal.limits import json_loads
from portal.metrics import INBOX_EVENTS, INBOX_SECONDS
from portal.models import among, utcnow

log = logging.getLogger(__name__)

ACCEPTED = "accepted"
DUPLICATE = "duplicate"
PARKED = "parked"


class Refused(Exception):
    """The event cannot be taken in: `status` 400 (not JSON) or 422 (invalid, unknown); 500
    only on the queue, where an effect that failed unexpectedly parks its event."""

    def __init__(
        self,
        status: int,
        reason: str,
        details: list[str] | None = None,
        awaits_order: str | None = None,
    ):
        super().__init__(reason)
        self.status = status
        self.reason = reason
        self.details = details or []
        self.awaits_order = awaits_order  # an OrderCancelled before its order

    def __str__(self) -> str:
        return "; ".join([self.reason, *self.details])


def _unknown(exc: Refusal) -> Refused:
    messages = [m for field in exc.errors.values() for m in field]
    awaits = exc.awaits if isinstance(exc, Awaiting) else None
    return Refused(422, "the event refers to something unknown", messages, awaits)


def decode(body: bytes | str) -> object:
    try:
        return json_loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise Refused(400, "the body is not JSON", [str(exc)]) from None


def check(message: object) -> dict:
    message = as_of_version(message)
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
            consumer = CONSUMERS[event["type"]]
            resolve_payloads([event["payload"]])
            consumer.apply(event["payload"])
            db.session.add(InboxEvent(event_id=event["eventId"], type=event["type"], source=source))
            db.session.flush()
            if consumer.releases:
                apply_awaited([consumer.releases(event["payload"])])
    except Refusal as exc:
        raise _unknown(exc) from None
    except IntegrityError:
        if not isolated:
            raise
        return DUPLICATE  # another consumer recorded the eventId first; its effect stands
    return ACCEPTED


def park(
    body: bytes | str, reason: str, source: str, awaits_order: str | None = None
) -> ParkedEvent:
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
    try:
        message = json_loads(text)
    except ValueError:
        message = None
    fields = message if isinstance(message, dict) else {}
    parked = ParkedEvent(
        source=source,
        event_id=str(fields.get("eventId"))[:80] if fields.get("eventId") else None,
        type=str(fields.get("type"))[:100] if fields.get("type") else None,
        body=text,
        reason=reason,
        awaits_order=awaits_order,
        status="parked",
    )
    db.session.add(parked)
    return parked


def apply_awaited(keys: Iterable[str], *, isolated: bool = False) -> None:
    """Apply the parked events awaiting one of `keys` (an OrderCancelled that overtook its
    order, see handlers.Awaiting) in the open transaction, and mark them replayed: such an
    event is not lost. `isolated`: one still awaiting stays parked (a queue batch parks
    before it knows which keys its events released)."""
    waiting = db.session.scalars(
        select(ParkedEvent)
        .where(ParkedEvent.status == "parked", among(ParkedEvent.awaits_order, set(keys)))
        .order_by(ParkedEvent.id)
    ).all()
    for parked in waiting:
        try:
            consume(decode(parked.body), parked.source, isolated=isolated)
        except Refused as refused:
            if not (isolated and refused.awaits_order):
                raise
            continue
        _mark(parked, "replayed", SYSTEM)


def take_run(events: list[dict], source: str, consumer: Consumer) -> list[str | Refused]:
    """Checked events of one batched type at once, in the open transaction: ACCEPTED, DUPLICATE
    (the eventId is in the inbox or earlier in the list) or the Refused of each."""
    assert consumer.batch is not None
    seen = set(
        db.session.scalars(
            select(InboxEvent.event_id).where(
                among(InboxEvent.event_id, [e["eventId"] for e in events])
            )
        )
    )
    resolve_payloads([e["payload"] for e in events])
    refusals = consumer.batch.refusals([e["payload"] for e in events])
    outcomes: list[str | Refused] = []
    taken = []
    for event, refusal in zip(events, refusals, strict=True):
        if event["eventId"] in seen:
            outcomes.append(DUPLICATE)
        elif refusal is not None:
            outcomes.append(_unknown(refusal))
        else:
            seen.add(event["eventId"])
            taken.append(event)
            outcomes.append(ACCEPTED)
    if taken:
        consumer.batch.apply([e["payload"] for e in taken])
        db.session.execute(
            insert(InboxEvent.__table__),
            [{"event_id": e["eventId"], "type": e["type"], "source": source} for e in taken],
        )
        if consumer.releases:
            apply_awaited(consumer.releases(e["payload"]) for e in taken)
    return outcomes


def _one(event: dict, source: str, isolated: bool) -> str | Refused:
    with _timed(event["type"]):
        return _consume_one(event, source, isolated)


def _consume_one(event: dict, source: str, isolated: bool) -> str | Refused:
    try:
        return consume(event, source, isolated=isolated)
    except Refused as refused:
        return refused
    except OperationalError:
        raise
    except Exception as exc:
        if not isolated:
            raise
        # A bug in an effect must not stop the queue: the event is parked, the cause logged.
        log.exception("consumed event failed; parked")
        return Refused(500, f"internal error: {exc.__class__.__name__}: {exc}")


def _run(events: list[dict], source: str, isolated: bool) -> list[str | Refused]:
    if not events:
        return []
    with _timed(events[0]["type"]):
        return _run_of_one_type(events, source, isolated)


def _run_of_one_type(events: list[dict], source: str, isolated: bool) -> list[str | Refused]:
    consumer = CONSUMERS[events[0]["type"]]
    if not isolated:
        return take_run(events, source, consumer)
    try:
        with db.session.begin_nested():
            return take_run(events, source, consumer)
    except OperationalError:
        raise
    except Exception:  # an eventId recorded concurrently, or a bug: find out one by one
        log.info("a run of %d events failed together; taking them one by one", len(events))
        return [_one(event, source, isolated) for event in events]


def _decoded(body: bytes) -> object | Refused:
    try:
        return decode(body)
    except Refused as refused:
        return refused


def _checked(message: object) -> dict | Refused:
    if isinstance(message, Refused):  # it was no JSON
        return message
    try:
        return check(message)
    except Refused as refused:
        return refused


def _take(messages: list[object], source: str, *, isolated: bool) -> list[str | Refused]:
    """Apply the messages in order in the open transaction; ACCEPTED, DUPLICATE or the Refused
    of each. Not `isolated` (see consume), it stops at the first refusal."""
    outcomes: list[str | Refused] = []
    run: list[dict] = []
    for message in messages:
        event = _checked(message)
        batched = isinstance(event, dict) and CONSUMERS[event["type"]].batch is not None
        if batched and (not run or run[0]["type"] == event["type"]):
            run.append(event)
            continue
        done = _run(run, source, isolated)
        run = [event] if batched else []
        if not batched:
            done.append(_one(event, source, isolated) if isinstance(event, dict) else event)
        outcomes += done
        if not isolated and any(isinstance(o, Refused) for o in done):
            return outcomes
    return outcomes + _run(run, source, isolated)


def take_batch(bodies: list[bytes], source: str) -> list[str]:
    """The queue's intake: every message is applied, found a duplicate or parked, then one
    commit. A lost database connection propagates, so the consumer can leave them queued."""
    messages = [_decoded(body) for body in bodies]
    outcomes = _take(messages, source, isolated=True)
    awaited = []
    for body, outcome in zip(bodies, outcomes, strict=True):
        if isinstance(outcome, Refused):
            park(body, str(outcome), source, outcome.awaits_order)
            awaited.append(outcome.awaits_order)
    if any(awaited):  # the order may have come later in this very batch
        db.session.flush()
        apply_awaited((a for a in awaited if a), isolated=True)
    db.session.commit()
    results = [PARKED if isinstance(o, Refused) else o for o in outcomes]
    _count(messages, results)
    return results


def take_all(message: object, source: str, max_batch: int) -> list[dict]:
    """The HTTP intake: one event or a batch of up to `max_batch`, all or nothing, one commit.

    Raises Refused (naming the offending event of a batch) or IntegrityError (the same eventId
    arrived concurrently); either way nothing is saved.
    """
    events = message if isinstance(message, list) else [message]
    if not 1 <= len(events) <= max_batch:
        raise Refused(422, f"send 1 to {max_batch} events")
    try:
        outcomes = _take(events, source, isolated=False)
        for index, outcome in enumerate(outcomes):
            if isinstance(outcome, Refused):
                if len(events) > 1:  # say which one, since the batch is refused whole
                    outcome.details = [f"[{index}] {d}" for d in outcome.details]
                raise outcome
        db.session.commit()
    except (Refused, IntegrityError):
        db.session.rollback()
        raise
    _count(events, outcomes)
    return [{"eventId": e["eventId"], "status": o} for e, o in zip(events, outcomes, strict=True)]


@contextmanager
def _timed(event_type: str) -> Iterator[None]:
    """Adds the time spent applying events of one type to portal_inbox_processing_seconds."""
    started = time.perf_counter()
    try:
        yield
    finally:
        INBOX_SECONDS.labels(event_type).inc(time.perf_counter() - started)


def _count(messages: list, outcomes: list[str]) -> None:
    """Committed outcomes by type; types outside the catalogue count as "other", so a sender
    cannot grow the metric's label set."""
    for message, outcome in zip(messages, outcomes, strict=True):
        kind = message.get("type") if isinstance(message, dict) else None
        INBOX_EVENTS.labels(kind if kind in CONSUMERS else "other", outcome).inc()


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
    _mark(parked, status, user_id)
    db.session.commit()


def _mark(parked: ParkedEvent, status: str, user_id: str) -> None:
    parked.status = status
    parked.resolved_at = utcnow()
    parked.resolved_by = user_id
