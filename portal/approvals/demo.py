"""Demo approval rule for `make run`: purchase orders over 5,000.00 USD at the demo
organisation's East Division need the Grill Group admin's approval. Running it twice changes
nothing."""

from __future__ import annotations

from sqlalchemy import select

from portal.approvals.models import ApprovalRule
from portal.approvals.rules import Group, Tier
from portal.approvals.services import RuleDraft, save_rule
from portal.approvals.values import DeadlineUnit, Operator, Subject
from portal.demo import demo_accounts
from portal.extensions import db
from portal.organizations.demo import NAME
from portal.organizations.models import OrganizationNode, OrganizationRole
from portal.security.models import User


def seed_demo_approvals() -> None:
    root = db.session.scalar(
        select(OrganizationNode).where(
            OrganizationNode.name == NAME, OrganizationNode.parent_id.is_(None)
        )
    )
    if root is None or db.session.scalar(
        select(ApprovalRule.id).where(ApprovalRule.organization_id == root.id)
    ):
        return
    east = db.session.scalar(
        select(OrganizationNode).where(
            OrganizationNode.organization_id == root.id, OrganizationNode.code == "EAST"
        )
    )
    admin_role = db.session.scalar(
        select(OrganizationRole.id).where(
            OrganizationRole.organization_id == root.id, OrganizationRole.name == "Admin"
        )
    )
    email = next(a.email for a in demo_accounts() if a.role == "Administrator")
    actor = db.session.scalar(select(User).where(User.email == email))
    save_rule(
        actor,
        east.id,
        RuleDraft(
            name="Large orders in the East",
            subject=Subject.PURCHASE_ORDER,
            operator=Operator.GT,
            thresholds={"USD": 500_000},
            chain=(Tier((Group((admin_role,)),), 2, DeadlineUnit.WORKING_DAYS),),
        ),
    )
