"""The relay: outbox rows go to RabbitMQ (when configured) and to the in-process handlers.

One batch is one transaction. On PostgreSQL the claim locks its rows with SKIP LOCKED, so
several relays share the work without delivering a row twice at the same time. Order per
aggregate: a row goes out only when every earlier pending row of its aggregate is in the same
batch, ahead of it, so a row another relay holds (or one waiting out its backoff) holds back the
later ones. A row is marked sent only after the broker confirmed it and the handlers ran.
"""

from __future__ import annotations

import json
import logging
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

from sqlalchemy import or_, select, update

from portal.events import webhooks
from portal.events.broker import BrokerUnavailable, Message, RabbitPublisher
from portal.events.models import OutboxEvent
from portal.events.schema import envelope
from portal.extensions import db
from portal.models import utcnow

log = logging.getLogger(__name__)

Handler = Callable[[Sequence[OutboxEvent]], None]
# In-process handlers get each batch's delivered events in order, inside its transaction.
HANDLERS: list[Handler] = [webhooks.queue_deliveries]

BACKOFF_BASE = 1.0
BACKOFF_CAP = 300.0


def backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(BACKOFF_CAP, BACKOFF_BASE * 2 ** max(0, attempts - 1)))


def _claim(limit: int, now: datetime) -> list[OutboxEvent]:
    query = (
        select(OutboxEvent)
        .where(
            OutboxEvent.published_at.is_(None),
            or_(OutboxEvent.next_attempt_at.is_(None), OutboxEvent.next_attempt_at <= now),
        )
        .order_by(OutboxEvent.seq)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return list(db.session.scalars(query))


def _in_order(rows: list[OutboxEvent]) -> list[OutboxEvent]:
    """Drop each aggregate's rows from the first one that has an earlier pending row outside
    this batch (locked by another relay, or backing off)."""
    if not rows:
        return rows
    # Pending rows up to the batch's last: the batch itself plus the few held elsewhere, one
    # range of the pending index (filtering by aggregate in SQL would scan their history).
    pending = defaultdict(list)
    for aggregate, seq in db.session.execute(
        select(OutboxEvent.aggregate_id, OutboxEvent.seq)
        .where(OutboxEvent.published_at.is_(None), OutboxEvent.seq <= rows[-1].seq)
        .order_by(OutboxEvent.seq)
    ):
        pending[aggregate].append(seq)
    position: dict[str, int] = defaultdict(int)
    blocked: set[str] = set()
    kept = []
    for row in rows:
        expected = pending[row.aggregate_id]
        i = position[row.aggregate_id]
        if row.aggregate_id in blocked or i >= len(expected) or expected[i] != row.seq:
            blocked.add(row.aggregate_id)
            continue
        position[row.aggregate_id] = i + 1
        kept.append(row)
    return kept


def _prefixes(rows: list[OutboxEvent], ok: Callable[[int], bool]) -> tuple[list, list]:
    """Split rows into those delivered and those to retry: after a failure, every later row of
    the same aggregate is retried too, so nothing overtakes it."""
    failed: set[str] = set()
    done, retry = [], []
    for index, row in enumerate(rows):
        if row.aggregate_id in failed or not ok(index):
            failed.add(row.aggregate_id)
            retry.append(row)
        else:
            done.append(row)
    return done, retry


def _run_handlers(rows: list[OutboxEvent]) -> tuple[list[OutboxEvent], dict[str, str]]:
    """Run the handlers on the batch; if that fails, row by row to find the culprits."""
    if not HANDLERS or not rows:
        return rows, {}
    try:
        with db.session.begin_nested():
            for run in HANDLERS:
                run(rows)
        return rows, {}
    except Exception:
        log.exception("a handler failed on a batch; retrying row by row")
    errors: dict[str, str] = {}

    def one(index: int) -> bool:
        try:
            with db.session.begin_nested():
                for run in HANDLERS:
                    run([rows[index]])
        except Exception as exc:
            errors[rows[index].id] = f"handler: {exc.__class__.__name__}: {exc}"
            return False
        return True

    done, _ = _prefixes(rows, one)
    return done, errors


class Relay:
    def __init__(self, publisher: RabbitPublisher | None = None, batch_size: int = 500):
        self.publisher = publisher
        self.batch_size = batch_size

    def run_once(self) -> int:
        """Deliver one batch and commit; the number of rows marked sent. A handler failing
        after the broker confirmed means the row is published again on retry: consumers
        de-duplicate by eventId."""
        now = utcnow()
        claimed = _in_order(_claim(self.batch_size, now))
        rows, errors = claimed, {}
        if self.publisher is not None and claimed:
            confirmed = self.publisher.publish(
                [
                    Message(r.type, json.dumps(envelope(r), separators=(",", ":")).encode(), r.id)
                    for r in claimed
                ]
            )
            rows, retry = _prefixes(claimed, lambda i: confirmed[i])
            errors = {r.id: "broker: not confirmed" for r in retry}
        delivered, handler_errors = _run_handlers(rows)
        errors |= handler_errors
        sent = {r.id for r in delivered}
        if sent:
            db.session.execute(
                update(OutboxEvent)
                .where(OutboxEvent.id.in_(sent))
                .values(published_at=now, last_error=None, next_attempt_at=None)
                .execution_options(synchronize_session=False)
            )
        for row in claimed:
            if row.id not in sent:
                row.attempts = (row.attempts or 0) + 1
                row.last_error = errors.get(row.id, "held back behind an earlier failed event")
                row.next_attempt_at = now + backoff(row.attempts)
        db.session.commit()
        return len(sent)

    def close(self) -> None:
        if self.publisher is not None:
            self.publisher.close()


def run_forever(
    relay: Relay,
    *,
    interval: float = 0.5,
    after_batch: Callable[[], None] = lambda: None,
    should_stop: Callable[[], bool] = lambda: False,
) -> None:
    """The worker loop: drain the outbox, sleep when it is empty, back off while the broker is
    unreachable (rows are not touched then: they are not at fault)."""
    outage = 0
    try:
        while not should_stop():
            try:
                sent = relay.run_once()
                outage = 0
            except BrokerUnavailable as exc:
                db.session.rollback()
                outage += 1
                pause = min(30.0, 0.5 * 2 ** (outage - 1))
                log.warning("broker unreachable (%s); retrying in %.1f s", exc, pause)
                time.sleep(pause)
                continue
            after_batch()
            if sent == 0:
                time.sleep(interval)
    finally:
        relay.close()
