"""The administrators' event pages: browse, parked events, tokens and webhooks."""

from __future__ import annotations

import json

from sqlalchemy import select

from portal.api.models import ApiToken
from portal.events import intake
from portal.events.models import OutboxEvent, ParkedEvent, WebhookSubscription
from portal.events.outbox import SYSTEM, emit
from portal.extensions import db
from tests.unit.events.messages import message


def test_the_event_browser_filters_and_shows_a_payload(client, login_as):
    login_as("administrator")
    emit("CustomerUpdated", "cust-a", {"customerId": "cust-a", "marker": "xyzzy"}, actor=SYSTEM)
    emit("CustomerCreated", "cust-b", {"customerId": "cust-b"}, actor=SYSTEM)
    db.session.commit()
    page = client.get("/admin/events?type=CustomerUpdated").text
    assert "cust-a" in page
    assert "cust-b" not in page
    fragment = client.get(
        "/admin/events?aggregate=cust-b",
        headers={"HX-Request": "true", "HX-Target": "event-results"},
    ).text
    assert "cust-b" in fragment
    assert "<html" not in fragment
    event_id = db.session.scalars(select(OutboxEvent.id)).first()
    detail = client.get(f"/admin/events/{event_id}").text
    assert "pending" in detail


def test_parked_events_can_be_replayed_or_discarded(client, login_as, customer):
    login_as("administrator")
    good = intake.park(json.dumps(message("OrderPlaced", customer.id)), "was down", "queue")
    bad = intake.park("garbage", "the body is not JSON", "queue")
    db.session.commit()
    listing = client.get("/admin/events/parked").text
    assert "the body is not JSON" in listing
    assert client.post(f"/admin/events/parked/{good.id}/replay").status_code == 303
    assert client.post(f"/admin/events/parked/{bad.id}/discard").status_code == 303
    db.session.expire_all()
    assert db.session.get(ParkedEvent, good.id).status == "replayed"
    assert db.session.get(ParkedEvent, bad.id).status == "discarded"
    assert client.post(f"/admin/events/parked/{bad.id}/replay").status_code == 404


def test_a_token_is_shown_once_and_stored_hashed(client, login_as):
    login_as("administrator")
    response = client.post(
        "/admin/integrations/tokens", data={"name": "order-service", "scopes": ["events:write"]}
    )
    assert response.status_code == 201
    token = db.session.scalars(select(ApiToken)).one()
    shown = response.text.split('class="secret">')[1].split("<")[0]
    assert shown.startswith(token.prefix)
    assert shown not in client.get("/admin/integrations/tokens").text
    assert token.token_hash != shown
    refused = client.post("/admin/integrations/tokens", data={"name": "", "scopes": []})
    assert refused.status_code == 422


def test_a_webhook_subscription_is_registered_and_stopped(client, login_as):
    login_as("administrator")
    response = client.post(
        "/admin/integrations/webhooks",
        data={"url": "http://127.0.0.1:9/hook", "event_types": ["CustomerSegmentChanged"]},
    )
    assert response.status_code == 201
    subscription = db.session.scalars(select(WebhookSubscription)).one()
    assert client.post(f"/admin/integrations/webhooks/{subscription.id}/stop").status_code == 303
    db.session.expire_all()
    assert db.session.get(WebhookSubscription, subscription.id).active is False
    assert client.get("/admin/integrations/webhooks/deliveries").status_code == 200
