"""Every consumed event type: its effect, a duplicate, and malformed input."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from portal.customers.models import CustomerPreference, Interaction, RetentionFollowUp
from portal.events import intake
from portal.events.catalogue import CONSUMED
from portal.events.models import InboxEvent, ParkedEvent
from portal.events.schema import example, problems
from portal.extensions import db
from portal.segmentation.models import CustomerMetrics, CustomerOrder
from tests.unit.events.messages import message


def take(event: dict) -> str:
    outcome = intake.consume(event, "test")
    db.session.commit()
    return outcome


def metrics(customer_id: str) -> CustomerMetrics:
    db.session.expire_all()
    return db.session.get(CustomerMetrics, customer_id)


def interactions(customer_id: str) -> list[Interaction]:
    query = select(Interaction).where(Interaction.customer_id == customer_id)
    return list(db.session.scalars(query))


def fingerprint(customer_id: str) -> tuple:
    """Everything a consumed event can change for a customer."""
    db.session.expire_all()
    m = db.session.get(CustomerMetrics, customer_id)
    row = {c.name: getattr(m, c.name) for c in CustomerMetrics.__table__.columns} if m else {}
    row.pop("updated_at", None)
    count = lambda model: db.session.scalar(  # noqa: E731
        select(func.count()).select_from(model).where(model.customer_id == customer_id)
    )
    preference = db.session.get(CustomerPreference, customer_id)
    return (
        row,
        count(Interaction),
        count(CustomerOrder),
        count(RetentionFollowUp),
        preference.product_interests if preference else None,
    )


@pytest.mark.parametrize("event_type", CONSUMED)
def test_documented_examples_are_valid(event_type):
    assert problems(example(event_type)) == []


def test_order_placed_adds_to_history_and_spend(customer):
    take(message("OrderPlaced", customer.id, amountMinor=4599, currency="USD"))
    assert metrics(customer.id).order_count == 1
    assert metrics(customer.id).order_total_minor == 4599
    assert metrics(customer.id).last_order_at is not None


def test_order_cancelled_takes_the_order_out(customer):
    placed = message("OrderPlaced", customer.id, amountMinor=1000)
    take(placed)
    take(message("OrderCancelled", customer.id, orderId=placed["payload"]["orderId"]))
    assert metrics(customer.id).order_count == 0
    assert metrics(customer.id).order_total_minor == 0


def _placed_and_cancelled(customer_id: str) -> tuple[bytes, bytes]:
    placed = message("OrderPlaced", customer_id, amountMinor=1000, currency="USD")
    cancelled = message("OrderCancelled", customer_id, orderId=placed["payload"]["orderId"])
    return json.dumps(placed).encode(), json.dumps(cancelled).encode()


def test_a_cancellation_before_its_order_waits_parked_and_then_takes_it_out(customer):
    placed, cancelled = _placed_and_cancelled(customer.id)
    assert intake.take_batch([cancelled], "queue") == [intake.PARKED]
    parked = db.session.scalars(select(ParkedEvent)).one()
    assert "No such order." in parked.reason
    assert intake.take_batch([placed], "queue") == [intake.ACCEPTED]
    assert (metrics(customer.id).order_count, metrics(customer.id).order_total_minor) == (0, 0)
    db.session.refresh(parked)
    assert (parked.status, parked.resolved_by) == ("replayed", "system")


def test_a_cancellation_ahead_of_its_order_in_one_batch_is_applied_too(customer):
    placed, cancelled = _placed_and_cancelled(customer.id)
    assert intake.take_batch([cancelled, placed], "queue") == [intake.PARKED, intake.ACCEPTED]
    assert (metrics(customer.id).order_count, metrics(customer.id).order_total_minor) == (0, 0)
    assert db.session.scalars(select(ParkedEvent.status)).one() == "replayed"


def test_a_cancellation_after_its_order_takes_it_out_at_once(customer):
    placed, cancelled = _placed_and_cancelled(customer.id)
    assert intake.take_batch([placed, cancelled], "queue") == [intake.ACCEPTED] * 2
    assert (metrics(customer.id).order_count, metrics(customer.id).order_total_minor) == (0, 0)
    assert db.session.scalars(select(ParkedEvent)).all() == []


def test_subscription_created_marks_an_active_subscription(customer):
    take(message("SubscriptionCreated", customer.id))
    assert metrics(customer.id).active_subscription is True
    assert "Subscribed" in interactions(customer.id)[0].summary


def test_subscription_cancelled_queues_a_retention_follow_up(customer):
    take(message("SubscriptionCreated", customer.id))
    take(message("SubscriptionCancelled", customer.id, reason="Too expensive"))
    assert metrics(customer.id).active_subscription is False
    follow_up = db.session.scalars(select(RetentionFollowUp)).one()
    assert (follow_up.customer_id, follow_up.reason) == (customer.id, "Too expensive")


def test_payment_method_added_counts_and_notes_it(customer):
    take(message("PaymentMethodAdded", customer.id, methodType="WALLET"))
    assert metrics(customer.id).payment_method_count == 1
    assert interactions(customer.id)[0].summary == "Payment method added: WALLET"


def test_product_reviewed_adds_the_category_to_interests(customer):
    take(message("ProductReviewed", customer.id, productCategory="jerk seasoning"))
    take(message("ProductReviewed", customer.id, productCategory="jerk seasoning"))
    assert metrics(customer.id).review_count == 2
    assert db.session.get(CustomerPreference, customer.id).product_interests == ["jerk seasoning"]
    assert {i.type for i in interactions(customer.id)} == {"REVIEW"}


def test_support_ticket_joins_the_interaction_history(customer):
    take(message("CustomerSupportTicketCreated", customer.id, subject="Jar broken"))
    assert metrics(customer.id).support_ticket_count == 1
    (ticket,) = interactions(customer.id)
    assert (ticket.type, ticket.summary.endswith("Jar broken")) == ("SUPPORT_TICKET", True)
    assert db.session.get(type(customer), customer.id).last_activity_at is not None


def test_campaign_engagement_updates_engagement_metrics(customer):
    take(message("MarketingCampaignEngagement", customer.id, engagementType="EMAIL_OPEN"))
    take(message("MarketingCampaignEngagement", customer.id, engagementType="EMAIL_CLICK"))
    assert (metrics(customer.id).email_opens, metrics(customer.id).email_clicks) == (1, 1)
    assert {i.type for i in interactions(customer.id)} == {"CAMPAIGN"}


def test_authentication_scan_joins_the_interaction_history(customer):
    take(message("ProductAuthenticationScanned", customer.id, authentic=False))
    (scan,) = interactions(customer.id)
    assert (scan.type, "NOT genuine" in scan.summary) == ("AUTHENTICATION_SCAN", True)


@pytest.mark.parametrize("event_type", CONSUMED)
def test_a_duplicate_is_acknowledged_and_ignored(customer, event_type):
    event = message(event_type, customer.id)
    if event_type == "OrderCancelled":
        placed = message("OrderPlaced", customer.id)
        take(placed)
        event["payload"]["orderId"] = placed["payload"]["orderId"]
    assert take(event) == intake.ACCEPTED
    after_first = fingerprint(customer.id)
    assert take(event) == intake.DUPLICATE
    assert fingerprint(customer.id) == after_first
    assert db.session.get(InboxEvent, event["eventId"]).source == "test"


@pytest.mark.parametrize("event_type", CONSUMED)
def test_malformed_input_is_refused_without_effect(customer, event_type):
    event = message(event_type, customer.id)
    first_field = next(iter(event["payload"]))
    del event["payload"][first_field]
    before = fingerprint(customer.id)
    with pytest.raises(intake.Refused) as refused:
        intake.consume(event, "test")
    db.session.rollback()
    assert refused.value.status == 422
    assert any(first_field in d for d in refused.value.details)
    assert fingerprint(customer.id) == before


@pytest.mark.parametrize(
    ("body", "status"),
    [
        (b"{oops", 400),
        (b"[]", 422),
        (b'{"type": "OrderShipped", "eventId": "x"}', 422),
        (b'{"type": "OrderPlaced", "eventId": "not-a-uuid", "payload": {}}', 422),
    ],
)
def test_bodies_that_are_no_consumed_event_are_refused(body, status):
    with pytest.raises(intake.Refused) as refused:
        intake.consume(intake.decode(body), "test")
    assert refused.value.status == status


def test_an_event_for_an_unknown_customer_is_refused(customer):
    with pytest.raises(intake.Refused, match="unknown"):
        intake.consume(message("OrderPlaced", "cust-nobody"), "test")


def test_a_batch_parks_what_it_refuses_and_keeps_the_rest(customer):
    good = message("OrderPlaced", customer.id)
    outcomes = intake.take_batch([json.dumps(good).encode(), b"nonsense"], "queue")
    assert outcomes == [intake.ACCEPTED, intake.PARKED]
    assert metrics(customer.id).order_count == 1
    parked = db.session.scalars(select(ParkedEvent)).one()
    assert (parked.status, parked.body) == ("parked", "nonsense")


def test_a_parked_event_replays_once_its_cause_is_fixed(customer, staff):
    event = message("PaymentMethodAdded", customer.id)
    event["payload"]["methodType"] = "CHEQUE"
    parked = intake.park(json.dumps(event), "refused", "queue")
    db.session.commit()
    assert "CHEQUE" in intake.replay(parked, staff.id)
    assert parked.status == "parked"
    event["payload"]["methodType"] = "CARD"
    parked.body = json.dumps(event)
    db.session.commit()
    assert intake.replay(parked, staff.id) is None
    assert (parked.status, parked.resolved_by) == ("replayed", staff.id)
    assert metrics(customer.id).payment_method_count == 1


def test_a_queue_batch_of_orders_counts_each_once_and_parks_what_it_refuses(customer):
    first = message("OrderPlaced", customer.id, amountMinor=10_00, currency="USD")
    second = message("OrderPlaced", customer.id, amountMinor=20_00, currency="USD")
    same_order = message("OrderPlaced", customer.id, orderId=first["payload"]["orderId"])
    stranger = message("OrderPlaced", "cust-nobody")
    review = message("ProductReviewed", customer.id)
    after = message("OrderPlaced", customer.id, amountMinor=5_00, currency="USD")
    batch = [first, second, b"{oops", first, stranger, same_order, review, after]
    bodies = [b if isinstance(b, bytes) else json.dumps(b).encode() for b in batch]
    assert intake.take_batch(bodies, "queue") == [
        intake.ACCEPTED,
        intake.ACCEPTED,
        intake.PARKED,
        intake.DUPLICATE,
        intake.PARKED,
        intake.ACCEPTED,  # a new event about an order already recorded: no second count
        intake.ACCEPTED,
        intake.ACCEPTED,
    ]
    assert (metrics(customer.id).order_count, metrics(customer.id).order_total_minor) == (3, 35_00)
    assert metrics(customer.id).review_count == 1
    reasons = db.session.scalars(select(ParkedEvent.reason).order_by(ParkedEvent.id)).all()
    assert ["not JSON" in reasons[0], "unknown" in reasons[1]] == [True, True]

    redelivered = intake.take_batch(bodies[:2], "queue")
    assert redelivered == [intake.DUPLICATE, intake.DUPLICATE]
    assert metrics(customer.id).order_count == 3


def test_an_http_batch_is_refused_whole_naming_the_order_about_an_unknown_customer(customer):
    good = message("OrderPlaced", customer.id)
    with pytest.raises(intake.Refused) as refused:
        intake.take_all([good, message("OrderPlaced", "cust-nobody")], "test", 10)
    assert refused.value.details == ["[1] No such customer."]
    assert metrics(customer.id) is None
    results = intake.take_all([good, good], "test", 10)
    assert [r["status"] for r in results] == [intake.ACCEPTED, intake.DUPLICATE]
    assert metrics(customer.id).order_count == 1
