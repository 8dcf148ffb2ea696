"""The demo organisation behind `make run`."""

from __future__ import annotations

import sqlalchemy as sa

from portal.demo import seed_demo_users
from portal.extensions import db
from portal.models import utcnow
from portal.organizations import queries, rules
from portal.organizations.demo import ACCOUNTS, seed_demo_organization
from portal.organizations.models import OrganizationNode
from portal.security.models import User


def test_the_demo_organisation_is_built_once_with_its_people():
    seed_demo_users()
    assert seed_demo_organization() == list(ACCOUNTS)
    count = db.session.scalar(sa.select(sa.func.count()).select_from(OrganizationNode))
    seed_demo_organization()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OrganizationNode)) == count
    assert count == 14

    admin = db.session.scalar(sa.select(User).where(User.email == ACCOUNTS[0].email))
    assert admin.kind == "external"
    assert admin.is_demo
    root = db.session.scalar(sa.select(OrganizationNode).where(OrganizationNode.code == "CGG"))
    grants = queries.grants(admin.id, root.id, utcnow().date())
    assert [g.path for g in grants] == [root.path]

    kitchen = db.session.scalar(
        sa.select(OrganizationNode).where(OrganizationNode.code == "MIA-KIT")
    )
    found = {a.field: a for a in rules.effective_attributes(queries.chain(kitchen))}
    assert found["shipping_method"].value == "REFRIGERATED"
    assert [a.name for a in found["shipping_method"].inherited_from] == [
        "Caribbean Grill Group",
        "East Division",
    ]
