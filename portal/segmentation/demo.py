"""Demo segmentation: behaviour for the generated customers, eight segments with realistic
rules, and a first recompute. Run once: nothing happens when segments are already defined."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from functools import partial

from sqlalchemy import Connection, select

from portal.bulk import CopyText, bulk_insert, copy_text
from portal.customers import demo as customer_demo
from portal.customers.models import Customer
from portal.events.outbox import SYSTEM
from portal.extensions import db
from portal.models import utcnow
from portal.security.models import User
from portal.segmentation.models import CustomerMetrics, CustomerOrder, Segment, SegmentType
from portal.segmentation.services import SegmentInput, recompute_all, save_segment

BATCH = 2_000


def cond(field: str, operator: str, value=None, **extra) -> dict:
    return {"kind": "condition", "field": field, "operator": operator, "value": value, **extra}


def group(op: str, *children) -> dict:
    return {"kind": "group", "op": op, "children": list(children)}


BUSY_BIG = group(
    "and",
    cond("seating_capacity", "gte", "80"),
    group(
        "or",
        cond("orders_in_window", "gte", "3", days="90"),
        cond("spend_in_window", "gte", "2,000.00", days="90"),
    ),
)
SEGMENTS = [
    ("Busy big restaurants", SegmentType.B2B, BUSY_BIG),
    (
        "Hotel accounts",
        SegmentType.B2B,
        group(
            "and",
            cond("customer_type", "in", ["HOTEL_RESTAURANT"]),
            cond("star_rating", "gte", "4"),
        ),
    ),
    (
        "Lapsed businesses",
        SegmentType.B2B,
        group("and", cond("last_order_at", "more_than_ago", "6", unit="months")),
    ),
    (
        "Growing trucks and chefs",
        SegmentType.B2B,
        group(
            "and",
            cond("customer_type", "in", ["FOOD_TRUCK", "PRIVATE_CHEF"]),
            cond("orders_in_window", "gte", "2", days="30"),
        ),
    ),
    (
        "VIP households",
        SegmentType.B2C,
        group(
            "or",
            cond("lifetime_spend", "gte", "1,500.00"),
            group(
                "and",
                cond("active_subscription", "is_true"),
                cond("order_count", "gte", "5"),
            ),
        ),
    ),
    (
        "Engaged subscribers",
        SegmentType.B2C,
        group(
            "and",
            cond("active_subscription", "is_true"),
            cond("email_clicks", "gte", "3"),
        ),
    ),
    (
        "New customers",
        SegmentType.B2C,
        group("and", cond("created_at", "within_last", "90", unit="days")),
    ),
    (
        "Dormant consumers",
        SegmentType.B2C,
        group(
            "or",
            cond("last_order_at", "more_than_ago", "12", unit="months"),
            cond("status", "in", ["INACTIVE", "SUSPENDED"]),
        ),
    ),
]


def seed_behaviour(connection: Connection, *, seed: int) -> int:
    """Orders and metrics for every customer that has no metrics yet (COPY on PostgreSQL)."""
    now = utcnow()
    have = select(CustomerMetrics.customer_id)
    # In key order: each order's key and customer index entry then go to the end of the index.
    ids = list(
        connection.scalars(
            select(Customer.id).where(Customer.id.not_in(have)).order_by(Customer.id)
        )
    )
    chunks = [ids[start : start + BATCH] for start in range(0, len(ids), BATCH)]
    bulk = connection.dialect.name == "postgresql" and len(ids) >= customer_demo.BULK
    make = partial(_helper_behaviour if bulk else behaviour, seed, now)
    made = customer_demo.made_ahead(make, chunks, workers=2) if bulk else map(make, chunks)
    tables = (CustomerOrder.__table__, CustomerMetrics.__table__)
    with customer_demo.indexes_built_after(connection, tables, bulk):
        for orders, metrics in made:
            bulk_insert(connection, CustomerOrder.__table__, orders)
            bulk_insert(connection, CustomerMetrics.__table__, metrics)
    return len(ids)


def _helper_behaviour(seed: int, now: datetime, ids: list[str]) -> tuple[CopyText, CopyText]:
    # As COPY text, for the reason given at portal.customers.demo._helper_batch.
    orders, metrics = behaviour(seed, now, ids)
    return (
        copy_text(CustomerOrder.__table__, orders),
        copy_text(CustomerMetrics.__table__, metrics),
    )


def behaviour(seed: int, now: datetime, ids: list[str]) -> tuple[list[dict], list[dict]]:
    """Orders and metrics rows of these customers, from the seed and the ids alone."""
    rng = random.Random(f"{seed}:{ids[0]}")  # noqa: S311  (demo data, not secrets)
    orders, metrics = [], []
    for customer_id in ids:
        placed = [now - timedelta(days=rng.uniform(0, 540)) for _ in range(rng.randint(0, 8))]
        amounts = [rng.randint(15_00, 600_00) for _ in placed]
        orders += [
            {
                "order_id": f"{customer_id}-{n}",
                "customer_id": customer_id,
                "amount_minor": amount,
                "currency": "USD",
                "placed_at": moment,
            }
            for n, (moment, amount) in enumerate(zip(placed, amounts, strict=True))
        ]
        metrics.append(
            {
                "customer_id": customer_id,
                "order_count": len(placed),
                "order_total_minor": sum(amounts),
                "last_order_at": max(placed, default=None),
                "active_subscription": rng.random() < 0.25,
                "email_opens": rng.randint(0, 20),
                "email_clicks": rng.randint(0, 8),
                "campaign_conversions": rng.randint(0, 2),
                "review_count": rng.randint(0, 3),
                "support_ticket_count": rng.randint(0, 2),
                "payment_method_count": rng.randint(1, 2),
                "updated_at": now,
            }
        )
    return orders, metrics


def seed_demo_segments(*, seed: int) -> bool:
    """Behaviour, the demo segments and a first recompute; False if segments already exist."""
    if db.session.scalar(select(Segment.id).where(Segment.is_fallback.is_(False)).limit(1)):
        return False
    db.session.close()
    with db.engine.begin() as connection:
        seed_behaviour(connection, seed=seed)
    author = db.session.scalar(select(User).where(User.email.like("marketing@%")))
    if author is None:  # segments are saved by someone: the demo marketing account
        return False
    for name, segment_type, rule in SEGMENTS:
        save_segment(author, None, SegmentInput(name, "", segment_type, rule))
    recompute_all(SYSTEM)
    return True
