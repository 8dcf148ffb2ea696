"""The demo rule: on the demo organisation's East Division, once."""

from __future__ import annotations

import sqlalchemy as sa

from portal.approvals.demo import seed_demo_approvals
from portal.approvals.models import ApprovalRule
from portal.demo import seed_demo_users
from portal.extensions import db
from portal.organizations.demo import seed_demo_organization


def test_the_demo_rule_is_seeded_once(app):
    seed_demo_approvals()  # no demo organisation yet: nothing to do
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ApprovalRule)) == 0
    seed_demo_users()
    seed_demo_organization()
    seed_demo_approvals()
    seed_demo_approvals()
    rule = db.session.scalars(sa.select(ApprovalRule)).one()
    assert (rule.name, rule.thresholds) == ("Large orders in the East", {"USD": 500_000})
