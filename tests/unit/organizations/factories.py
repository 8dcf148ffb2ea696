"""Organisations for tests: a B2B customer's tree, and external people holding roles in it."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from portal.customers import services as customer_services
from portal.customers.values import CustomerType
from portal.extensions import db
from portal.organizations import services
from portal.organizations.models import (
    OrganizationMember,
    OrganizationNode,
    OrganizationRole,
    RoleAssignment,
)
from portal.organizations.values import MemberStatus, NodeType
from portal.security.models import User
from portal.security.passwords import hash_password
from tests.conftest import DEFAULT_PASSWORD
from tests.factories import new_customer


def organization(staff: User, name: str = "Caribbean Grill Group", code: str = "CGG"):
    customer = customer_services.register_customer(
        staff, new_customer(CustomerType.FULL_SERVICE_RESTAURANT, name=name)
    )
    return services.create_organization(staff, customer.id, name, code)


def grill_group(staff: User, prefix: str = "") -> dict[str, OrganizationNode]:
    """Caribbean Grill Group > East Division > Miami Beach > Kitchen, and a West Division."""
    root = organization(staff, f"{prefix}Caribbean Grill Group", f"{prefix}CGG")
    east = services.add_node(staff, root.id, NodeType.DIVISION, "East Division", f"{prefix}EAST")
    west = services.add_node(staff, root.id, NodeType.DIVISION, "West Division", f"{prefix}WEST")
    miami = services.add_node(staff, east.id, NodeType.LOCATION, "Miami Beach", f"{prefix}MIA")
    kitchen = services.add_node(staff, miami.id, NodeType.DEPARTMENT, "Kitchen", f"{prefix}MIA-K")
    return {"root": root, "east": east, "west": west, "miami": miami, "kitchen": kitchen}


def role(root: OrganizationNode, name: str) -> OrganizationRole:
    return db.session.scalar(
        sa.select(OrganizationRole).where(
            OrganizationRole.organization_id == root.id, OrganizationRole.name == name
        )
    )


def external(node: OrganizationNode, role_name: str, email: str | None = None) -> User:
    """A customer's person holding `role_name` at `node`, with a local password."""
    n = db.session.scalar(sa.select(sa.func.count()).select_from(User)) + 1
    user = User(
        email=email or f"person{n}@customer.example",
        name=f"Person {n}",
        password_hash=hash_password(DEFAULT_PASSWORD),
        kind="external",
        active=True,
    )
    db.session.add(user)
    db.session.flush()
    return join(user, node, role_name)


def join(user: User, node: OrganizationNode, role_name: str) -> User:
    """Make `user` an active member of `node`'s organisation holding `role_name` at `node` (a
    second organisation for someone who already belongs to one)."""
    root = db.session.get(OrganizationNode, node.organization_id)
    member = OrganizationMember(
        organization_id=root.id,
        user_id=user.id,
        start_date=date(2026, 1, 1),
        status=MemberStatus.ACTIVE,
    )
    db.session.add(member)
    db.session.flush()
    db.session.add(
        RoleAssignment(
            member_id=member.id,
            role_id=role(root, role_name).id,
            node_id=node.id,
            node_path=node.path,
            created_by="test",
        )
    )
    db.session.commit()
    return user


def member_of(user: User) -> OrganizationMember:
    return db.session.scalar(
        sa.select(OrganizationMember).where(OrganizationMember.user_id == user.id)
    )
