"""The relay: outbox rows go to RabbitMQ (when configured) and to the in-process handlers.

A transaction carries one batch, or with a broker a chain of batches, each claimed while the
broker stores the one before. On PostgreSQL the claim locks its rows with SKIP LOCKED, so
several relays share the work without delivering a row twice at the same time. Order per
aggregate: a row goes out only when every earlier pending row of its aggregate is in the same
batch, ahead of it, so a row another relay holds (or one waiting out its backoff) holds back the
later ones. A row is marked sent only after the broker confirmed it and the handlers ran.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timedelta
from functools import cached_property

from sqlalchemy import Row, Text, bindparam, cast, func, or_, select, text, update

from portal.events import webhooks
from portal.events.broker import BrokerUnavailable, Message, RabbitPublisher
from portal.events.models import OutboxEvent
from portal.events.schema import envelope_json
from portal.extensions import db
from portal.metrics import OUTBOX_FAILED, OUTBOX_PUBLISHED, RELAY_HEARTBEAT
from portal.models import among, utcnow

log = logging.getLogger(__name__)

OUTBOX = OutboxEvent.__table__


class Outgoing:
    """A claimed outbox row on its way out, with its envelope as JSON text (`body`) and as the
    broker's message, built when the row is claimed (in a chain, while the broker stores the
    batch before): plain columns, not an ORM object, whose loading cost more than the rest of
    the relay."""

    def __init__(self, row: Row):
        self.id, self.seq, self.type = row.id, row.seq, row.type
        self.aggregate_id, self.attempts = row.aggregate_id, row.attempts
        self.request_id = row.request_id
        self.body = envelope_json(row)
        self.message = Message(row.type, self.body.encode(), row.id, row.request_id)

    @cached_property
    def payload(self) -> dict:
        """For handlers that look inside; the relay itself never decodes a payload."""
        return json.loads(self.body)["payload"]


Handler = Callable[[Sequence[Outgoing]], None]
# In-process handlers get each batch's delivered events in order, inside its transaction.
HANDLERS: list[Handler] = [webhooks.queue_deliveries]

BACKOFF_BASE = 1.0
BACKOFF_CAP = 300.0


def backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(BACKOFF_CAP, BACKOFF_BASE * 2 ** max(0, attempts - 1)))


def _write_lock() -> None:
    """On SQLite, take the database's write lock before reading: a transaction that reads and
    then writes fails at once (SQLITE_BUSY, no waiting) when another connection committed in
    between, as the emitting web requests do all the time. PostgreSQL locks the claimed rows."""
    connection = db.session.connection()
    if connection.dialect.name == "sqlite" and not connection.connection.in_transaction:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def _claim(limit: int, now: datetime, after: int) -> list[Row]:
    """Lock the next due rows after seq `after`, then drop each aggregate's rows from the first
    one that has an earlier pending row outside this batch (locked by another relay, or backing
    off): one statement, only the rows that go out come back."""
    c = OUTBOX.c
    claimed = (
        select(
            c.id,
            c.seq,
            c.type,
            c.version,
            c.occurred_at,
            c.aggregate_id,
            c.actor,
            # The stored JSON text, spliced into the envelope as it is.
            cast(c.payload, Text).label("payload"),
            c.attempts,
            c.request_id,
        )
        .where(
            c.published_at.is_(None),
            or_(c.next_attempt_at.is_(None), c.next_attempt_at <= now),
            # Within a chain, past the rows already sent in it: still pending to the index
            # until the transaction ends, they would be stepped over again and again.
            c.seq > after,
        )
        .order_by(c.seq)
        .limit(limit)
        .with_for_update(skip_locked=True)
        .cte("claimed")
    )
    # Pending rows up to the batch's last: one range of the pending index (filtering by
    # aggregate would scan their history); the first of each aggregate not in the batch.
    pending = OUTBOX.alias("pending")
    held = (
        select(pending.c.aggregate_id, func.min(pending.c.seq).label("seq"))
        .where(
            pending.c.published_at.is_(None),
            pending.c.seq <= select(func.max(claimed.c.seq)).scalar_subquery(),
            pending.c.seq.not_in(select(claimed.c.seq)),
        )
        .group_by(pending.c.aggregate_id)
        .cte("held")
    )
    query = (
        select(claimed)
        .outerjoin(held, held.c.aggregate_id == claimed.c.aggregate_id)
        .where(or_(held.c.seq.is_(None), claimed.c.seq < held.c.seq))
        .order_by(claimed.c.seq)
    )
    with _planned_on_the_pending_index():
        return list(db.session.execute(query))


@contextmanager
def _planned_on_the_pending_index() -> Iterator[None]:
    """On PostgreSQL, plan the claim on the pending index whatever the statistics say. After a
    bulk of writes (a backlog behind a broker outage) they say every row is pending, and the
    planner then read the whole outbox, history included, on every claim."""
    if db.session.get_bind().dialect.name != "postgresql":
        yield
        return
    db.session.execute(text("SET LOCAL enable_seqscan = off; SET LOCAL enable_bitmapscan = off"))
    try:
        yield
    finally:
        db.session.execute(
            text("SET LOCAL enable_seqscan TO DEFAULT; SET LOCAL enable_bitmapscan TO DEFAULT")
        )


def _load(limit: int, now: datetime, after: int = 0) -> list[Outgoing]:
    return [Outgoing(row) for row in _claim(limit, now, after)]


def _prefixes(rows: list[Outgoing], ok: Callable[[int], bool]) -> tuple[list, list]:
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


def _run_handlers(rows: list[Outgoing]) -> tuple[list[Outgoing], dict[str, str]]:
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


def _mark_sent(rows: list[Outgoing], now: datetime) -> None:
    if rows:
        db.session.execute(
            update(OUTBOX)
            .where(among(OUTBOX.c.id, [r.id for r in rows]))
            .values(published_at=now, last_error=None, next_attempt_at=None)
        )


def _mark_failed(rows: list[Outgoing], errors: dict[str, str], now: datetime) -> None:
    if rows:
        db.session.execute(
            update(OUTBOX)
            .where(OUTBOX.c.id == bindparam("row_id"))
            .values(
                attempts=bindparam("row_attempts"),
                last_error=bindparam("row_error"),
                next_attempt_at=bindparam("row_next"),
            ),
            [
                {
                    "row_id": r.id,
                    "row_attempts": r.attempts + 1,
                    "row_error": errors.get(r.id, "held back behind an earlier failed event"),
                    "row_next": now + backoff(r.attempts + 1),
                }
                for r in rows
            ],
        )


def _settle(claimed: list[Outgoing], ok: list[Outgoing], now: datetime, errors: dict) -> int:
    """The handlers for `ok`, then the sent mark on the rows they took; the other claimed rows
    are retried with backoff. The number of rows marked sent."""
    delivered, handler_errors = _run_handlers(ok)
    _mark_sent(delivered, now)
    sent = {r.id for r in delivered}
    failed = [r for r in claimed if r.id not in sent]
    _mark_failed(failed, errors | handler_errors, now)
    OUTBOX_PUBLISHED.inc(len(sent))
    OUTBOX_FAILED.inc(len(failed))
    return len(sent)


class Relay:
    def __init__(
        self, publisher: RabbitPublisher | None = None, batch_size: int = 1000, chain: int = 10
    ):
        self.publisher = publisher
        self.batch_size = batch_size
        self.chain = chain

    def run_once(self) -> int:
        """Deliver due rows and commit; the number of rows marked sent. With a broker, up to
        `chain` batches share the transaction while the broker confirms each one in full: the
        next batch is claimed while the broker stores the current one. A handler failing after
        the broker confirmed means the row is published again on retry: consumers de-duplicate
        by eventId."""
        now = utcnow()
        _write_lock()
        batch = _load(self.batch_size, now)
        sent = 0
        if self.publisher is None:
            sent = _settle(batch, batch, now, {})
        else:
            try:
                for links_left in reversed(range(self.chain)):
                    if not batch:
                        break
                    done, batch = self._publish(batch, now, prefetch=links_left > 0)
                    sent += done
            except BrokerUnavailable:
                if sent:  # what the broker confirmed stays sent
                    db.session.commit()
                raise
        db.session.commit()
        return sent

    def _publish(
        self, batch: list[Outgoing], now: datetime, *, prefetch: bool
    ) -> tuple[int, list[Outgoing]]:
        """The batch to the broker. While it confirms, in a savepoint: the handlers, the sent
        marks and (with `prefetch`) the claim of the next batch, all kept only if the broker
        confirmed every row; else the savepoint goes, the confirmed rows are settled again and
        the chain ends. The number sent, and the next batch."""
        ahead: dict = {}

        def meanwhile() -> None:
            ahead["savepoint"] = db.session.begin_nested()
            ahead["sent"] = _settle(batch, batch, now, {})
            ahead["next"] = _load(self.batch_size, now, batch[-1].seq) if prefetch else []

        confirmed = self.publisher.publish([r.message for r in batch], meanwhile)
        if all(confirmed):
            ahead["savepoint"].commit()
            return ahead["sent"], ahead["next"]
        ahead["savepoint"].rollback()
        ok, retry = _prefixes(batch, lambda i: confirmed[i])
        return _settle(batch, ok, now, {r.id: "broker: not confirmed" for r in retry}), []

    def tend(self) -> None:
        """Between runs: keep the broker connection alive (heartbeats) and up to date."""
        if self.publisher is not None:
            self.publisher.tend()

    def close(self) -> None:
        if self.publisher is not None:
            self.publisher.close()


def run_forever(
    relay: Relay,
    *,
    interval: float = 0.5,
    should_stop: Callable[[], bool] = lambda: False,
) -> None:
    """The worker loop: drain the outbox, sleep when it is empty, back off while the broker is
    unreachable or blocks publishing (rows are not touched then: they are not at fault). The
    broker connection is tended throughout the pauses, in steps of `interval`."""
    outage = 0
    try:
        while not should_stop():
            try:
                sent = relay.run_once()
                outage = 0
                RELAY_HEARTBEAT.set(time.time())
            except BrokerUnavailable as exc:
                db.session.rollback()
                outage += 1
                pause = min(30.0, 0.5 * 2 ** (outage - 1))
                log.warning("broker unreachable (%s); retrying in %.1f s", exc, pause)
                _pause(relay, pause, interval, should_stop)
                continue
            if sent == 0:
                _pause(relay, interval, interval, should_stop)
    finally:
        relay.close()


def _pause(relay: Relay, seconds: float, step: float, should_stop: Callable[[], bool]) -> None:
    until = time.monotonic() + seconds
    while (left := until - time.monotonic()) > 0 and not should_stop():
        relay.tend()
        time.sleep(min(step, left))
