"""Who is who for approvals: role holders up the tree, delegations, finance staff.

Reads the organisation tables directly (one query each) instead of going through pages'
queries, because approvals need them per group and per tier.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import ColumnElement, Select, and_, or_, select

from portal.approvals.models import ApprovalDelegation, ApprovalRequest
from portal.approvals.rules import Group
from portal.approvals.values import STAFF_SUBJECTS
from portal.extensions import db
from portal.organizations.models import (
    OrganizationMember,
    OrganizationNode,
    OrganizationRole,
    RoleAssignment,
)
from portal.organizations.queries import memberships, under
from portal.organizations.rules import ancestor_paths
from portal.organizations.values import MemberStatus
from portal.security.models import User, role_permission, user_role

Node = OrganizationNode
Delegation = ApprovalDelegation
Request = ApprovalRequest


def _active(today: date):
    return and_(
        OrganizationMember.status == MemberStatus.ACTIVE,
        OrganizationMember.start_date <= today,
        or_(OrganizationMember.end_date.is_(None), OrganizationMember.end_date >= today),
        User.active.is_(True),
    )


def _holders(role_id: str, where, today: date) -> list[tuple[int, str]]:
    """(depth of the node where it is held, user id) of active members holding the role."""
    rows = db.session.execute(
        select(Node.depth, OrganizationMember.user_id)
        .select_from(RoleAssignment)
        .join(Node, Node.id == RoleAssignment.node_id)
        .join(OrganizationMember, OrganizationMember.id == RoleAssignment.member_id)
        .join(User, User.id == OrganizationMember.user_id)
        .where(RoleAssignment.role_id == role_id, where, _active(today))
    ).all()
    return [(r.depth, r.user_id) for r in rows]


def role_holders_up(role_id: str, node: OrganizationNode, level: int, today: date) -> set[str]:
    """Holders of the role at the nearest node, from `node` upwards, where anybody holds it;
    `level` skips that many such nodes (escalation: the same role one level higher)."""
    found = _holders(role_id, Node.path.in_(ancestor_paths(node.path)), today)
    depths = sorted({depth for depth, _ in found}, reverse=True)
    if level >= len(depths):
        return set()
    return {user for depth, user in found if depth == depths[level]}


def named_members(organization_id: str, user_ids, today: date) -> set[str]:
    if not user_ids:
        return set()
    return set(
        db.session.scalars(
            select(OrganizationMember.user_id)
            .join(User, User.id == OrganizationMember.user_id)
            .where(
                OrganizationMember.organization_id == organization_id,
                OrganizationMember.user_id.in_(list(user_ids)),
                _active(today),
            )
        )
    )


def staff_holders(permission: str) -> Select:
    """The ids of the active staff holding `permission` (a subquery for the queues)."""
    return (
        select(User.id)
        .join(user_role, user_role.c.user_id == User.id)
        .join(role_permission, role_permission.c.role_id == user_role.c.role_id)
        .where(role_permission.c.permission_name == permission, User.active.is_(True))
    )


def staff_holding(permission: str) -> set[str]:
    return set(db.session.scalars(staff_holders(permission)))


def group_assignees(
    group: Group, node: OrganizationNode | None, level: int, today: date
) -> dict[str, str]:
    """user id → why they are asked ("Approver at East Division", "named", "finance")."""
    found: dict[str, str] = {}
    if group.staff_permission:
        found |= dict.fromkeys(staff_holding(group.staff_permission), "EFI finance")
    if node is None:
        return found
    for role_id in group.roles:
        role = db.session.get(OrganizationRole, role_id)
        name = role.name if role else "role"
        for user_id in role_holders_up(role_id, node, level, today):
            found.setdefault(user_id, name)
    for user_id in named_members(node.organization_id, group.members, today):
        found.setdefault(user_id, "named")
    return found


def eligible_for_rule(group: Group, node: OrganizationNode, today: date) -> set[str]:
    """Everyone who could ever be asked for this group by a request at `node` or below: role
    holders above or below it, and named active members (for the rule editor's check)."""
    people = named_members(node.organization_id, group.members, today)
    scope = or_(Node.path.in_(ancestor_paths(node.path)), under(node.path))
    for role_id in group.roles:
        people |= {user for _, user in _holders(role_id, scope, today)}
    return people


def requester_roles(user_id: str, node: OrganizationNode, today: date) -> set[str]:
    """Ids of the roles the user holds at `node` or above."""
    return set(
        db.session.scalars(
            select(RoleAssignment.role_id)
            .join(Node, Node.id == RoleAssignment.node_id)
            .join(OrganizationMember, OrganizationMember.id == RoleAssignment.member_id)
            .join(User, User.id == OrganizationMember.user_id)
            .where(
                OrganizationMember.user_id == user_id,
                Node.path.in_(ancestor_paths(node.path)),
                _active(today),
            )
        )
    )


def covering(delegate_id: str, today: date) -> ColumnElement[bool]:
    """The one rule of delegation, on ApprovalDelegation and ApprovalRequest together: a
    delegation to `delegate_id` covers a request today when it is not revoked, today lies
    between its dates, and it was made where the request is decided: in the request's
    organisation, or, for what EFI staff decide, among staff (no organisation)."""
    staff_subject = Request.subject.in_(list(STAFF_SUBJECTS))
    return and_(
        Delegation.delegate_id == delegate_id,
        Delegation.revoked_at.is_(None),
        Delegation.starts_on <= today,
        Delegation.ends_on >= today,
        or_(
            and_(staff_subject, Delegation.organization_id.is_(None)),
            and_(~staff_subject, Delegation.organization_id == Request.organization_id),
        ),
    )


def delegators_of(user_id: str, request: ApprovalRequest, today: date) -> set[str]:
    """Who delegated to `user_id`, for today, their authority over `request`."""
    return set(
        db.session.scalars(
            select(Delegation.delegator_id).where(
                Request.id == request.id, covering(user_id, today)
            )
        )
    )


def organizations_of(user_id: str) -> list[tuple[str, str]]:
    """(id, name) of the organisations the user is an active member of, by name."""
    ids = [organization_id for organization_id, _ in memberships(user_id)]
    return list(
        db.session.execute(
            select(Node.id, Node.name).where(Node.id.in_(ids)).order_by(Node.name)
        ).all()
    )


def role_choices(organization_id: str) -> list[tuple[str, str]]:
    return list(
        db.session.execute(
            select(OrganizationRole.id, OrganizationRole.name)
            .where(OrganizationRole.organization_id == organization_id)
            .order_by(OrganizationRole.name)
        ).all()
    )


def member_choices(organization_id: str, today: date) -> list[tuple[str, str]]:
    return list(
        db.session.execute(
            select(User.id, User.name)
            .join(OrganizationMember, OrganizationMember.user_id == User.id)
            .where(
                OrganizationMember.organization_id == organization_id,
                OrganizationMember.status == MemberStatus.ACTIVE,
                or_(OrganizationMember.end_date.is_(None), OrganizationMember.end_date >= today),
            )
            .order_by(User.name)
        ).all()
    )


def staff_choices() -> list[tuple[str, str]]:
    """(id, name) of the active EFI staff: who may cover for a staff approver."""
    return list(
        db.session.execute(
            select(User.id, User.name)
            .where(User.kind == "staff", User.active.is_(True))
            .order_by(User.name)
        ).all()
    )
