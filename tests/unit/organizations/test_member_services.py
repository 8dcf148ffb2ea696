"""Members, roles and invitations: no escalation, single-use links, deactivation cuts access."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from portal.domain import DomainError, NotFound
from portal.events.catalogue import ORGANIZATION_EVENTS as ORG_EVENTS
from portal.extensions import db
from portal.models import utcnow
from portal.organizations import queries, services
from portal.organizations.models import Invitation, OrganizationMember, RoleAssignment
from portal.organizations.services.members import InvitationInvalid
from portal.organizations.values import MemberStatus
from portal.security.models import AuthSession, User
from tests.conftest import DEFAULT_PASSWORD
from tests.factories import events
from tests.unit.organizations.factories import external, grill_group, member_of, role


@pytest.fixture
def org(staff):
    return grill_group(staff)


class Outbox:
    def __init__(self):
        self.sent = []

    def send_invitation(self, **message):
        self.sent.append(message)


def held(user, node):
    return services.held_at(user, node.organization_id, node.path, utcnow().date())


def invite(actor, node, role_name, email="new.buyer@grill.example"):
    outbox = Outbox()
    root = db.session.get(type(node), node.organization_id)
    services.invite(
        actor,
        node.id,
        email,
        "New Buyer",
        role(root, role_name).id,
        held(actor, node),
        outbox,
        lambda token: f"https://portal.example/organizations/invitations/accept/{token}",
    )
    return outbox.sent[0]["link"].rsplit("/", 1)[1]


def test_an_invitation_is_accepted_once(staff, org):
    token = invite(staff, org["miami"], "Buyer")
    stored = db.session.scalar(sa.select(Invitation))
    assert token not in stored.token_hash
    user = services.accept_invitation(token, "Nia Buyer", "a long enough password")
    assert user.kind == "external"
    assert not user.roles
    grants = queries.grants(user.id, org["root"].id, utcnow().date())
    assert [g.path for g in grants] == [org["miami"].path]
    assert held(user, org["kitchen"]) >= {"org:orders:create"}
    assert held(user, org["west"]) == set()
    with pytest.raises(InvitationInvalid):
        services.accept_invitation(token, "Again", "a long enough password")
    joined = events("OrganizationMemberJoined")[0]
    assert set(joined.payload) == set(ORG_EVENTS["OrganizationMemberJoined"].fields)


def test_an_expired_invitation_is_refused(staff, org):
    token = invite(staff, org["miami"], "Buyer")
    db.session.execute(sa.update(Invitation).values(expires_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    with pytest.raises(InvitationInvalid):
        services.accept_invitation(token, "Late", "a long enough password")


def test_a_location_manager_cannot_hand_out_admin(staff, org):
    manager = external(org["miami"], "Admin")
    # Admin at Miami holds everything there, but nothing at West.
    with pytest.raises(DomainError) as refused:
        invite(manager, org["west"], "Buyer")
    assert "role" in refused.value.errors
    buyer = external(org["miami"], "Buyer")
    services.assign_role(
        manager,
        member_of(buyer).id,
        role(org["root"], "Approver").id,
        org["kitchen"].id,
        held(manager, org["kitchen"]),
    )


def test_nobody_grants_more_than_they_hold(staff, org):
    root = org["root"]
    custom = services.save_role(
        staff,
        root.id,
        None,
        "Role keeper",
        "",
        ["org:view", "org:roles:manage", "org:members:manage"],
        held(staff, root),
    )
    keeper = external(root, "Viewer")
    services.assign_role(staff, member_of(keeper).id, custom.id, root.id, held(staff, root))
    mine = held(keeper, root)
    assert mine == {"org:view", "org:roles:manage", "org:members:manage"}

    with pytest.raises(DomainError) as refused:
        services.save_role(
            keeper, root.id, None, "Big buyer", "", ["org:view", "org:orders:create"], mine
        )
    assert "org:orders:create" in refused.value.errors["permissions"][0]
    with pytest.raises(DomainError) as assigning:
        services.assign_role(keeper, member_of(keeper).id, role(root, "Admin").id, root.id, mine)
    assert "you do not hold" in assigning.value.errors["role"][0]
    with pytest.raises(DomainError):
        services.save_role(
            keeper, root.id, custom.id, "Role keeper", "", ["org:view", "org:billing:view"], mine
        )
    small = services.save_role(keeper, root.id, None, "Looker", "", ["org:view"], mine)
    assert small.permissions == ["org:view"]
    assert set(events("OrganizationRoleSaved")[0].payload) == set(
        ORG_EVENTS["OrganizationRoleSaved"].fields
    )


def test_predefined_roles_are_not_edited(staff, org):
    with pytest.raises(DomainError):
        services.save_role(
            staff,
            org["root"].id,
            role(org["root"], "Buyer").id,
            "Buyer",
            "",
            ["org:view"],
            held(staff, org["root"]),
        )


def test_deactivating_a_member_ends_their_sessions_at_once(staff, org):
    buyer = external(org["miami"], "Buyer")
    db.session.add(AuthSession(id="buyer-session", user_id=buyer.id, method="local"))
    db.session.commit()
    member = member_of(buyer)
    services.set_member_status(staff, member.id, MemberStatus.INACTIVE)
    ended = db.session.get(AuthSession, "buyer-session")
    assert ended.ended_at is not None
    assert ended.ended_reason == "member_deactivated"
    assert db.session.get(User, buyer.id).active is False
    assert queries.grants(buyer.id, org["root"].id, utcnow().date()) is None
    services.set_member_status(staff, member.id, MemberStatus.ACTIVE)
    assert db.session.get(User, buyer.id).active is True


def test_an_end_date_in_the_past_ends_access(staff, org):
    buyer = external(org["miami"], "Buyer")
    member = member_of(buyer)
    services.set_end_date(staff, member.id, utcnow().date() - timedelta(days=1))
    assert queries.grants(buyer.id, org["root"].id, utcnow().date()) is None
    with pytest.raises(DomainError):
        services.set_end_date(staff, member.id, member.start_date - timedelta(days=1))


def test_revoking_a_role(staff, org):
    buyer = external(org["miami"], "Buyer")
    assignment = db.session.scalar(sa.select(RoleAssignment))
    services.revoke_role(staff, assignment.id, held(staff, org["miami"]))
    assert queries.grants(buyer.id, org["root"].id, utcnow().date()) == []
    assert db.session.scalar(sa.select(OrganizationMember.status)) == MemberStatus.ACTIVE


def test_an_existing_account_joins_with_its_own_password(staff, org):
    other = grill_group(staff, prefix="O")
    person = external(other["miami"], "Buyer", email="nia@grill.example")
    token = invite(staff, org["miami"], "Buyer", email="nia@grill.example")
    with pytest.raises(DomainError) as refused:
        services.accept_invitation(token, "Nia", "somebody else's guess")
    assert "enter its password" in refused.value.errors["password"][0]
    joined = services.accept_invitation(token, "Nia", DEFAULT_PASSWORD)
    assert joined.id == person.id
    assert queries.grants(person.id, org["root"].id, utcnow().date())
    assert queries.grants(person.id, other["root"].id, utcnow().date())


def test_member_changes_are_on_the_organisation_history(staff, org):
    buyer = external(org["miami"], "Buyer")
    services.set_member_status(staff, member_of(buyer).id, MemberStatus.INACTIVE)
    summaries = [row.summary for row in queries.history(org["root"].id)]
    assert f"{buyer.email} deactivated" in summaries


def test_what_a_use_case_acts_on_is_found_by_id(staff, org):
    """An id of nothing, or a role of another organisation, is NotFound and saves nothing."""
    other = grill_group(staff, prefix="O")
    with pytest.raises(NotFound):
        services.save_role(
            staff,
            org["root"].id,
            role(other["root"], "Buyer").id,
            "Mine",
            "",
            ["org:view"],
            {"org:view"},
        )
    with pytest.raises(NotFound):
        services.revoke_invitation(staff, "no-such-invitation")
    with pytest.raises(NotFound):
        services.set_member_status(staff, "no-such-member", MemberStatus.INACTIVE)
    assert role(other["root"], "Buyer").name == "Buyer"
