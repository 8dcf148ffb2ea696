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
    listing = client.get("/admin/events/parked")
    assert listing.status_code == 200
    assert "the body is not JSON" in listing.text
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
    stop = f"/admin/integrations/webhooks/{subscription.id}/stop"
    asked = client.post(stop)  # no scripts, so no dialog: the server asks first
    assert asked.status_code == 200
    assert "Stop the webhook to http://127.0.0.1:9/hook?" in asked.text
    assert db.session.get(WebhookSubscription, subscription.id).active is True
    assert client.post(stop, data={"confirm": "yes"}).status_code == 303
    db.session.expire_all()
    assert db.session.get(WebhookSubscription, subscription.id).active is False
    assert client.get("/admin/integrations/webhooks/deliveries").status_code == 200


def test_a_rotated_webhook_secret_is_shown_once_and_a_stopped_one_cannot_rotate(client, login_as):
    login_as("administrator")
    created = client.post(
        "/admin/integrations/webhooks",
        data={"url": "http://127.0.0.1:9/hook", "event_types": ["CustomerSegmentChanged"]},
    )
    first = created.text.split('class="secret">')[1].split("<")[0]
    assert first.startswith("whsec_")
    subscription = db.session.scalars(select(WebhookSubscription)).one()
    rotated = client.post(f"/admin/integrations/webhooks/{subscription.id}/rotate")
    assert rotated.status_code == 200
    second = rotated.text.split('class="secret">')[1].split("<")[0]
    assert second.startswith("whsec_")
    assert second != first
    assert "signed with the previous secret as well" in rotated.text
    assert second not in client.get("/admin/integrations/webhooks").text
    client.post(f"/admin/integrations/webhooks/{subscription.id}/stop", data={"confirm": "yes"})
    assert client.post(f"/admin/integrations/webhooks/{subscription.id}/rotate").status_code == 404


def test_one_scope_or_one_event_type_is_enough_and_none_is_refused(client, login_as):
    """Ticking every box must not be demanded by the browser; the server wants at least one."""
    login_as("administrator")
    for url, box in (
        ("/admin/integrations/tokens", 'name="scopes"'),
        ("/admin/integrations/webhooks", 'name="event_types"'),
    ):
        checkboxes = [tag for tag in client.get(url).text.split("<input")[1:] if box in tag]
        assert checkboxes
        assert not [tag for tag in checkboxes if "required" in tag.split(">")[0]]
    no_scope = client.post("/admin/integrations/tokens", data={"name": "crm"})
    assert no_scope.status_code == 422
    assert "Choose at least one scope." in no_scope.text
    no_type = client.post("/admin/integrations/webhooks", data={"url": "http://127.0.0.1:9/h"})
    assert no_type.status_code == 422
    assert "Choose at least one event type." in no_type.text
    assert db.session.scalars(select(ApiToken)).all() == []
    assert db.session.scalars(select(WebhookSubscription)).all() == []


def test_no_events_page_answers_a_server_error_as_page_or_fragment(app, client, login_as):
    login_as("administrator")
    emit("CustomerUpdated", "cust-a", {"customerId": "cust-a"}, actor=SYSTEM)
    intake.park("garbage", "the body is not JSON", "queue")
    db.session.commit()
    ids = {"event_id": db.session.scalars(select(OutboxEvent.id)).one()}
    urls = [
        rule.rule.replace("<event_id>", ids["event_id"])
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("events.") and "GET" in rule.methods
    ]
    urls += [f"/admin/events/parked?status={s}" for s in ("replayed", "discarded")]
    assert len(urls) >= 7
    for url in urls:
        for headers in ({}, {"HX-Request": "true"}):
            response = client.get(url, headers=headers)
            assert response.status_code == 200, (url, headers, response.status_code)


def test_retention_follow_ups_are_listed_for_the_compliance_officer(client, login_as, customer):
    event = message("SubscriptionCancelled", customer.id, reason="Too expensive")
    intake.consume(event, "test")
    db.session.commit()
    login_as("compliance_officer")
    page = client.get("/compliance/retention")
    assert page.status_code == 200
    follow_ups = page.text.split('id="follow-ups"')[1]
    assert customer.name in follow_ups
    assert event["payload"]["subscriptionId"] in follow_ups
    assert "Too expensive" in follow_ups
    assert f"/customers/{customer.id}" in follow_ups
    login_as("sales")
    assert client.get("/compliance/retention").status_code == 403
