"""Two approvers deciding at the same moment, each in a session and transaction of their own:
no decision is lost and no tier advances twice. Meaningful on PostgreSQL (row locks); SQLite
runs it too, serialised by its single writer and the version check."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import sqlalchemy as sa
from flask import current_app

from portal.approvals import services
from portal.approvals.models import ApprovalAssignee, ApprovalRequest, ApprovalStep
from portal.approvals.values import Decision, Status
from portal.domain import Refusal
from portal.extensions import db
from portal.security.models import User
from tests.factories import events
from tests.unit.approvals.factories import po, po_rule, roles, tier

pytestmark = pytest.mark.postgres


def at_once(user_ids, request_id):
    """Each user approves tier 0 of round 1 in a thread with its own app context."""
    app = current_app._get_current_object()
    barrier = threading.Barrier(len(user_ids))

    def approve(user_id):
        with app.app_context():
            try:
                user = db.session.get(User, user_id)
                barrier.wait()
                services.decide(user, request_id, Decision.APPROVE, "", round_=1, tier=0)
                return "ok"
            except Refusal as refused:
                return type(refused).__name__
            finally:
                db.session.remove()

    with ThreadPoolExecutor(len(user_ids)) as pool:
        return list(pool.map(approve, user_ids))


def steps(request_id):
    return db.session.scalars(
        sa.select(ApprovalStep).where(
            ApprovalStep.request_id == request_id, ApprovalStep.group_no.is_not(None)
        )
    ).all()


@pytest.mark.parametrize("attempt", range(5))
def test_two_groups_decided_at_once_advance_the_tier_exactly_once(staff, org, people, attempt):
    po_rule(
        staff,
        org["east"],
        tier(roles(org["root"], "Approver"), roles(org["root"], "Admin")),
        tier(roles(org["root"], "Admin")),
    )
    request = services.submit(people["buyer"], org["miami"].id, po(750_000), rates={})
    results = at_once([people["approver"].id, people["admin"].id], request.id)
    assert results == ["ok", "ok"]
    db.session.expire_all()
    request = db.session.get(ApprovalRequest, request.id)
    assert (request.status, request.tier) == (Status.PENDING, 1)
    assert sorted(s.group_no for s in steps(request.id)) == [0, 1]
    tier_two = db.session.scalars(
        sa.select(ApprovalAssignee.user_id).where(
            ApprovalAssignee.request_id == request.id, ApprovalAssignee.tier == 1
        )
    ).all()
    assert tier_two == [people["admin"].id]


@pytest.mark.parametrize("attempt", range(5))
def test_two_approvers_of_one_group_record_one_decision(staff, org, people, attempt):
    po_rule(staff, org["east"], tier(roles(org["root"], "Approver")))
    request = services.submit(people["buyer"], org["miami"].id, po(750_000), rates={})
    results = at_once([people["approver"].id, people["approver2"].id], request.id)
    assert sorted(results) in (["Conflict", "ok"], ["DomainError", "ok"])
    db.session.expire_all()
    assert db.session.get(ApprovalRequest, request.id).status == Status.APPROVED
    assert len(steps(request.id)) == 1
    assert len(events("ApprovalCompleted")) == 1
