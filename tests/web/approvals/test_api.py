"""The Procurement system's approvals API: submit with its own reference (idempotent), read
the decision, bad input → 4xx with a JSON error body, never 500; only its own requests."""

from __future__ import annotations

import pytest

from portal.api import tokens
from portal.approvals import services
from portal.approvals.models import ApprovalRequest
from portal.approvals.values import Decision
from portal.extensions import db
from tests.unit.approvals.factories import po_rule, roles, tier

URL = "/api/v1/approvals/requests"


@pytest.fixture
def bearer(make_user):
    admin = make_user("administrator")

    def issue(*scopes: str, name: str = "procurement") -> dict:
        _token, clear = tokens.issue(admin, name, list(scopes))
        return {"Authorization": f"Bearer {clear}"}

    return issue


@pytest.fixture
def procurement(bearer):
    return bearer("approvals")


@pytest.fixture
def rule(staff, org, people):
    return po_rule(staff, org["east"], tier(roles(org["root"], "Approver")))


def body(org, **overrides):
    data = {
        "nodeId": org["miami"].id,
        "requesterEmail": "Buyer@grill.example",
        "reference": "PO-1001",
        "description": "Kitchen equipment",
        "amountMinor": 750_000,
        "currency": "USD",
        "lines": [{"sku": "OVEN-1", "quantity": 1, "amountMinor": 750_000}],
    }
    data.update(overrides)
    return data


def test_submit_then_read_the_decision(client, procurement, rule, org, people):
    created = client.post(URL, json=body(org), headers=procurement)
    assert created.status_code == 201
    assert created.json["status"] == "PENDING"
    assert created.json["amount"] == "7,500.00 USD"
    services.decide(people["approver"], created.json["id"], Decision.APPROVE, "", round_=1, tier=0)
    read = client.get(f"{URL}/{created.json['id']}", headers=procurement)
    assert read.json["status"] == "APPROVED"
    assert [s["action"] for s in read.json["steps"]] == ["SUBMITTED", "APPROVE"]
    found = client.get(f"{URL}?reference=PO-1001", headers=procurement)
    assert found.json["id"] == created.json["id"]


def test_the_same_reference_twice_returns_the_first_request(client, procurement, rule, org, people):
    first = client.post(URL, json=body(org), headers=procurement)
    again = client.post(URL, json=body(org), headers=procurement)
    assert again.status_code == 200
    assert again.json["id"] == first.json["id"]


def test_another_system_sees_nothing_of_it(client, bearer, procurement, rule, org, people):
    created = client.post(URL, json=body(org), headers=procurement)
    other = bearer("approvals", name="erp")
    assert client.get(f"{URL}/{created.json['id']}", headers=other).status_code == 404
    assert client.get(f"{URL}?reference=PO-1001", headers=other).status_code == 404


def test_a_token_without_the_scope_is_refused(client, bearer, org, people):
    response = client.post(URL, json=body(org), headers=bearer("customers:read"))
    assert response.status_code == 403
    assert response.json["error"]["status"] == 403


@pytest.mark.parametrize(
    ("payload", "status", "problem"),
    [
        ("not json", 400, "JSON object"),
        ([1, 2], 400, "JSON object"),
        ({"amountMinor": "7500"}, 422, "amountMinor"),
        ({"amountMinor": True}, 422, "amountMinor"),
        ({"amountMinor": -1}, 422, "amountMinor"),
        ({"amountMinor": 750_000.0}, 422, "amountMinor"),
        ({"currency": "usd"}, 422, "currency"),
        ({"lines": "oven"}, 422, "lines"),
        ({"lines": [1]}, 422, "lines"),
        ({"reference": ""}, 422, "reference"),
        ({"description": None}, 422, "description"),
        ({"description": "   "}, 422, "description"),
        ({"description": "x" * 501}, 422, "description: 'xxx"),  # the column holds 500
        ({"amountMinor": 2**63}, 422, "amountMinor"),  # past the BIGINT column
        ({"reference": "PO 1001"}, 422, "reference"),
        ({"nodeId": 7}, 422, "nodeId"),
        ({"nodeId": "no-such-node"}, 404, "nodeId"),
        ({"requesterEmail": "nobody@else.example"}, 422, "requesterEmail"),
        ({"currency": "GBP"}, 422, "no rate converts GBP"),
    ],
)
def test_bad_input_is_a_4xx_with_a_json_error(
    client, procurement, rule, org, people, payload, status, problem
):
    if isinstance(payload, dict):
        response = client.post(URL, json=body(org, **payload), headers=procurement)
    elif isinstance(payload, list):
        response = client.post(URL, json=payload, headers=procurement)
    else:
        response = client.post(
            URL, data=payload, headers={**procurement, "Content-Type": "application/json"}
        )
    assert response.status_code == status
    error = response.json["error"]
    assert error["status"] == status
    assert problem in " ".join(error["problems"])


def test_a_viewer_cannot_order_through_the_api(client, procurement, rule, org, people):
    from tests.unit.organizations.factories import external

    external(org["miami"], "Viewer", "viewer@grill.example")
    response = client.post(
        URL, json=body(org, requesterEmail="viewer@grill.example"), headers=procurement
    )
    assert response.status_code == 422


def test_reading_needs_a_reference(client, procurement):
    response = client.get(f"{URL}?reference=", headers=procurement)
    assert response.status_code == 400
    assert response.json["error"]["status"] == 400


def test_an_order_nobody_could_approve_is_a_422_and_saves_nothing(
    client, procurement, staff, org, people
):
    po_rule(staff, org["root"], tier(roles(org["root"], "Approver")))
    response = client.post(
        URL,
        json=body(org, nodeId=org["root"].id, requesterEmail="admin@grill.example"),
        headers=procurement,
    )
    assert response.status_code == 422
    assert "Nobody can approve this here yet" in " ".join(response.json["error"]["problems"])
    assert db.session.query(ApprovalRequest).count() == 0
