"""Behaviour data kept up to date by the events the customer domain consumes.

The consumed events' handlers (segmentation.handlers) call these: OrderPlaced →
record_orders_placed (a whole run of consecutive orders at once, with their lines when the
events have them: one engine run re-evaluates all their customers), OrderCancelled →
record_order_cancelled, SubscriptionCreated/SubscriptionCancelled → set_subscription,
MarketingCampaignEngagement → record_engagement, ProductReviewed,
CustomerSupportTicketCreated and PaymentMethodAdded → record_activity. Each
updates the metrics in SQL (an upsert that adds to the counters, no read-modify-write race),
re-evaluates the customer's segment in the same transaction, and leaves the commit to the
caller, so the intake can commit its inbox row, the metrics and the segment change together.
Redelivered events are harmless: orders are keyed by their order id, and the callers
de-duplicate the counters by event id.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import case, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite

from portal.bulk import bulk_insert
from portal.customers.models import Customer
from portal.domain import NotFound
from portal.extensions import db
from portal.models import among, utcnow
from portal.segmentation.engine import evaluate, evaluate_customer
from portal.segmentation.fields import BASE_CURRENCY
from portal.segmentation.models import CustomerMetrics, CustomerOrder, CustomerOrderLine


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


@dataclass(frozen=True)
class OrderLine:
    """One line of an OrderPlaced event of version 2."""

    product_id: str
    category: str
    quantity: int
    amount_minor: int


@dataclass(frozen=True)
class PlacedOrder:
    """The order an OrderPlaced event reports."""

    customer_id: str
    order_id: str
    amount_minor: int
    currency: str
    placed_at: datetime
    lines: tuple[OrderLine, ...] = ()


def known_customers(customer_ids: Iterable[str]) -> set[str]:
    """Those of `customer_ids` that exist."""
    wanted = set(customer_ids)
    return set(db.session.scalars(select(Customer.id).where(among(Customer.id, wanted))))


def _require_customer(customer_id: str) -> None:
    if not known_customers([customer_id]):
        raise NotFound("customer")


def _later(column, moment):
    # NULL-safe greatest(): SQLite's max() of a NULL is NULL.
    return case((column.is_(None) | (column < moment), moment), else_=column)


def _insert(table):
    dialect = postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite
    return dialect.insert(table)


def _bump(rows: Sequence[dict], *, adds: Sequence[str] = (), latest: str | None = None) -> None:
    """Upsert metrics rows, one per customer (`customer_id`, `updated_at` and the columns to
    change): the `adds` columns are added to the counters, `latest` moves forward only, the
    others are set; a customer's first row is created as given."""
    table = CustomerMetrics.__table__
    insert = _insert(table)
    new = insert.excluded
    changes = {name: new[name] for name in rows[0] if name != "customer_id"}
    changes |= {name: table.c[name] + new[name] for name in adds}
    if latest:
        changes[latest] = _later(table.c[latest], new[latest])
    # Many parameter sets: SQLAlchemy sends them as multi-row VALUES, compiled once.
    upsert = insert.on_conflict_do_update(index_elements=["customer_id"], set_=changes)
    db.session.execute(upsert, list(rows))


def record_orders_placed(orders: Sequence[PlacedOrder]) -> int:
    """OrderPlaced, for many orders of existing customers (see known_customers) at once: keep
    the orders not yet recorded (an order id counts once, even twice in `orders`), add them to
    their customers' counters in one upsert, and re-evaluate those customers in one engine run;
    how many orders were new."""
    recorded = set(
        db.session.scalars(
            select(CustomerOrder.order_id).where(
                among(CustomerOrder.order_id, {o.order_id for o in orders})
            )
        )
    )
    new = []
    for order in orders:
        if order.order_id not in recorded:
            recorded.add(order.order_id)
            new.append(order)
    if not new:
        return 0
    db.session.execute(
        insert(CustomerOrder.__table__),
        [
            {
                "order_id": o.order_id,
                "customer_id": o.customer_id,
                "amount_minor": o.amount_minor,
                "currency": o.currency.upper(),
                "placed_at": o.placed_at,
            }
            for o in new
        ],
    )
    _record_lines(new)
    totals: dict[str, dict] = {}
    for order in new:
        row = totals.setdefault(
            order.customer_id,
            {"customer_id": order.customer_id, "order_count": 0, "order_total_minor": 0},
        )
        row["order_count"] += 1
        in_base = order.currency.upper() == BASE_CURRENCY
        row["order_total_minor"] += order.amount_minor if in_base else 0
        row["last_order_at"] = max(row.get("last_order_at", order.placed_at), order.placed_at)
        row["updated_at"] = row["last_order_at"]
    _bump(list(totals.values()), adds=("order_count", "order_total_minor"), latest="last_order_at")
    evaluate(list(totals))
    return len(new)


def _record_lines(orders: Sequence[PlacedOrder]) -> None:
    """The new orders' lines, all at once (none for version-1 events): by COPY on PostgreSQL,
    where a multi-row INSERT of a batch's thousand-odd lines spent longer having its
    parameters parsed than the database spent storing them."""
    rows = [
        {
            "order_id": o.order_id,
            "line_no": number,
            "customer_id": o.customer_id,
            "product_id": line.product_id,
            "category": line.category.casefold(),
            "quantity": line.quantity,
            "amount_minor": line.amount_minor,
            "placed_at": o.placed_at,
        }
        for o in orders
        for number, line in enumerate(o.lines, 1)
    ]
    bulk_insert(db.session.connection(), CustomerOrderLine.__table__, rows)


def record_order_placed(
    customer_id: str, order_id: str, amount_minor: int, currency: str, placed_at: datetime
) -> bool:
    """OrderPlaced: keep the order and add it to the counters; False if already recorded."""
    _require_customer(customer_id)
    order = PlacedOrder(customer_id, order_id, amount_minor, currency, placed_at)
    return record_orders_placed([order]) == 1


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
    _bump(
        [
            {
                "customer_id": customer_id,
                "updated_at": at,
                "active_subscription": active,
                "subscription_changed_at": at,
            }
        ]
    )
    evaluate_customer(customer_id)


def record_engagement(customer_id: str, kind: Engagement, at: datetime) -> None:
    """MarketingCampaignEngagement: one open, click or conversion."""
    _require_customer(customer_id)
    counter = Engagement(kind).value
    _bump(
        [{"customer_id": customer_id, "updated_at": at, counter: 1, "last_engagement_at": at}],
        adds=[counter],
        latest="last_engagement_at",
    )
    evaluate_customer(customer_id)


def record_activity(customer_id: str, activity: Activity, at: datetime) -> None:
    """ProductReviewed, CustomerSupportTicketCreated or PaymentMethodAdded: one more."""
    _require_customer(customer_id)
    counter = Activity(activity).value
    _bump([{"customer_id": customer_id, "updated_at": at, counter: 1}], adds=[counter])
    evaluate_customer(customer_id)


# The counters of events that leave no row to count again: a merge adds them up.
COUNTERS = (*(e.value for e in Engagement), *(a.value for a in Activity))


def combine_metrics(secondary_id: str, primary_id: str) -> None:
    """A merge (customers.hooks.on_customers_merged, before the rows move): the primary's metrics
    become those of both customers. The order figures are counted again from both customers'
    orders (as record_orders_placed and record_order_cancelled keep them: orders not cancelled,
    spend in the base currency), the event counters are added, the latest moments kept, and the
    subscription is the one changed last. The secondary's row goes with the merge, which keeps
    it for its undo."""
    ids = (primary_id, secondary_id)
    m, o = CustomerMetrics.__table__, CustomerOrder.__table__
    rows = [r._mapping for r in db.session.execute(select(m).where(m.c.customer_id.in_(ids)))]
    count, spend, last = db.session.execute(
        select(
            func.count(),
            func.coalesce(
                func.sum(case((o.c.currency == BASE_CURRENCY, o.c.amount_minor), else_=0)), 0
            ),
            func.max(o.c.placed_at),
        ).where(o.c.customer_id.in_(ids), o.c.cancelled_at.is_(None))
    ).one()
    if not rows and not count:
        return  # neither has any behaviour: the primary keeps having no row

    def latest(column: str):
        return max((r[column] for r in rows if r[column] is not None), default=None)

    dated = [r for r in rows if r["subscription_changed_at"] is not None]
    if dated:
        active = max(dated, key=lambda r: r["subscription_changed_at"])["active_subscription"]
    else:
        active = any(r["active_subscription"] for r in rows)
    _bump(
        [
            {
                "customer_id": primary_id,
                "order_count": count,
                "order_total_minor": spend,
                "last_order_at": last,
                **{counter: sum(r[counter] for r in rows) for counter in COUNTERS},
                "last_engagement_at": latest("last_engagement_at"),
                "active_subscription": active,
                "subscription_changed_at": latest("subscription_changed_at"),
                "updated_at": latest("updated_at") or utcnow(),
            }
        ]
    )
