"""Organisation-scoped authorization.

`@require_org(permission)` marks the view the way `@require` does (so the permission tests and
docs see it) and settles staff at once: `customer:manage` opens every organisation,
`customer:read` opens the read-only `org:view` pages. People of a customer are checked where
the object is loaded: anything outside their organisation answers 404, as if it did not exist;
inside it, a missing permission at that node answers 403.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import wraps

from flask import abort, g, request
from flask_login import current_user

from portal.extensions import db, login_manager
from portal.models import utcnow
from portal.organizations import queries, rules
from portal.organizations.models import (
    Invitation,
    OrganizationMember,
    OrganizationNode,
    OrganizationRole,
    RoleAssignment,
)
from portal.organizations.permissions import ORG_PERMISSIONS, VIEW
from portal.organizations.services import held_at
from portal.organizations.values import EXTERNAL
from portal.security import audit
from portal.security.access import ATTRIBUTE


def is_external(user) -> bool:
    return user.kind == EXTERNAL


def staff_allowed(user, permission: str) -> bool:
    return user.can("customer:manage") or (permission == VIEW and user.can("customer:read"))


def _deny(permission: str) -> None:
    audit.record_now(
        "access.denied",
        outcome=audit.DENIED,
        record_type="endpoint",
        record_id=request.endpoint,
        summary=f"{request.method} {request.path} needs {permission}",
    )
    abort(403)


def require_org(permission: str) -> Callable:
    if permission not in ORG_PERMISSIONS:
        raise ValueError(f"unknown organisation permission {permission!r}")

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def guarded(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if not is_external(current_user) and not staff_allowed(current_user, permission):
                _deny(permission)
            return view(*args, **kwargs)

        setattr(guarded, ATTRIBUTE, permission)
        return guarded

    return decorate


def _grants(organization_id: str):
    """The signed-in person's grants in that organisation, once per request; 404 if none."""
    cache = g.setdefault("org_grants", {})
    if organization_id not in cache:
        cache[organization_id] = queries.grants(current_user.id, organization_id, utcnow().date())
    found = cache[organization_id]
    if found is None:
        abort(404)
    return found


def held(node: OrganizationNode) -> set[str]:
    """What the signed-in user holds at `node` (for escalation checks and showing buttons)."""
    if is_external(current_user):
        return rules.permissions_at(_grants(node.organization_id), node.path)
    return held_at(current_user, node.organization_id, node.path, utcnow().date())


def highest_viewable(chain: list[rules.Ancestor], organization_id: str) -> str:
    """The id of the highest node on `chain` (root first) that the user may see: the root for
    staff, for a customer's people where their view begins."""
    if not is_external(current_user):
        return chain[0].id
    grants = _grants(organization_id)
    return next((a.id for a in chain if VIEW in rules.permissions_at(grants, a.path)), chain[-1].id)


def authorize(node: OrganizationNode, permission: str) -> None:
    """404 outside the user's organisation; 403 without `permission` at `node`."""
    _check(node.organization_id, [node.path], permission)


def _check(organization_id: str, paths: Iterable[str], permission: str) -> None:
    if not is_external(current_user):
        return
    grants = _grants(organization_id)
    if any(permission not in rules.permissions_at(grants, path) for path in paths):
        _deny(permission)


def _get_or_404(model, object_id: str):
    found = db.session.get(model, object_id)
    if found is None:
        abort(404)
    return found


def load_node_or_404(node_id: str, permission: str) -> OrganizationNode:
    node = _get_or_404(OrganizationNode, node_id)
    authorize(node, permission)
    return node


def load_org_or_404(organization_id: str, permission: str) -> OrganizationNode:
    """An organisation's root; organisation-wide things (roles) need the permission there."""
    node = load_node_or_404(organization_id, permission)
    if node.parent_id is not None:
        abort(404)
    return node


def load_member_or_404(
    member_id: str, permission: str
) -> tuple[OrganizationMember, OrganizationNode]:
    """A member and their organisation's root. Acting on a member needs the permission at
    every node where they hold a role (or at the root, if none): nobody reaches past their
    subtree."""
    member = _get_or_404(OrganizationMember, member_id)
    root = _get_or_404(OrganizationNode, member.organization_id)
    _check(root.id, queries.assignment_paths(member.id) or [root.path], permission)
    return member, root


def load_role_or_404(role_id: str, permission: str) -> tuple[OrganizationRole, OrganizationNode]:
    role = _get_or_404(OrganizationRole, role_id)
    return role, load_org_or_404(role.organization_id, permission)


def load_assignment_or_404(assignment_id: str, permission: str):
    assignment = _get_or_404(RoleAssignment, assignment_id)
    return assignment, load_node_or_404(assignment.node_id, permission)


def load_invitation_or_404(invitation_id: str, permission: str):
    invitation = _get_or_404(Invitation, invitation_id)
    return invitation, load_node_or_404(invitation.node_id, permission)
