"""The demo world for tests that walk the whole portal (crawl, fuzz): the demo accounts,
customers, organisation and approval rule that `make run` loads, plus what the demo leaves
empty — a second organisation with its own admin, a pending purchase order, a data-subject
request, an API token — so every route has real ids to open."""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa

from portal.demo import demo_accounts, seed_demo_customers, seed_demo_users
from portal.extensions import db
from portal.organizations.demo import seed_demo_organization
from portal.security.models import User
from tests.unit.organizations.factories import external, grill_group

DEMO_CUSTOMERS = 24


@dataclass
class World:
    """Who signs in: every demo account by its role label, plus `outsider` (the admin of a
    second organisation), `nobody` (signed in, no role) and the second organisation's ids."""

    users: dict[str, User] = field(default_factory=dict)
    other_organization_nodes: list[str] = field(default_factory=list)


def build_world() -> World:
    from portal.approvals import services as approvals
    from portal.approvals.demo import seed_demo_approvals
    from portal.approvals.values import Subject
    from portal.compliance.services import NewRequest, receive_request
    from portal.compliance.values import Channel, Jurisdiction, RequestType
    from portal.models import utcnow
    from portal.organizations.models import OrganizationNode

    seed_demo_users()
    seed_demo_customers(DEMO_CUSTOMERS, seed=7)
    org_accounts = seed_demo_organization()
    seed_demo_approvals()
    world = World()
    for account in [*demo_accounts(), *org_accounts]:
        world.users[account.role] = db.session.scalar(
            sa.select(User).where(User.email == account.email)
        )
    admin = world.users["Administrator"]

    other = grill_group(admin, prefix="Z-")
    world.users["outsider"] = external(other["root"], "Admin", "outsider@zeta.example")
    world.other_organization_nodes = [node.id for node in other.values()]
    nobody = User(email="nobody@staff.efi.example", name="No Role", kind="staff", active=True)
    db.session.add(nobody)
    db.session.commit()
    world.users["nobody"] = nobody

    buyer = world.users["Grill Group buyer"]
    miami = db.session.scalar(sa.select(OrganizationNode).where(OrganizationNode.code == "MIA"))
    approvals.submit(
        buyer,
        miami.id,
        approvals.Draft(
            Subject.PURCHASE_ORDER,
            "Walk-in freezer",
            amount_minor=750_000,
            currency="USD",
            lines=[{"sku": "FRZ-1", "quantity": 1, "amountMinor": 750_000}],
        ),
        rates={},
    )
    receive_request(
        world.users["Compliance officer"],
        NewRequest(
            request_type=RequestType.ACCESS,
            jurisdiction=Jurisdiction.GDPR,
            channel=Channel.EMAIL,
            received_at=utcnow(),
            requester_name="Crawl Requester",
            requester_email="requester@example.com",
        ),
    )
    _duplicates(admin)
    return world


def _duplicates(admin: User) -> None:
    """A pair to review and a merge to undo (the matcher's own finds are its tests' business)."""
    from portal.customers.models import Customer
    from portal.duplicates import services
    from portal.duplicates.models import DuplicateCandidate
    from portal.duplicates.values import CandidateSource, CandidateStatus, MergeRequest

    people = [
        c
        for c in db.session.scalars(sa.select(Customer).order_by(Customer.id))
        if not c.customer_type.is_b2b
    ]
    for a, b in ((people[0], people[1]), (people[2], people[3])):
        db.session.add(
            DuplicateCandidate(
                customer_a=a.id,
                customer_b=b.id,
                probability=0.97,
                match_weight=5.0,
                weights=[{"field": "phone", "label": "same phone", "weight": 5.0}],
                status=CandidateStatus.OPEN,
                source=CandidateSource.SCAN,
            )
        )
    db.session.commit()
    services.merge(
        admin,
        MergeRequest(people[2].id, people[3].id, people[2].version_id, people[3].version_id),
    )
