"""The approval pages through the test client: queues and counts, the request page, the
decision dialog (422 without a comment, 409 when stale, a repeat is harmless), the rule editor
(HTMX tiers, refusal naming the tier), submitting and resubmitting, scoping."""

from __future__ import annotations

import pytest

from portal.approvals import services
from portal.approvals.models import ApprovalRequest, ApprovalRule
from portal.approvals.values import Decision, Status
from portal.extensions import db
from tests.conftest import sign_in_client
from tests.unit.approvals.factories import po, po_rule, roles, tier
from tests.unit.organizations.factories import grill_group, role

HX = {"HX-Request": "true"}


@pytest.fixture
def pending(staff, org, people):
    po_rule(
        staff, org["east"], tier(roles(org["root"], "Approver")), tier(roles(org["root"], "Admin"))
    )
    return services.submit(people["buyer"], org["miami"].id, po(750_000), rates={})


def as_(client, user):
    sign_in_client(client, user)
    return client


def test_waiting_for_me_lists_the_request_with_its_count(client, pending, people):
    as_(client, people["approver"])
    page = client.get("/approvals/").text
    assert "Kitchen equipment" in page
    assert "7,500.00 USD" in page
    assert client.get("/approvals/count").text == "1"
    fragment = client.get(
        "/approvals/?queue=waiting&status=APPROVED", headers={**HX, "HX-Target": "approval-results"}
    )
    assert "Nothing is waiting" in fragment.text
    assert "<nav" not in fragment.text


def test_the_requester_sees_it_under_my_requests_not_waiting(client, pending, people):
    as_(client, people["buyer"])
    assert client.get("/approvals/count").text == "0"
    assert "Kitchen equipment" in client.get("/approvals/?queue=mine").text


def test_all_requests_for_org_admins_and_staff(client, pending, people, make_user):
    as_(client, people["admin"])
    assert "Kitchen equipment" in client.get("/approvals/?queue=all").text
    other = client.application.test_client()
    as_(other, make_user("support"))
    assert "Kitchen equipment" in other.get("/approvals/?queue=all").text


def test_the_request_page_shows_the_chain_and_who_it_waits_on(client, pending, people):
    as_(client, people["buyer"])
    page = client.get(f"/approvals/requests/{pending.id}").text
    assert "Tier 1" in page
    assert "Tier 2" in page
    assert "Waiting on" in page
    assert people["approver"].name in page
    assert "Cancel request" in page


def test_another_organisation_never_sees_the_request(client, pending, staff):
    from tests.unit.organizations.factories import external

    theirs = grill_group(staff, prefix="X")
    as_(client, external(theirs["root"], "Admin"))
    assert client.get(f"/approvals/requests/{pending.id}").status_code == 404
    assert "Kitchen equipment" not in client.get("/approvals/?queue=all").text


def decide(client, request, decision, comment="", **headers):
    return client.post(
        f"/approvals/requests/{request.id}/decide",
        data={
            "decision": decision,
            "comment": comment,
            "round": request.round,
            "tier": request.tier,
        },
        headers=headers,
    )


def test_the_dialog_needs_a_comment_to_request_changes(client, pending, people):
    as_(client, people["approver"])
    dialog = client.get(
        f"/approvals/requests/{pending.id}/decide?decision=REQUEST_CHANGES", headers=HX
    )
    assert "<dialog" in dialog.text
    assert "<nav" not in dialog.text
    refused = decide(client, pending, "REQUEST_CHANGES", **HX)
    assert refused.status_code == 422
    assert "Say what is wrong" in refused.text
    done = decide(client, pending, "REQUEST_CHANGES", "Split it", **HX)
    assert done.status_code == 204
    assert "HX-Redirect" in done.headers
    db.session.expire_all()
    assert db.session.get(ApprovalRequest, pending.id).status == Status.CHANGES_REQUESTED


def test_approving_twice_is_harmless_and_stale_decisions_conflict(client, pending, people):
    as_(client, people["approver"])
    assert decide(client, pending, "APPROVE").status_code == 303
    assert decide(client, pending, "APPROVE").status_code == 303  # the same post again
    other = as_(client.application.test_client(), people["approver2"])
    stale = other.post(  # drawn at tier 1, which is done meanwhile
        f"/approvals/requests/{pending.id}/decide",
        data={"decision": "APPROVE", "round": 1, "tier": 0},
        headers=HX,
    )
    assert stale.status_code == 409
    assert "Reload" in stale.text


def test_the_requester_cannot_decide(client, pending, people):
    as_(client, people["buyer"])
    assert "Approve</a>" not in client.get(f"/approvals/requests/{pending.id}").text
    assert decide(client, pending, "APPROVE").status_code == 422


def test_submitting_a_purchase_order(client, staff, org, people):
    po_rule(staff, org["east"], tier(roles(org["root"], "Approver")))
    as_(client, people["buyer"])
    form = f"/approvals/nodes/{org['miami'].id}/purchase-orders/new"
    assert client.get(form).status_code == 200
    bad = client.post(form, data={"description": "Oven", "amount": "7.500,00", "currency": "USD"})
    assert bad.status_code == 422
    assert "Enter an amount like" in bad.text
    created = client.post(
        form,
        data={"description": "Oven", "amount": "7,500.00", "currency": "USD", "lines": "1 oven"},
    )
    assert created.status_code == 303
    request = db.session.query(ApprovalRequest).one()
    assert (request.amount_minor, request.status, request.lines) == (
        750_000,
        "PENDING",
        [{"text": "1 oven"}],
    )


def test_a_viewer_cannot_submit(client, org, staff):
    from tests.unit.organizations.factories import external

    as_(client, external(org["miami"], "Viewer"))
    assert client.get(f"/approvals/nodes/{org['miami'].id}/purchase-orders/new").status_code == 403


def test_edit_and_resubmit_after_changes(client, pending, people):
    services.decide(
        people["approver"], pending.id, Decision.REQUEST_CHANGES, "Less", round_=1, tier=0
    )
    as_(client, people["buyer"])
    edit = client.get(f"/approvals/requests/{pending.id}/edit")
    assert 'value="7,500.00"' in edit.text
    sent = client.post(
        f"/approvals/requests/{pending.id}/edit",
        data={"description": "Smaller oven", "amount": "6,000.00", "currency": "USD"},
    )
    assert sent.status_code == 303
    db.session.expire_all()
    request = db.session.get(ApprovalRequest, pending.id)
    assert (request.round, request.status, request.amount_minor) == (2, "PENDING", 600_000)


def test_cancel(client, pending, people):
    as_(client, people["buyer"])
    assert client.post(f"/approvals/requests/{pending.id}/cancel").status_code == 303
    db.session.expire_all()
    assert db.session.get(ApprovalRequest, pending.id).status == Status.CANCELLED


def test_only_the_requester_may_cancel_the_others_are_forbidden(client, pending, people):
    as_(client, people["approver"])
    refused = client.post(f"/approvals/requests/{pending.id}/cancel")
    assert refused.status_code == 403
    assert "Only the requester can do this." in refused.text
    db.session.expire_all()
    assert db.session.get(ApprovalRequest, pending.id).status == Status.PENDING


def editor_form(org, **extra):
    data = {
        "name": "Large orders",
        "subject": "PURCHASE_ORDER",
        "operator": "gt",
        "thresholds": "USD 5,000.00",
        "tiers": "2",
        "t0_groups": "1",
        "t1_groups": "1",
        "t0_g0_roles": role(org["root"], "Approver").id,
        "t1_g0_roles": role(org["root"], "Admin").id,
        "action": "save",
    }
    data.update(extra)
    return data


def test_the_editor_adds_a_tier_with_htmx(client, org, people):
    as_(client, people["admin"])
    url = f"/approvals/nodes/{org['east'].id}/rules/new"
    assert client.get(url).status_code == 200
    grown = client.post(
        url, data=editor_form(org, action="add_tier"), headers={**HX, "HX-Target": "rule-editor"}
    )
    assert grown.status_code == 200
    assert "Tier 3" in grown.text
    assert "<nav" not in grown.text
    assert db.session.query(ApprovalRule).count() == 0


def test_the_editor_saves_and_the_rule_governs_below(client, org, people):
    as_(client, people["admin"])
    saved = client.post(f"/approvals/nodes/{org['east'].id}/rules/new", data=editor_form(org))
    assert saved.status_code == 303
    rule = db.session.query(ApprovalRule).one()
    assert (rule.thresholds, len(rule.chain)) == ({"USD": 500_000}, 2)
    below = client.get(f"/approvals/nodes/{org['miami'].id}/rules").text
    assert "Inherited from <strong>East Division</strong>" in below
    assert "Large orders" in below


def test_the_editor_refuses_a_tier_without_eligible_approvers(client, staff, org, people):
    from portal.organizations import services as org_services

    controller = org_services.save_role(
        staff,
        org["root"].id,
        None,
        "Controller",
        "",
        ["org:approvals:decide"],
        {"org:approvals:decide"},
    )
    as_(client, people["admin"])
    refused = client.post(
        f"/approvals/nodes/{org['east'].id}/rules/new",
        data=editor_form(org, t1_g0_roles=controller.id),
        headers={**HX, "HX-Target": "rule-editor"},
    )
    assert refused.status_code == 422
    assert "Tier 2 has no eligible approver in group A (Controller)" in refused.text


def test_a_buyer_cannot_edit_rules(client, org, people):
    as_(client, people["buyer"])
    assert client.get(f"/approvals/nodes/{org['miami'].id}/rules/new").status_code == 403


def test_delegation_page(client, org, people):
    as_(client, people["approver"])
    assert client.get("/approvals/delegations").status_code == 200
    made = client.post(
        "/approvals/delegations",
        data={
            "delegate": people["admin"].id,
            "starts_on": "2026-01-01",
            "ends_on": "2099-01-01",
            "reason": "Away",
        },
    )
    assert made.status_code == 303
    assert "Away" in client.get("/approvals/delegations").text


def test_finance_sees_a_payment_terms_change_waiting(client, staff, restaurant, make_user):
    sales = as_(client.application.test_client(), staff)
    asked = sales.post(
        f"/approvals/customers/{restaurant.id}/payment-terms", data={"payment_terms": "NET_60"}
    )
    assert asked.status_code == 303
    as_(client, make_user("finance"))
    assert client.get("/approvals/count").text == "1"
    assert "Payment terms of Chez Lola" in client.get("/approvals/").text
    # Stored by reference, the name is read at display time (erasure leaves no copy of it).
    stored = db.session.scalar(db.select(ApprovalRequest))
    assert "Chez Lola" not in stored.description
    assert "Payment terms of Chez Lola" in client.get(asked.headers["Location"]).text
    as_(client, make_user("administrator"))
    log = client.get("/admin/audit?action=approval").text
    assert "asked to approve Payment terms of Chez Lola" in log


def test_filters_by_amount_in_a_currency_and_by_age(client, staff, org, people):
    po_rule(staff, org["east"], tier(roles(org["root"], "Approver")), over=0)
    for amount, text in ((900_000, "Big oven"), (100_000, "Small knife set")):
        services.submit(people["buyer"], org["miami"].id, po(amount, description=text), rates={})
    as_(client, people["approver"])
    big = client.get("/approvals/?queue=waiting&min_amount=5,000.00&currency=USD").text
    assert "Big oven" in big
    assert "Small knife set" not in big
    assert "Big oven" not in client.get("/approvals/?queue=waiting&older_than=1").text
    assert "Small knife set" in client.get("/approvals/?queue=waiting&subject=PURCHASE_ORDER").text


def test_a_delegate_sees_the_absent_approvers_requests_in_their_queue(client, pending, org, people):
    from datetime import timedelta

    from portal.models import utcnow
    from tests.unit.organizations.factories import external

    deputy = external(org["miami"], "Viewer", "deputy@grill.example")
    today = utcnow().date()
    services.delegate(
        people["approver"], org["root"].id, deputy.id, today, today + timedelta(days=1)
    )
    as_(client, deputy)
    assert client.get("/approvals/count").text == "1"
    assert "Kitchen equipment" in client.get("/approvals/").text
    assert "Approve</a>" in client.get(f"/approvals/requests/{pending.id}").text


def test_a_purchase_order_nobody_could_approve_is_refused_on_the_form(client, staff, org, people):
    """The rule at the root asks for an Approver; the only one works at East Division, below
    it, so an order placed at the root itself would wait for ever."""
    po_rule(staff, org["root"], tier(roles(org["root"], "Approver")))
    as_(client, people["admin"])
    refused = client.post(
        f"/approvals/nodes/{org['root'].id}/purchase-orders/new",
        data={"description": "Oven", "amount": "7,500.00", "currency": "USD"},
    )
    assert refused.status_code == 422
    assert "Nobody can approve this here yet" in refused.text
    assert db.session.query(ApprovalRequest).count() == 0
