"""Behaviour data kept up to date by the events the customer domain consumes.

The event intake calls these functions: OrderPlaced → record_order_placed, OrderCancelled →
record_order_cancelled, SubscriptionCreated/SubscriptionCancelled → set_subscription,
MarketingCampaignEngagement → record_engagement, ProductReviewed, CustomerSupportTicketCreated
and PaymentMethodAdded → record_activity. Each updates the metrics in SQL (an upsert that adds
to the counters, no read-modify-write race), re-evaluates the customer's segment in the same
transaction, and leaves the commit to the caller, so the intake can commit its inbox row, the
metrics and the segment change together. Redelivered events are harmless: orders are keyed by
their order id, and the callers de-duplicate the counters by event id.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import case, func, select, update
from sqlalchemy.dialects import postgresql, sqlite

from portal.customers.errors import NotFound
from portal.customers.models import Customer
from portal.extensions import db
from portal.segmentation.engine import evaluate_customer
from portal.segmentation.fields import BASE_CURRENCY
from portal.segmentation.models import CustomerMetrics, CustomerOrder


class Engagement(StrEnum):
    """MarketingCampaignEngagement kinds and the counter each one adds to."""

    EMAIL_OPEN = "email_opens"
    EMAIL_CLICK = "email_clicks"
    CAMPAIGN_CONVERSION = "campaign_conversions"


class Activity(StrEnum):
    """Consumed events that only count: the counter each one adds to."""

    PRODUCT_REVIEWED = "review_count"
    SUPPORT_TICKET_CREATED = "support_ticket_count"
    PAYMENT_METHOD_ADDED = "payment_method_count"


def _require_customer(customer_id: str) -> None:
    if db.session.scalar(select(Customer.id).where(Customer.id == customer_id)) is None:
        raise NotFound("customer")


def _later(column, moment: datetime):
    # NULL-safe greatest(): SQLite's max() of a NULL is NULL.
    return case((column.is_(None) | (column < moment), moment), else_=column)


def _bump(
    customer_id: str,
    at: datetime,
    adds: dict[str, int],
    *,
    sets: dict | None = None,
    latest: str | None = None,
) -> None:
    """Add to counters, set columns and move the `latest` timestamp column forward to `at` on
    one customer's metrics row, creating the row if it is the customer's first."""
    table = CustomerMetrics.__table__
    sets = dict(sets or {})
    if latest:
        sets[latest] = at
    dialect = postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite
    insert = dialect.insert(table).values(customer_id=customer_id, updated_at=at, **adds, **sets)
    changes = {name: table.c[name] + amount for name, amount in adds.items()}
    changes.update(sets, updated_at=at)
    if latest:
        changes[latest] = _later(table.c[latest], at)
    db.session.execute(insert.on_conflict_do_update(index_elements=["customer_id"], set_=changes))


def record_order_placed(
    customer_id: str, order_id: str, amount_minor: int, currency: str, placed_at: datetime
) -> bool:
    """OrderPlaced: keep the order and add it to the counters; False if already recorded."""
    _require_customer(customer_id)
    if db.session.get(CustomerOrder, order_id) is not None:
        return False
    db.session.add(
        CustomerOrder(
            order_id=order_id,
            customer_id=customer_id,
            amount_minor=amount_minor,
            currency=currency.upper(),
            placed_at=placed_at,
        )
    )
    db.session.flush()
    in_base = currency.upper() == BASE_CURRENCY
    _bump(
        customer_id,
        placed_at,
        {"order_count": 1, "order_total_minor": amount_minor if in_base else 0},
        latest="last_order_at",
    )
    evaluate_customer(customer_id)
    return True


def record_order_cancelled(order_id: str, at: datetime) -> bool:
    """OrderCancelled: take the order out of the counters; False if unknown or already done."""
    order = db.session.get(CustomerOrder, order_id)
    if order is None or order.cancelled_at is not None:
        return False
    order.cancelled_at = at
    db.session.flush()
    in_base = order.currency == BASE_CURRENCY
    latest = (
        select(func.max(CustomerOrder.placed_at))
        .where(
            CustomerOrder.customer_id == order.customer_id,
            CustomerOrder.cancelled_at.is_(None),
        )
        .scalar_subquery()
    )
    m = CustomerMetrics
    db.session.execute(
        update(m)
        .where(m.customer_id == order.customer_id)
        .values(
            order_count=m.order_count - 1,
            order_total_minor=m.order_total_minor - (order.amount_minor if in_base else 0),
            last_order_at=latest,
            updated_at=at,
        )
        .execution_options(synchronize_session=False)
    )
    evaluate_customer(order.customer_id)
    return True


def set_subscription(customer_id: str, active: bool, at: datetime) -> None:
    """SubscriptionCreated (active) or SubscriptionCancelled (not active)."""
    _require_customer(customer_id)
    _bump(customer_id, at, {}, sets={"active_subscription": active, "subscription_changed_at": at})
    evaluate_customer(customer_id)


def record_engagement(customer_id: str, kind: Engagement, at: datetime) -> None:
    """MarketingCampaignEngagement: one open, click or conversion."""
    _require_customer(customer_id)
    _bump(
        customer_id,
        at,
        {Engagement(kind).value: 1},
        latest="last_engagement_at",
    )
    evaluate_customer(customer_id)


def record_activity(customer_id: str, activity: Activity, at: datetime) -> None:
    """ProductReviewed, CustomerSupportTicketCreated or PaymentMethodAdded: one more."""
    _require_customer(customer_id)
    _bump(customer_id, at, {Activity(activity).value: 1})
    evaluate_customer(customer_id)
