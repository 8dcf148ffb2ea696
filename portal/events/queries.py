"""Reads for the event pages: select what is shown, paginate in SQL."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import Row, func, select

from portal.events.models import (
    OutboxEvent,
    ParkedEvent,
    WebhookDelivery,
    WebhookSubscription,
)
from portal.extensions import db
from portal.security.queries import Page

PER_PAGE = 50


@dataclass(frozen=True)
class EventFilter:
    type: str = ""
    aggregate: str = ""
    status: str = ""
    date_from: date | None = None
    date_to: date | None = None


def _paged(query, page: int, *order) -> Page:
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = db.session.execute(
        query.order_by(*order).limit(PER_PAGE).offset((page - 1) * PER_PAGE)
    ).all()
    return Page(rows=rows, page=page, per_page=PER_PAGE, total=total)


def event_page(filters: EventFilter, page: int) -> Page:
    e = OutboxEvent
    query = select(
        e.id,
        e.seq,
        e.type,
        e.occurred_at,
        e.aggregate_id,
        e.published_at,
        e.attempts,
        e.last_error,
    )
    if filters.type:
        query = query.where(e.type == filters.type)
    if filters.aggregate:
        query = query.where(e.aggregate_id == filters.aggregate.strip())
    if filters.status == "sent":
        query = query.where(e.published_at.is_not(None))
    elif filters.status == "pending":
        query = query.where(e.published_at.is_(None), e.last_error.is_(None))
    elif filters.status == "failed":
        query = query.where(e.published_at.is_(None), e.last_error.is_not(None))
    if filters.date_from:
        query = query.where(e.occurred_at >= datetime.combine(filters.date_from, time.min, UTC))
    if filters.date_to:
        end = datetime.combine(filters.date_to + timedelta(days=1), time.min, UTC)
        query = query.where(e.occurred_at < end)
    return _paged(query, page, e.seq.desc())


def event_deliveries(event_id: str) -> list:
    return db.session.execute(
        select(WebhookDelivery, WebhookSubscription.url)
        .join(WebhookSubscription)
        .where(WebhookDelivery.event_id == event_id)
        .order_by(WebhookDelivery.id)
    ).all()


def parked_page(status: str, page: int) -> Page:
    p = ParkedEvent
    query = select(
        p.id, p.received_at, p.source, p.event_id, p.type, p.reason, p.awaits_order, p.status
    )
    return _paged(query.where(p.status == status), page, p.id.desc())


def subscriptions() -> list[Row]:
    """What the webhooks page lists: never the secrets, which would be decrypted for nothing."""
    s = WebhookSubscription
    query = select(s.id, s.url, s.event_types, s.active, s.created_at).order_by(s.created_at.desc())
    return list(db.session.execute(query))


DELIVERY_STATUSES = ("pending", "sent", "failed")


def delivery_page(page: int, status: str = "") -> Page:
    d = WebhookDelivery
    query = select(
        d.id,
        d.event_id,
        d.event_type,
        d.status,
        d.attempts,
        d.response_status,
        d.response_ms,
        d.last_error,
        d.created_at,
        d.delivered_at,
        WebhookSubscription.url,
    ).join(WebhookSubscription)
    if status:
        query = query.where(d.status == status)
    return _paged(query, page, d.id.desc())
