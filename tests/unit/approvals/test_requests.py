"""Requests from submission to decision: routing by rule, currencies, separation of duties,
request changes and resubmit, cancel, idempotent decisions, delegation, the outbox."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from portal.approvals import services
from portal.approvals.models import ApprovalAssignee, ApprovalStep
from portal.approvals.values import Decision, Status
from portal.domain import Conflict, DomainError, Forbidden
from portal.extensions import db
from portal.models import utcnow
from tests.factories import events
from tests.unit.approvals.factories import po, po_rule, roles, tier

RATES = {"EUR/USD": "1.08"}


@pytest.fixture
def two_tiers(staff, org, people):
    """Over 5,000.00 USD at East Division: an Approver, then the Admin."""
    return po_rule(
        staff, org["east"], tier(roles(org["root"], "Approver")), tier(roles(org["root"], "Admin"))
    )


def submit(people, org, amount=750_000, currency="USD"):
    return services.submit(people["buyer"], org["miami"].id, po(amount, currency), rates=RATES)


def decide(user, request, decision=Decision.APPROVE, comment=""):
    return services.decide(
        user, request.id, decision, comment, round_=request.round, tier=request.tier
    )


def waiting_on(request):
    return set(
        db.session.scalars(
            sa.select(ApprovalAssignee.user_id).where(
                ApprovalAssignee.request_id == request.id,
                ApprovalAssignee.round == request.round,
                ApprovalAssignee.tier == request.tier,
            )
        )
    )


def test_an_order_over_the_threshold_waits_for_the_nearest_approvers(two_tiers, org, people):
    request = submit(people, org)
    assert request.status == Status.PENDING
    assert waiting_on(request) == {people["approver"].id, people["approver2"].id}
    assert [e.payload["amountMinor"] for e in events("ApprovalRequested")] == [750_000]


def test_an_order_under_the_threshold_needs_no_approval(two_tiers, org, people):
    request = submit(people, org, amount=500_000)
    assert request.status == Status.APPROVED
    assert events("ApprovalCompleted")[0].payload["outcome"] == "APPROVED"


def test_a_descendant_rule_replaces_the_inherited_one(two_tiers, staff, org, people):
    po_rule(staff, org["miami"], tier(roles(org["root"], "Admin")), over=1_000_000, name="Miami")
    assert submit(people, org).status == Status.APPROVED  # 7,500 is under Miami's 10,000


def test_other_currencies_convert_with_a_rate_or_are_refused(two_tiers, org, people):
    assert submit(people, org, 470_000, "EUR").status == Status.PENDING  # 5,076 USD
    with pytest.raises(DomainError) as refused:
        submit(people, org, 900_000, "GBP")
    assert "no rate converts GBP" in refused.value.errors["currency"][0]


def test_both_tiers_approve(two_tiers, org, people):
    request = submit(people, org)
    request = decide(people["approver"], request)
    assert (request.status, request.tier) == (Status.PENDING, 1)
    assert waiting_on(request) == {people["admin"].id}
    request = decide(people["admin"], request)
    assert request.status == Status.APPROVED
    assert [e.payload["decision"] for e in events("ApprovalStepDecided")] == ["APPROVE"] * 2


def test_the_requester_never_approves_their_own_request(staff, org, people):
    po_rule(staff, org["east"], tier(roles(org["root"], "Approver")))
    request = services.submit(people["approver"], org["miami"].id, po(750_000), rates={})
    with pytest.raises(DomainError, match="you submitted"):
        decide(people["approver"], request)


def test_one_person_cannot_satisfy_two_groups_of_a_tier(staff, org, people):
    po_rule(
        staff, org["east"], tier(roles(org["root"], "Approver"), roles(org["root"], "Approver"))
    )
    request = submit(people, org)
    request = decide(people["approver"], request)
    assert decide(people["approver"], request).status == Status.PENDING  # a repeat, no 2nd group
    with pytest.raises(DomainError, match="already decided"):
        decide(people["approver"], request, Decision.REJECT, "Changed my mind")
    assert len(events("ApprovalStepDecided")) == 1
    assert decide(people["approver2"], request).status == Status.APPROVED


def test_rejection_needs_a_comment_and_rejects_the_whole_flow(two_tiers, org, people):
    request = submit(people, org)
    with pytest.raises(DomainError) as refused:
        decide(people["approver"], request, Decision.REJECT)
    assert "comment" in refused.value.errors
    request = decide(people["approver"], request, Decision.REJECT, "Over budget")
    assert request.status == Status.REJECTED
    assert events("ApprovalCompleted")[0].payload["outcome"] == "REJECTED"


def test_changes_requested_then_resubmitted_restarts_the_chain_and_keeps_history(
    two_tiers, org, people
):
    request = submit(people, org)
    request = decide(people["approver"], request, Decision.REQUEST_CHANGES, "Split the order")
    assert request.status == Status.CHANGES_REQUESTED
    request = services.resubmit(
        people["buyer"], request.id, po(760_000, description="Oven only"), rates=RATES
    )
    assert (request.status, request.round, request.tier) == (Status.PENDING, 2, 0)
    request = decide(people["approver"], request)
    request = decide(people["admin"], request)
    assert request.status == Status.APPROVED
    actions = db.session.scalars(
        sa.select(ApprovalStep.action)
        .where(ApprovalStep.request_id == request.id)
        .order_by(ApprovalStep.id)
    ).all()
    assert actions == ["SUBMITTED", "REQUEST_CHANGES", "RESUBMITTED", "APPROVE", "APPROVE"]


def test_only_the_requester_resubmits_or_cancels(two_tiers, org, people):
    request = submit(people, org)
    with pytest.raises(Forbidden, match="Only the requester"):
        services.cancel(people["approver"], request.id)
    with pytest.raises(Conflict):
        services.resubmit(people["buyer"], request.id, po(1), rates={})
    assert services.cancel(people["buyer"], request.id).status == Status.CANCELLED


def test_repeating_a_decision_is_idempotent_and_a_stale_one_conflicts(two_tiers, org, people):
    request = submit(people, org)
    seen = (request.round, request.tier)
    decide(people["approver"], request)
    again = services.decide(people["approver"], request.id, Decision.APPROVE, "", round_=1, tier=0)
    assert (again.tier, len(events("ApprovalStepDecided"))) == (1, 1)
    with pytest.raises(Conflict):
        services.decide(
            people["approver2"], request.id, Decision.APPROVE, "", round_=seen[0], tier=seen[1]
        )


def test_a_delegate_decides_on_behalf_of_an_absent_approver(staff, org, people):
    po_rule(staff, org["east"], tier(roles(org["root"], "Admin")))
    deputy = people["buyer2"] = _viewer(org)
    today = utcnow().date()
    services.delegate(
        people["admin"], org["root"].id, deputy.id, today, today + timedelta(days=3), "Holiday"
    )
    request = submit(people, org)
    request = decide(deputy, request)
    assert request.status == Status.APPROVED
    decided = events("ApprovalStepDecided")[0].payload
    assert (decided["deciderId"], decided["onBehalfOfId"]) == (deputy.id, people["admin"].id)


def test_delegation_needs_authority_and_a_member_and_an_open_period(org, people):
    today = utcnow().date()
    with pytest.raises(DomainError, match="no approval authority"):
        services.delegate(people["buyer"], org["root"].id, people["approver"].id, today, today)
    with pytest.raises(DomainError):
        services.delegate(people["approver"], org["root"].id, people["approver"].id, today, today)
    with pytest.raises(DomainError):
        services.delegate(
            people["approver"],
            org["root"].id,
            people["buyer"].id,
            date(2020, 1, 1),
            date(2020, 1, 2),
        )


def _viewer(org):
    from tests.unit.organizations.factories import external

    return external(org["miami"], "Viewer", "deputy@grill.example")


def test_a_rule_whose_tier_has_no_eligible_approver_is_refused(staff, org, people):
    from portal.organizations import services as org_services

    finance = org_services.save_role(
        staff,
        org["root"].id,
        None,
        "Controller",
        "",
        ["org:view", "org:approvals:decide"],
        {"org:view", "org:approvals:decide"},
    )
    from portal.approvals.rules import Group

    with pytest.raises(DomainError) as refused:
        po_rule(
            staff, org["east"], tier(roles(org["root"], "Approver")), tier(Group((finance.id,)))
        )
    assert (
        "Tier 2 has no eligible approver in group A (Controller)"
        in refused.value.errors["chain"][0]
    )


def test_a_role_that_cannot_decide_approvals_is_refused(staff, org, people):
    with pytest.raises(DomainError, match="Buyer cannot decide approvals"):
        po_rule(staff, org["east"], tier(roles(org["root"], "Buyer")))


def test_emitted_payloads_have_exactly_the_catalogued_fields(two_tiers, org, people):
    from portal.events.catalogue import CATALOGUE

    request = submit(people, org)
    decide(people["approver"], request, Decision.REJECT, "No")
    emitted = [e for e in events() if e.aggregate_type == "approval_request"]
    assert {e.type for e in emitted} >= {
        "ApprovalRequested",
        "ApprovalStepDecided",
        "ApprovalCompleted",
    }
    for event in emitted:
        assert set(event.payload) == set(CATALOGUE[event.type].fields), event.type


def test_every_step_is_audited_with_whom_it_was_for(staff, org, people):
    from portal.security.models import AuditEntry

    po_rule(staff, org["east"], tier(roles(org["root"], "Admin")))
    deputy = _viewer(org)
    today = utcnow().date()
    services.delegate(people["admin"], org["root"].id, deputy.id, today, today)
    request = submit(people, org)
    decide(deputy, request)
    trail = {
        (e.action, e.actor, e.summary)
        for e in db.session.scalars(sa.select(AuditEntry).where(AuditEntry.record_id == request.id))
    }
    assert (
        "approval.requested",
        "buyer@grill.example",
        "buyer@grill.example asked to approve Kitchen equipment",
    ) in trail
    assert (
        "approval.decided",
        "deputy@grill.example",
        "approve at tier 1 on behalf of admin@grill.example",
    ) in trail
    assert ("approval.completed", "deputy@grill.example", "Kitchen equipment: approved") in trail


def test_the_request_event_names_the_rule_it_falls_under(two_tiers, org, people):
    submit(people, org)
    assert events("ApprovalRequested")[0].payload["ruleId"] == two_tiers.id
