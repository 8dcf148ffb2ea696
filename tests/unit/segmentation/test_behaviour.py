"""Behaviour metrics kept by the consumed events, and the segment re-evaluated with them."""

from __future__ import annotations

from datetime import timedelta

import pytest

from portal.domain import NotFound
from portal.extensions import db
from portal.models import utcnow
from portal.segmentation import behaviour
from portal.segmentation.models import CustomerMetrics, CustomerSegment, Segment
from tests.factories import events


def _metrics(customer_id: str) -> CustomerMetrics:
    db.session.expire_all()
    return db.session.get(CustomerMetrics, customer_id)


def test_orders_add_up_and_a_redelivered_order_counts_once(customer):
    now = utcnow()
    assert behaviour.record_order_placed(customer.id, "o-1", 12_50, "usd", now - timedelta(days=3))
    assert behaviour.record_order_placed(customer.id, "o-2", 30_00, "USD", now - timedelta(days=9))
    assert not behaviour.record_order_placed(customer.id, "o-1", 12_50, "USD", now)
    behaviour.record_order_placed(customer.id, "o-3", 99_00, "EUR", now - timedelta(days=1))
    db.session.commit()
    metrics = _metrics(customer.id)
    assert metrics.order_count == 3
    assert metrics.order_total_minor == 42_50  # the EUR order is not mixed into USD spend
    assert metrics.last_order_at == now - timedelta(days=1)


def test_a_cancelled_order_leaves_the_counters(customer):
    now = utcnow()
    behaviour.record_order_placed(customer.id, "o-1", 10_00, "USD", now - timedelta(days=5))
    behaviour.record_order_placed(customer.id, "o-2", 20_00, "USD", now - timedelta(days=1))
    assert behaviour.record_order_cancelled("o-2", now)
    assert not behaviour.record_order_cancelled("o-2", now)
    assert not behaviour.record_order_cancelled("no-such-order", now)
    db.session.commit()
    metrics = _metrics(customer.id)
    assert (metrics.order_count, metrics.order_total_minor) == (1, 10_00)
    assert metrics.last_order_at == now - timedelta(days=5)


def test_subscription_engagement_and_activities(customer):
    now = utcnow()
    behaviour.set_subscription(customer.id, True, now)
    behaviour.record_engagement(customer.id, behaviour.Engagement.EMAIL_CLICK, now)
    behaviour.record_engagement(customer.id, behaviour.Engagement.EMAIL_CLICK, now)
    for activity in behaviour.Activity:
        behaviour.record_activity(customer.id, activity, now)
    db.session.commit()
    metrics = _metrics(customer.id)
    assert metrics.active_subscription is True
    assert (metrics.email_clicks, metrics.email_opens) == (2, 0)
    assert (metrics.review_count, metrics.support_ticket_count) == (1, 1)
    assert metrics.payment_method_count == 1
    behaviour.set_subscription(customer.id, False, now)
    db.session.commit()
    assert _metrics(customer.id).active_subscription is False


def test_unknown_customer_is_refused(app):
    with pytest.raises(NotFound):
        behaviour.set_subscription("cust-nobody", True, utcnow())


def test_behaviour_reevaluates_the_segment_in_the_same_transaction(customer):
    from portal.segmentation.catalogue import add_version, next_priority
    from portal.segmentation.models import SegmentType

    loyal = Segment(
        segment_type=SegmentType.B2C,
        name="Subscribers",
        priority=next_priority(SegmentType.B2C),
        rule={
            "kind": "group",
            "op": "and",
            "children": [
                {"kind": "condition", "field": "active_subscription", "operator": "is_true"}
            ],
        },
    )
    db.session.add(loyal)
    db.session.flush()
    add_version(loyal, "test", None)
    behaviour.set_subscription(customer.id, True, utcnow())
    db.session.commit()
    assignment = db.session.get(CustomerSegment, customer.id)
    assert assignment.segment_id == loyal.id
    changed = events("CustomerSegmentChanged")
    assert changed[-1].payload["newSegment"] == {
        "segmentType": "B2C",
        "specificSegment": "Subscribers",
    }
