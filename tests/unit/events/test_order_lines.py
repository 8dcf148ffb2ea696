"""OrderPlaced version 2: its lines are kept with the order; version 1 stays valid; bad lines
refuse the event (parked from the queue, with the reason)."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from portal.events import intake
from portal.events.models import ParkedEvent
from portal.events.schema import example, problems
from portal.extensions import db
from portal.segmentation.models import CustomerOrder, CustomerOrderLine
from tests.unit.events.messages import message

LINES = [
    {"productId": "prod-jerk", "category": "Seasonings", "quantity": 2, "amountMinor": 1200},
    {"productId": "prod-ackee", "category": "produce", "quantity": 1, "amountMinor": 899},
]


def placed(customer_id: str, version: int, **payload) -> dict:
    event = message("OrderPlaced", customer_id, **payload)
    event["version"] = version
    return event


def lines_of(order_id: str) -> list[tuple]:
    line = CustomerOrderLine
    query = select(line.line_no, line.product_id, line.category, line.quantity, line.amount_minor)
    return [tuple(r) for r in db.session.execute(query.where(line.order_id == order_id))]


def test_both_versions_documented_examples_are_valid():
    assert problems(example("OrderPlaced", 1)) == []
    assert problems(example("OrderPlaced", 2)) == []
    assert "lines" not in example("OrderPlaced", 1)["payload"]


def test_a_version_1_order_without_a_version_field_is_still_taken(customer):
    event = placed(customer.id, 1)
    del event["version"]
    assert intake.take_all(event, "api", 10)[0]["status"] == intake.ACCEPTED
    assert db.session.get(CustomerOrder, event["payload"]["orderId"]) is not None
    assert lines_of(event["payload"]["orderId"]) == []


def test_version_2_keeps_the_lines_with_the_order(customer):
    event = placed(customer.id, 2, lines=LINES)
    intake.take_all(event, "api", 10)
    order_id = event["payload"]["orderId"]
    assert lines_of(order_id) == [
        (1, "prod-jerk", "seasonings", 2, 1200),
        (2, "prod-ackee", "produce", 1, 899),
    ]
    line = db.session.get(CustomerOrderLine, (order_id, 1))
    assert line.customer_id == customer.id
    assert line.placed_at == db.session.get(CustomerOrder, order_id).placed_at


def test_a_redelivered_order_adds_no_second_set_of_lines(customer):
    first = placed(customer.id, 2, lines=LINES)
    again = placed(customer.id, 2, lines=LINES, orderId=first["payload"]["orderId"])
    assert intake.take_batch([json.dumps(e).encode() for e in (first, again)], "queue") == [
        intake.ACCEPTED,
        intake.ACCEPTED,
    ]
    assert len(lines_of(first["payload"]["orderId"])) == 2


def test_lines_in_a_version_1_event_are_an_unknown_field_ignored(customer):
    event = placed(customer.id, 1, lines=[{"productId": 7}])
    assert problems(event) != []  # checked as version 2 it would be refused...
    intake.take_all(event, "api", 10)  # ...but version 1 has no lines: ignored
    assert lines_of(event["payload"]["orderId"]) == []


@pytest.mark.parametrize(
    ("line", "said"),
    [
        ({"productId": "p", "category": "c", "quantity": 0, "amountMinor": 1}, "lines/0/quantity"),
        ({"productId": "p", "category": "c", "quantity": 1, "amountMinor": -5}, "amountMinor"),
        ({"productId": "", "category": "c", "quantity": 1, "amountMinor": 1}, "productId"),
        ({"productId": "p", "quantity": 1, "amountMinor": 1}, "'category' is a required"),
        ({"productId": "p", "category": "c" * 61, "quantity": 1, "amountMinor": 1}, "category"),
    ],
)
def test_a_bad_line_parks_the_event_from_the_queue_with_the_reason(customer, line, said):
    event = placed(customer.id, 2, lines=[line])
    assert intake.take_batch([json.dumps(event).encode()], "queue") == [intake.PARKED]
    parked = db.session.scalars(select(ParkedEvent)).one()
    assert "does not match its schema" in parked.reason
    assert "payload/lines/0" in parked.reason
    assert said in parked.reason
    assert db.session.get(CustomerOrder, event["payload"]["orderId"]) is None


def test_a_bad_line_over_http_refuses_the_batch_naming_the_event(customer):
    good = placed(customer.id, 2, lines=LINES)
    bad = placed(customer.id, 2, lines=[])
    with pytest.raises(intake.Refused) as refused:
        intake.take_all([good, bad], "api", 10)
    assert any(d.startswith("[1] payload/lines") for d in refused.value.details)
    assert db.session.get(CustomerOrder, good["payload"]["orderId"]) is None


def test_an_unknown_version_is_refused(customer):
    assert problems(placed(customer.id, 3)) != []
