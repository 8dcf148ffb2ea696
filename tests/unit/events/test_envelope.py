"""The envelope of published events says what docs/events.md says: aggregateId, actor and an
occurredAt that never runs backwards within one aggregate."""

from __future__ import annotations

from itertools import pairwise

from sqlalchemy import select

from portal.approvals import services as approvals
from portal.customers import services as customers
from portal.customers.values import CustomerStatus
from portal.events.models import OutboxEvent
from portal.events.schema import ENVELOPE_DOC, aggregate_field
from portal.extensions import db
from portal.organizations import services as organizations
from portal.security.models import User
from tests.unit.approvals.factories import po
from tests.unit.organizations.factories import external, grill_group
from tests.unit.organizations.test_member_services import invite


def _events() -> list[OutboxEvent]:
    return list(db.session.scalars(select(OutboxEvent).order_by(OutboxEvent.seq)))


def test_occurred_at_never_runs_backwards_within_an_aggregate(staff, customer):
    for status in (CustomerStatus.SUSPENDED, CustomerStatus.ACTIVE, CustomerStatus.INACTIVE):
        customers.change_status(staff, customer.id, status, reason="CHECK")
    mine = [e for e in _events() if e.aggregate_id == customer.id]
    assert {"CustomerAccountDeactivated", "CustomerAccountReactivated"} <= {e.type for e in mine}
    for earlier, later in pairwise(mine):
        assert earlier.occurred_at <= later.occurred_at, (earlier.type, later.type)


def test_aggregate_and_actor_of_approval_and_membership_events_are_as_documented(staff):
    org = grill_group(staff)
    buyer = external(org["miami"], "Buyer", "buyer@grill.example")
    approvals.submit(buyer, org["miami"].id, po(100), rates={})
    organizations.accept_invitation(invite(staff, org["miami"], "Buyer"), "Nia", "long password 1")
    events = _events()
    assert {"ApprovalRequested", "OrganizationMemberInvited", "OrganizationMemberJoined"} <= {
        e.type for e in events
    }
    users = set(db.session.scalars(select(User.id)))
    for event in events:
        field = aggregate_field(event.type)
        assert f"`{field}`" in ENVELOPE_DOC["aggregateId"]
        assert event.aggregate_id == event.payload[field], event.type
        assert event.actor == "system" or event.actor in users, event.type
    assert buyer.id in {e.actor for e in events if e.type.startswith("Approval")}
