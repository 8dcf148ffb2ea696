"""Hostile bodies on the event intake: 4xx with a JSON message, never a 500, nothing taken in."""

from __future__ import annotations

import json

import pytest

from portal.extensions import db
from portal.segmentation.models import CustomerMetrics
from tests.unit.events.messages import message

URL = "/api/v1/events"


def nothing_taken(customer) -> bool:
    db.session.expire_all()
    metrics = db.session.get(CustomerMetrics, customer.id)
    return metrics is None or metrics.order_count == 0


def deep_payload(customer) -> str:
    event = message("OrderPlaced", customer.id)
    text = json.dumps(event)
    return text.replace('"payload": {', '"payload": {"deep": ' + "[" * 5_000 + "]" * 5_000 + ", ")


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(lambda c: "[" * 10_000 + "]" * 10_000, id="10k-arrays"),
        pytest.param(lambda c: '{"a":' * 5_000 + "1" + "}" * 5_000, id="5k-objects"),
        pytest.param(deep_payload, id="inside-payload"),
        pytest.param(
            lambda c: json.dumps(message("OrderPlaced", c.id, orderId="ord-\x00-1")), id="nul"
        ),
    ],
)
def test_deep_or_nul_json_is_a_400(client, bearer, customer, body):
    response = client.post(
        URL,
        data=body(customer),
        content_type="application/json",
        headers=bearer("events:write"),
    )
    assert response.status_code == 400
    assert response.json["error"]["detail"] == "the body is not JSON"
    assert response.json["error"]["problems"][0] in (
        "nested deeper than 32 levels",
        "a string holds a NUL character (\\u0000)",
    )
    assert nothing_taken(customer)


def test_an_amount_beyond_its_column_is_a_422(client, bearer, customer):
    event = message("OrderPlaced", customer.id, amountMinor=10**30)
    response = client.post(URL, json=event, headers=bearer("events:write"))
    assert response.status_code == 422
    assert response.json["error"]["problems"][0].startswith("payload/amountMinor:")
    assert "maximum" in response.json["error"]["problems"][0]
    assert nothing_taken(customer)


def test_a_refused_value_is_quoted_by_an_excerpt_only(client, bearer, customer):
    long = "x" * 100_000
    event = message("OrderPlaced", customer.id, orderId=long)
    response = client.post(URL, json=event, headers=bearer("events:write"))
    assert response.status_code == 422
    assert len(response.data) < 2_000
    assert "(100,000 characters)" in response.json["error"]["problems"][0]
    unknown = client.post(URL, json={**event, "type": long}, headers=bearer("events:write"))
    assert unknown.status_code == 422
    assert len(unknown.data) < 2_000


def test_a_body_over_the_size_limit_is_a_413(app, client, bearer, customer):
    too_big = b" " * (app.config["MAX_CONTENT_LENGTH"] + 1)
    response = client.post(
        URL, data=too_big, content_type="application/json", headers=bearer("events:write")
    )
    assert response.status_code == 413
    assert response.json["error"]["title"] == "Too large"
    assert "larger than the portal takes" in response.json["error"]["detail"]
