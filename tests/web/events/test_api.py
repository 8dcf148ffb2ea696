"""The JSON API: tokens and scopes, customer reads, the event intake (the OpenAPI contract of
every operation: tests/web/test_api_contract.py)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from portal.api import tokens
from portal.api.models import ApiToken
from portal.customers import services
from portal.extensions import db
from portal.security.models import AuditEntry
from portal.segmentation.models import CustomerMetrics
from tests.factories import address
from tests.unit.events.messages import message


def test_a_customer_as_other_contexts_see_it(client, bearer, customer, staff):
    services.add_address(staff, customer.id, address())
    response = client.get(f"/api/v1/customers/{customer.id}", headers=bearer("customers:read"))
    assert response.status_code == 200
    body = response.json
    assert body["id"] == customer.id
    assert body["customerType"] == "DIASPORA_COMMUNITY"
    assert body["status"] == customer.status.value
    assert body["addresses"][0]["city"]
    assert body["canPlaceOrders"] is db.session.get(type(customer), customer.id).can_place_orders
    assert set(body["contactPreferences"]) >= {"doNotContact", "channels", "language"}
    assert "segment" in body


def test_customers_are_found_by_email_case_insensitively(client, bearer, customer):
    headers = bearer("customers:read")
    found = client.get("/api/v1/customers?email=MARCIA@example.org", headers=headers).json
    assert [c["id"] for c in found["items"]] == [customer.id]
    assert client.get("/api/v1/customers?email=m%25", headers=headers).json["items"] == []
    assert client.get("/api/v1/customers", headers=headers).status_code == 400


def test_every_read_of_a_customer_through_the_api_is_audited(client, bearer, customer):
    headers = bearer("customers:read", "loyalty")
    client.get(f"/api/v1/customers/{customer.id}", headers=headers)
    client.get("/api/v1/customers?email=marcia@example.org", headers=headers)
    client.get(f"/api/v1/customers/{customer.id}/loyalty", headers=headers)
    client.get("/api/v1/customers/cust-nobody", headers=headers)  # nothing read: nothing kept
    entries = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "customer.viewed").order_by(AuditEntry.id)
    ).all()
    assert [(e.record_id, e.summary) for e in entries] == [
        (customer.id, "Read through the API"),
        (customer.id, "Found by e-mail through the API"),
        (customer.id, "Loyalty read through the API"),
    ]
    assert all(e.actor.startswith("API token ") for e in entries)
    assert {e.details["token"] for e in entries} == {"order-service"}


def test_tokens_need_the_right_scope_and_must_not_be_revoked(client, bearer, customer, staff):
    url = f"/api/v1/customers/{customer.id}"
    assert client.get(url, headers=bearer("events:write")).status_code == 403
    assert client.get(url, headers={"Authorization": "Bearer efi_wrong"}).status_code == 401
    headers = bearer("customers:read", name="crm")
    assert client.get(url, headers=headers).status_code == 200
    token = db.session.scalars(select(ApiToken).where(ApiToken.name == "crm")).one()
    tokens.revoke(staff, token)
    assert client.get(url, headers=headers).status_code == 401


def test_events_are_taken_in_once(client, bearer, customer):
    headers = bearer("events:write")
    event = message("OrderPlaced", customer.id)
    first = client.post("/api/v1/events", json=event, headers=headers)
    again = client.post("/api/v1/events", json=event, headers=headers)
    assert first.json == {"results": [{"eventId": event["eventId"], "status": "accepted"}]}
    assert again.json["results"][0]["status"] == "duplicate"
    db.session.expire_all()
    assert db.session.get(CustomerMetrics, customer.id).order_count == 1


def test_a_batch_is_taken_whole_or_not_at_all(client, bearer, customer):
    headers = bearer("events:write")
    good = message("OrderPlaced", customer.id)
    bad = message("OrderPlaced", customer.id, amountMinor=-5)
    refused = client.post("/api/v1/events", json=[good, bad], headers=headers)
    assert refused.status_code == 422
    assert refused.json["error"]["problems"][0].startswith("[1] payload/amountMinor")
    metrics = db.session.get(CustomerMetrics, customer.id)
    assert metrics is None or metrics.order_count == 0
    taken = client.post(
        "/api/v1/events", json=[good, message("OrderPlaced", customer.id)], headers=headers
    )
    assert [r["status"] for r in taken.json["results"]] == ["accepted", "accepted"]


def test_a_cancellation_before_its_order_is_refused_and_taken_once_the_order_is_in(
    client, bearer, customer
):
    headers = bearer("events:write")
    placed = message("OrderPlaced", customer.id, amountMinor=1000, currency="USD")
    cancelled = message("OrderCancelled", customer.id, orderId=placed["payload"]["orderId"])
    early = client.post("/api/v1/events", json=cancelled, headers=headers)
    assert early.status_code == 422
    assert early.json["error"]["problems"] == ["No such order."]
    assert client.post("/api/v1/events", json=placed, headers=headers).status_code == 200
    again = client.post("/api/v1/events", json=cancelled, headers=headers)
    assert again.json["results"][0]["status"] == "accepted"
    db.session.expire_all()
    metrics = db.session.get(CustomerMetrics, customer.id)
    assert (metrics.order_count, metrics.order_total_minor) == (0, 0)


@pytest.mark.parametrize(
    ("body", "status"),
    [(b"{not json", 400), (b'{"type": "Nope"}', 422), (b"[]", 422)],
)
def test_malformed_events_get_a_json_error(client, bearer, body, status):
    response = client.post(
        "/api/v1/events",
        data=body,
        headers=bearer("events:write"),
        content_type="application/json",
    )
    assert response.status_code == status
    assert response.json["error"]["status"] == status


def test_a_time_that_does_not_exist_in_utc_is_422_not_500(client, bearer, customer):
    # Found by schemathesis: year 1 minus a four-minute offset overflowed the conversion.
    event = message("OrderPlaced", customer.id, placedAt="0001-01-01T00:02:00+00:04")
    response = client.post("/api/v1/events", json=event, headers=bearer("events:write"))
    assert response.status_code == 422
    assert "placedAt" in str(response.json["error"])


def test_an_event_about_an_unknown_customer_is_422(client, bearer):
    response = client.post(
        "/api/v1/events",
        json=message("SubscriptionCreated", "cust-nobody"),
        headers=bearer("events:write"),
    )
    assert response.status_code == 422
    assert "No such customer." in response.json["error"]["problems"]
