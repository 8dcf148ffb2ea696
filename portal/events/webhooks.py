"""Webhooks: signed HTTP deliveries of chosen event types to subscribers' URLs.

The relay's handler queues one delivery per event and matching subscription (in the relay's
transaction, so none is lost or doubled); deliver_due() sends them, retrying with backoff.
Signature: `X-EFI-Signature: v1=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>` with the
Unix time in `X-EFI-Timestamp`; receivers refuse timestamps older than TOLERANCE (replays).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from collections.abc import Sequence
from datetime import timedelta
from typing import TYPE_CHECKING

import requests
from sqlalchemy import select

from portal.events.models import WebhookDelivery, WebhookSubscription
from portal.extensions import db
from portal.models import utcnow
from portal.security import audit
from portal.security.models import User

if TYPE_CHECKING:  # the relay imports this module for its handler
    from portal.events.relay import Outgoing

TOLERANCE = 300  # seconds a signed timestamp stays acceptable
MAX_ATTEMPTS = 8
TIMEOUT = 5.0


def sign(secret: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"v1={mac.hexdigest()}"


def verify(secret: str, timestamp: str, signature: str, body: bytes, now: float) -> bool:
    """What a receiver does: a fresh timestamp and a matching signature."""
    try:
        moment = int(timestamp)
    except ValueError:
        return False
    if abs(now - moment) > TOLERANCE:
        return False
    return hmac.compare_digest(sign(secret, moment, body), signature)


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
                    )
                )


def _backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(3600, 5 * 4 ** (attempts - 1)))


def deliver_due(limit: int = 50, http: requests.Session | None = None) -> int:
    """Send due deliveries; returns how many were tried. Locked rows are another worker's."""
    http = http or requests.Session()
    due = db.session.scalars(
        select(WebhookDelivery)
        .where(WebhookDelivery.status == "pending", WebhookDelivery.next_attempt_at <= utcnow())
        .order_by(WebhookDelivery.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    ).all()
    for delivery in due:
        subscription = db.session.get(WebhookSubscription, delivery.subscription_id)
        _attempt(delivery, subscription, http)
    db.session.commit()
    return len(due)


def _attempt(delivery: WebhookDelivery, subscription: WebhookSubscription, http) -> None:
    body = delivery.body.encode()
    timestamp = int(time.time())
    headers = {
        "Content-Type": "application/json",
        "X-EFI-Event-Id": delivery.event_id,
        "X-EFI-Event-Type": delivery.event_type,
        "X-EFI-Timestamp": str(timestamp),
        "X-EFI-Signature": sign(subscription.secret, timestamp, body),
    }
    delivery.attempts += 1
    started = time.perf_counter()
    try:
        response = http.post(subscription.url, data=body, headers=headers, timeout=TIMEOUT)
        delivery.response_status = response.status_code
        delivery.last_error = None if response.ok else f"HTTP {response.status_code}"
    except requests.RequestException as exc:
        delivery.response_status = None
        delivery.last_error = f"{exc.__class__.__name__}: {exc}"[:500]
    delivery.response_ms = round((time.perf_counter() - started) * 1000)
    if delivery.last_error is None:
        delivery.status, delivery.delivered_at = "sent", utcnow()
    elif delivery.attempts >= MAX_ATTEMPTS:
        delivery.status = "failed"
    else:
        delivery.next_attempt_at = utcnow() + _backoff(delivery.attempts)


def subscribe(actor: User, url: str, event_types: list[str]) -> tuple[WebhookSubscription, str]:
    """A new subscription and its secret, which is shown to the administrator once."""
    secret = secrets.token_urlsafe(32)
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
