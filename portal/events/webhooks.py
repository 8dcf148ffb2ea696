"""Webhooks: signed HTTP deliveries of chosen event types to subscribers' URLs.

The relay's handler queues one delivery per event and matching subscription (in the relay's
transaction, so none is lost or doubled). The webhook worker (run(), `flask --app wsgi events
webhooks`) sends them apart from the relay and the broker, several at once, retrying with
backoff: a delivery is leased and committed, sent outside any transaction, and its answer
recorded in a second one.
Signatures follow Standard Webhooks (`webhook-id`, `webhook-timestamp`, `webhook-signature`:
HMAC-SHA256 of "<id>.<timestamp>.<body>" under a `whsec_` secret), so receivers verify with a
ready library. After a rotation the previous secret signs too until ROTATION_GRACE has passed:
`webhook-signature` then carries both signatures, and a receiver holding either secret accepts.
"""

from __future__ import annotations

import base64
import logging
import secrets
import time
from collections.abc import Callable, Collection, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import TYPE_CHECKING

import requests
from sqlalchemy import Row, and_, func, select, update
from sqlalchemy.exc import OperationalError
from standardwebhooks import Webhook

from portal.events.models import WebhookDelivery, WebhookSubscription
from portal.extensions import db
from portal.metrics import WEBHOOK_DELIVERIES, WEBHOOK_SECONDS
from portal.models import utcnow
from portal.security import audit
from portal.security.models import User

if TYPE_CHECKING:  # the relay imports this module for its handler
    from portal.events.relay import Outgoing

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
TIMEOUT = 5.0  # seconds to connect, and again between two bytes of the answer
CONCURRENCY = 8
# Far beyond TIMEOUT: a delivery is re-sent only when its worker is surely gone.
LEASE = timedelta(minutes=2)
# Long enough for a receiver to deploy the new secret; until then both secrets sign.
ROTATION_GRACE = timedelta(days=3)


def new_secret() -> str:
    """A Standard Webhooks secret: `whsec_` and 32 random bytes in base64."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


def _signer(secret: str) -> Webhook:
    # Secrets issued before Standard Webhooks have no `whsec_` prefix: their key is their text.
    return Webhook(secret if secret.startswith("whsec_") else secret.encode())


def signature_headers(
    secrets_: Sequence[str], message_id: str, moment: datetime, body: str
) -> dict[str, str]:
    """The Standard Webhooks headers of one delivery, signed with each secret in turn."""
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(int(moment.timestamp())),
        "webhook-signature": " ".join(
            _signer(secret).sign(message_id, moment, body) for secret in secrets_
        ),
    }


def queue_deliveries(events: Sequence[Outgoing]) -> None:
    """Relay handler: one pending delivery per event and subscription that wants its type; the
    body is the envelope the broker got."""
    subscriptions = db.session.scalars(
        select(WebhookSubscription).where(WebhookSubscription.active.is_(True))
    ).all()
    for event in events:
        for subscription in subscriptions:
            if event.type in subscription.event_types:
                db.session.add(
                    WebhookDelivery(
                        subscription_id=subscription.id,
                        event_id=event.id,
                        event_type=event.type,
                        body=event.body,
                        status="pending",
                        attempts=0,
                        next_attempt_at=utcnow(),
                        request_id=event.request_id,
                    )
                )


def backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(3600, 5 * 4 ** (attempts - 1)))


@dataclass(frozen=True)
class Claimed:
    """A delivery leased to this worker: what sending it needs, nothing tied to a session."""

    id: int
    subscription_id: str
    url: str
    secrets: tuple[str, ...]  # the current one, then the previous one during its grace period
    event_id: str
    event_type: str
    body: str
    attempts: int  # before this one
    lease_until: datetime
    request_id: str | None = None  # of the request that caused the event


@dataclass(frozen=True)
class Outcome:
    claimed: Claimed
    response_status: int | None
    error: str | None
    response_ms: int


def claim(limit: int, busy: Collection[str] = ()) -> list[Claimed]:
    """Lease due deliveries and commit: the oldest of each subscription not in `busy` (those
    with a delivery in flight), up to `limit`. One at a time per subscription, so a receiver
    that hangs holds one thread, never the pool. For LEASE they are due to no one else; a
    worker that dies leaves them due again once it runs out. The UPDATE checks again that a
    row is due, so a worker that leased it meanwhile keeps it."""
    now = utcnow()
    until = now + LEASE
    d = WebhookDelivery.__table__.c
    due = (d.status == "pending", d.next_attempt_at <= now)
    first = (
        select(
            d.id,
            func.row_number().over(partition_by=d.subscription_id, order_by=d.id).label("n"),
        )
        .where(*due, d.subscription_id.not_in(list(busy)))
        .subquery()
    )
    oldest = select(first.c.id).where(first.c.n == 1).order_by(first.c.id).limit(limit)
    leased = db.session.execute(
        update(WebhookDelivery.__table__)
        .where(d.id.in_(oldest.scalar_subquery()), *due)
        .values(next_attempt_at=until)
        .returning(
            d.id, d.subscription_id, d.event_id, d.event_type, d.body, d.attempts, d.request_id
        )
    ).all()
    s = WebhookSubscription
    in_grace = and_(s.previous_secret.is_not(None), s.previous_secret_until > now)
    subscriptions = {
        row.id: row
        for row in db.session.execute(
            select(s.id, s.url, s.secret, s.previous_secret, in_grace.label("in_grace")).where(
                s.id.in_({r.subscription_id for r in leased})
            )
        )
    }
    db.session.commit()
    return [
        Claimed(
            r.id,
            r.subscription_id,
            subscriptions[r.subscription_id].url,
            _signing_secrets(subscriptions[r.subscription_id]),
            r.event_id,
            r.event_type,
            r.body,
            r.attempts,
            until,
            r.request_id,
        )
        for r in sorted(leased, key=lambda r: r.id)
    ]


def _signing_secrets(subscription: Row) -> tuple[str, ...]:
    if subscription.in_grace:
        return (subscription.secret, subscription.previous_secret)
    return (subscription.secret,)


def send(delivery: Claimed) -> Outcome:
    """POST one delivery, signed; no database work (it runs in the worker's pool). The event id
    is the message id: the same on every retry, for receivers to drop duplicates."""
    headers = {
        "Content-Type": "application/json",
        "X-EFI-Event-Type": delivery.event_type,
        **({"X-Request-Id": delivery.request_id} if delivery.request_id else {}),
        **signature_headers(delivery.secrets, delivery.event_id, datetime.now(UTC), delivery.body),
    }
    started = time.perf_counter()
    try:
        response = requests.post(
            delivery.url, data=delivery.body.encode(), headers=headers, timeout=TIMEOUT
        )
        status, error = (
            response.status_code,
            None if response.ok else f"HTTP {response.status_code}",
        )
    except Exception as exc:  # whatever the URL or the receiver does, the worker goes on
        status, error = None, f"{exc.__class__.__name__}: {exc}"[:500]
    return Outcome(delivery, status, error, round((time.perf_counter() - started) * 1000))


def record(outcomes: Sequence[Outcome]) -> None:
    """Store the answers in one transaction. A lease that ran out and was taken by another
    worker is theirs now: the stale answer is dropped (the receiver may see the event twice,
    as at-least-once delivery allows)."""
    now = utcnow()
    d = WebhookDelivery.__table__.c
    for outcome in outcomes:
        attempts = outcome.claimed.attempts + 1
        values: dict = {
            "attempts": attempts,
            "response_status": outcome.response_status,
            "response_ms": outcome.response_ms,
            "last_error": outcome.error,
        }
        if outcome.error is None:
            values |= {"status": "sent", "delivered_at": now}
        elif attempts >= MAX_ATTEMPTS:
            values["status"] = "failed"
        else:
            values["next_attempt_at"] = now + backoff(attempts)
        db.session.execute(
            update(WebhookDelivery.__table__)
            .where(
                d.id == outcome.claimed.id,
                d.status == "pending",
                d.next_attempt_at == outcome.claimed.lease_until,
            )
            .values(**values)
        )
    db.session.commit()
    for outcome in outcomes:
        state = "sent" if outcome.error is None else "failed"
        WEBHOOK_DELIVERIES.labels(state).inc()
        WEBHOOK_SECONDS.observe(outcome.response_ms / 1000)


def run(
    concurrency: int = CONCURRENCY,
    *,
    interval: float = 0.5,
    until_idle: bool = False,
    should_stop: Callable[[], bool] = lambda: False,
) -> int:
    """The webhook worker: up to `concurrency` deliveries in flight, each in a pool thread and
    at most one per subscription, so a receiver that hangs holds one thread for at most
    TIMEOUT and delays neither the other receivers, the relay nor a database connection.
    Answers are recorded as they come. `until_idle` returns once nothing is due or in
    flight; the number of deliveries tried."""
    tried = 0
    in_flight: dict[Future, Claimed] = {}
    with ThreadPoolExecutor(concurrency, thread_name_prefix="webhook") as pool:
        while True:
            stopping = should_stop()
            if not stopping and len(in_flight) < concurrency:
                busy = {c.subscription_id for c in in_flight.values()}
                claimed = _unless_database_down(
                    partial(claim, concurrency - len(in_flight), busy), []
                )
                in_flight |= {pool.submit(send, delivery): delivery for delivery in claimed}
                tried += len(claimed)
            if not in_flight:
                if stopping or until_idle:
                    return tried
                time.sleep(interval)
                continue
            done, _ = wait(in_flight, timeout=interval, return_when=FIRST_COMPLETED)
            if done:
                outcomes = [future.result() for future in done]
                for future in done:
                    del in_flight[future]
                # Unrecorded, a delivery is sent again when its lease runs out.
                _unless_database_down(partial(record, outcomes), None)


def _unless_database_down(work: Callable, fallback):
    try:
        return work()
    except OperationalError:
        db.session.rollback()
        log.exception("database unavailable; webhook deliveries wait")
        return fallback


def subscribe(actor: User, url: str, event_types: list[str]) -> tuple[WebhookSubscription, str]:
    """A new subscription and its secret, which is shown to the administrator once."""
    secret = new_secret()
    subscription = WebhookSubscription(
        url=url, event_types=sorted(event_types), secret=secret, active=True, created_by=actor.id
    )
    db.session.add(subscription)
    db.session.flush()
    audit.record(
        "webhook.subscribe",
        user=actor,
        record_type="webhook",
        record_id=subscription.id,
        summary=f"Webhook to {url} for {', '.join(sorted(event_types))}",
    )
    db.session.commit()
    return subscription, secret


def unsubscribe(actor: User, subscription: WebhookSubscription) -> None:
    subscription.active = False
    audit.record(
        "webhook.unsubscribe",
        user=actor,
        record_type="webhook",
        record_id=subscription.id,
        summary=f"Webhook to {subscription.url} stopped",
    )
    db.session.commit()


def rotate_secret(actor: User, subscription: WebhookSubscription) -> str:
    """A new secret, shown to the administrator once; the one it replaces keeps signing
    alongside for ROTATION_GRACE (an earlier previous secret is dropped at once)."""
    secret = new_secret()
    subscription.previous_secret = subscription.secret
    subscription.previous_secret_until = utcnow() + ROTATION_GRACE
    subscription.secret = secret
    audit.record(
        "webhook.rotate_secret",
        user=actor,
        record_type="webhook",
        record_id=subscription.id,
        summary=f"Webhook to {subscription.url}: new signing secret, the previous one signs "
        f"until {subscription.previous_secret_until:%Y-%m-%d %H:%M} UTC",
    )
    db.session.commit()
    return secret
