"""Orders recorded a run at once, with one engine run for their customers, end as they do one
by one: the same counters, segments, history and CustomerSegmentChanged events."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from portal.customers import services as customers
from portal.domain import NotFound
from portal.extensions import db
from portal.models import utcnow
from portal.segmentation import behaviour
from portal.segmentation.behaviour import PlacedOrder
from portal.segmentation.models import CustomerMetrics, CustomerSegment, Segment, SegmentHistory
from tests.factories import events, new_customer
from tests.unit.segmentation.conftest import cond

NOW = utcnow()
# Per customer: (amount, currency, days ago) of each order; the second repeats an order id.
ORDERS = [
    [(30_00, "USD", 3), (45_00, "USD", 1)],
    [(900_00, "USD", 5), (900_00, "USD", 5)],
    [(20_00, "EUR", 2)],
    [],
]


@pytest.fixture
def tiers(make_segment):
    make_segment("Big spenders", cond("lifetime_spend", "gte", 500_00))
    make_segment("Regulars", cond("orders_in_window", "gte", 2, days=30))


def _people(staff, label: str) -> list[str]:
    return [
        customers.register_customer(staff, new_customer(name=f"{label} {n}")).id
        for n in range(len(ORDERS))
    ]


def _orders(people: list[str]) -> list[PlacedOrder]:
    placed = []
    for person, orders in zip(people, ORDERS, strict=True):
        for n, (amount, currency, days_ago) in enumerate(orders):
            order_id = f"{person}-{0 if amount == 900_00 else n}"
            placed.append(
                PlacedOrder(person, order_id, amount, currency, NOW - timedelta(days_ago))
            )
    return placed


def _outcome(people: list[str]) -> list[tuple]:
    db.session.expire_all()
    result = []
    for person in people:
        metrics = db.session.get(CustomerMetrics, person)
        history = db.session.execute(
            select(SegmentHistory.to_segment_id, SegmentHistory.reason_code)
            .where(SegmentHistory.customer_id == person)
            .order_by(SegmentHistory.id)
        ).all()
        result.append(
            (
                (metrics.order_count, metrics.order_total_minor, metrics.last_order_at)
                if metrics
                else None,
                db.session.get(CustomerSegment, person).segment_id,
                [tuple(row) for row in history],
                [
                    e.payload["newSegment"]
                    for e in events("CustomerSegmentChanged")
                    if e.aggregate_id == person
                ],
            )
        )
    return result


def test_a_run_of_orders_ends_as_the_same_orders_one_by_one(staff, tiers):
    one_by_one, at_once = _people(staff, "Single"), _people(staff, "Batch")
    for order in _orders(one_by_one):
        behaviour.record_order_placed(
            order.customer_id, order.order_id, order.amount_minor, order.currency, order.placed_at
        )
    assert behaviour.record_orders_placed(_orders(at_once)) == 4  # the repeated id counts once
    db.session.commit()
    single, batch = _outcome(one_by_one), _outcome(at_once)
    assert batch == single
    names = dict(db.session.execute(select(Segment.id, Segment.name)).all())
    general = "B2C general"
    assert [names[row[1]] for row in batch] == ["Regulars", "Big spenders", general, general]


def test_an_order_of_an_unknown_customer_is_refused(app):
    with pytest.raises(NotFound):
        behaviour.record_order_placed("cust-nobody", "o-1", 10_00, "USD", NOW)
