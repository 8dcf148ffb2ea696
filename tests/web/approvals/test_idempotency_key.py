"""The JSON creates take an Idempotency-Key: the same key and body answer the first answer
again, once created; the same key with another body is refused with a JSON error."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from portal.api import tokens
from portal.approvals.models import ApprovalRequest
from portal.events.models import InboxEvent
from portal.extensions import db
from tests.unit.approvals.factories import po_rule, roles, tier
from tests.unit.events.messages import message

URL = "/api/v1/approvals/requests"


@pytest.fixture
def bearer(make_user):
    admin = make_user("administrator")

    def issue(scope: str) -> dict:
        _token, clear = tokens.issue(admin, "procurement", [scope])
        return {"Authorization": f"Bearer {clear}"}

    return issue


@pytest.fixture
def rule(staff, org, people):
    return po_rule(staff, org["east"], tier(roles(org["root"], "Approver")))


def body(org, **overrides) -> dict:
    return {
        "nodeId": org["miami"].id,
        "requesterEmail": "buyer@grill.example",
        "reference": "PO-1001",
        "description": "Kitchen equipment",
        "amountMinor": 750_000,
        "currency": "USD",
        "lines": [],
    } | overrides


def count(model) -> int:
    db.session.expire_all()
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_the_same_key_and_body_replay_the_first_answer(client, bearer, rule, org):
    headers = bearer("approvals") | {"Idempotency-Key": "order-7-attempt"}
    first = client.post(URL, json=body(org), headers=headers)
    again = client.post(URL, json=body(org), headers=headers)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json == first.json
    assert again.headers["Idempotent-Replayed"] == "true"
    assert count(ApprovalRequest) == 1


def test_the_same_key_with_another_body_is_refused(client, bearer, rule, org):
    headers = bearer("approvals") | {"Idempotency-Key": "k-1"}
    assert client.post(URL, json=body(org), headers=headers).status_code == 201
    other = client.post(URL, json=body(org, reference="PO-1002"), headers=headers)
    assert other.status_code == 422
    assert "another body" in other.json["error"]["detail"]
    assert count(ApprovalRequest) == 1


def test_a_refused_call_is_not_recorded_and_may_be_retried(client, bearer, rule, org):
    headers = bearer("approvals") | {"Idempotency-Key": "k-2"}
    refused = client.post(URL, json=body(org, currency="XX"), headers=headers)
    assert refused.status_code == 422
    assert client.post(URL, json=body(org), headers=headers).status_code == 201


@pytest.mark.parametrize("key", ["k" * 256, " ", "clé"])
def test_a_key_is_one_to_255_printable_ascii_characters(client, bearer, rule, org, key):
    headers = bearer("approvals") | {"Idempotency-Key": key}
    answer = client.post(URL, json=body(org), headers=headers)
    assert answer.status_code == 400
    assert answer.json["error"]["detail"].startswith("Idempotency-Key must be")
    assert count(ApprovalRequest) == 0


def test_the_event_intake_takes_the_key_too(client, bearer, customer):
    headers = bearer("events:write") | {"Idempotency-Key": "batch-1"}
    event = message("OrderPlaced", customer.id)
    first = client.post("/api/v1/events", json=event, headers=headers)
    again = client.post("/api/v1/events", json=event, headers=headers)
    assert first.status_code == 200, first.text
    assert (again.status_code, again.json) == (200, first.json)
    assert again.headers["Idempotent-Replayed"] == "true"
    assert count(InboxEvent) == 1
