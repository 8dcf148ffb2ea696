"""Consumed-event messages for tests: the documented example, for a given customer."""

from __future__ import annotations

import copy
import uuid

from portal.events.schema import example


def message(event_type: str, customer_id: str, **payload) -> dict:
    event = copy.deepcopy(example(event_type))
    event["eventId"] = str(uuid.uuid4())
    event["aggregateId"] = customer_id
    if "customerId" in event["payload"]:
        event["payload"]["customerId"] = customer_id
    if "orderId" in event["payload"]:
        event["payload"]["orderId"] = f"ord-{uuid.uuid4().hex[:10]}"
    event["payload"].update(payload)
    return event
