"""Hostile values in the approval pages and API: refused with a message, never truncated, never
a 500 (PostgreSQL refused numbers beyond their columns; "²" passed isdigit, then failed int)."""

from __future__ import annotations

import pytest

from portal.api import tokens
from portal.approvals import services
from portal.approvals.models import ApprovalRequest, ApprovalRule
from portal.extensions import db
from tests.unit.approvals.factories import po, po_rule, roles, tier
from tests.web.approvals.test_api import URL
from tests.web.approvals.test_pages import HX, as_, editor_form


@pytest.fixture
def pending(staff, org, people):
    po_rule(staff, org["east"], tier(roles(org["root"], "Approver")))
    return services.submit(people["buyer"], org["miami"].id, po(750_000), rates={})


@pytest.fixture
def procurement(make_user):
    _token, clear = tokens.issue(make_user("administrator"), "procurement", ["approvals"])
    return {"Authorization": f"Bearer {clear}"}


def editor(client, org, **fields):
    return client.post(
        f"/approvals/nodes/{org['east'].id}/rules/new",
        data=editor_form(org, **fields),
        headers={**HX, "HX-Target": "rule-editor"},
    )


def test_a_rule_name_longer_than_its_column_is_refused_not_cut(client, org, people):
    as_(client, people["admin"])
    refused = editor(client, org, name="x" * 10_000)
    assert refused.status_code == 422
    assert "Use at most 120 characters (this has 10,000)." in refused.text
    assert db.session.query(ApprovalRule).count() == 0


@pytest.mark.parametrize(
    ("position", "message"),
    [
        ("99999999999999999999", "Enter a whole number from -2,147,483,648 to 2,147,483,647."),
        ("²", "Enter a whole number."),
    ],
)
def test_a_position_that_is_no_storable_number_is_refused(client, org, people, position, message):
    as_(client, people["admin"])
    refused = editor(client, org, position=position)
    assert refused.status_code == 422
    assert message in refused.text
    assert db.session.query(ApprovalRule).count() == 0


@pytest.mark.parametrize("deadline", ["²", "99999999999"])
def test_a_deadline_that_is_no_whole_number_in_range_is_refused(client, org, people, deadline):
    as_(client, people["admin"])
    refused = editor(client, org, t0_deadline=deadline)
    assert refused.status_code == 422
    assert "Tier 1: a deadline" in refused.text or "Tier 1: the deadline" in refused.text
    assert db.session.query(ApprovalRule).count() == 0


def test_a_purchase_order_amount_beyond_its_column_is_refused(client, staff, org, people):
    po_rule(staff, org["east"], tier(roles(org["root"], "Approver")))
    as_(client, people["buyer"])
    form = f"/approvals/nodes/{org['miami'].id}/purchase-orders/new"
    refused = client.post(
        form, data={"description": "Oven", "amount": "1" + "0" * 20, "currency": "USD"}
    )
    assert refused.status_code == 422
    assert "Enter at most 92,233,720,368,547,758.07." in refused.text
    assert db.session.query(ApprovalRequest).count() == 0


@pytest.mark.parametrize("field", ["round", "tier"])
def test_a_decision_with_a_tampered_round_or_tier_is_refused(client, pending, people, field):
    as_(client, people["approver"])
    data = {"decision": "APPROVE", "round": 1, "tier": 0} | {field: "²"}
    refused = client.post(f"/approvals/requests/{pending.id}/decide", data=data, headers=HX)
    assert refused.status_code == 422


@pytest.mark.parametrize(
    ("raw", "why"),
    [
        ("[" * 10_000 + "]" * 10_000, "nested deeper than 32 levels"),
        ('{"a":' * 5_000 + "1" + "}" * 5_000, "nested deeper than 32 levels"),
        ('{"nodeId": "a\\u0000b"}', "a string holds a NUL character"),
    ],
)
def test_api_bodies_too_deep_or_with_nul_are_a_400(client, procurement, raw, why):
    response = client.post(URL, data=raw, content_type="application/json", headers=procurement)
    assert response.status_code == 400
    [problem] = response.json["error"]["problems"]
    assert problem.startswith("the body must be a JSON object: ")
    assert why in problem
    assert db.session.query(ApprovalRequest).count() == 0
