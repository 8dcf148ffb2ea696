"""Use cases on an organisation's roles: custom roles, built from templates or from scratch."""

from __future__ import annotations

from sqlalchemy import select

from portal.domain import NON_FIELD, DomainError, NotFound, load, use_case
from portal.extensions import db
from portal.organizations import rules
from portal.organizations.models import OrganizationNode, OrganizationRole
from portal.organizations.services._common import record
from portal.security.models import User


@use_case
def save_role(
    actor: User,
    organization_id: str,
    role_id: str | None,
    name: str,
    description: str,
    permissions: list[str],
    held: set[str],
) -> OrganizationRole:
    """Create (role_id None) or change a custom role of the organisation. `held` is what the
    actor holds at the organisation's root: a role never grants more than its author has."""
    organization = load(OrganizationNode, organization_id, "organisation")
    role = load(OrganizationRole, role_id, "role", lock=True) if role_id else None
    if role is not None and role.organization_id != organization.id:
        raise NotFound("role")
    if role is not None and role.predefined:
        raise DomainError.on(NON_FIELD, "Predefined roles cannot be changed; copy one instead.")
    name = name.strip()
    errors: dict[str, list[str]] = {}
    if not name:
        errors["name"] = ["Give the role a name."]
    elif db.session.scalar(
        select(OrganizationRole.id).where(
            OrganizationRole.organization_id == organization.id,
            OrganizationRole.name == name,
            OrganizationRole.id != (role.id if role else ""),
        )
    ):
        errors["name"] = [f"This organisation already has a role called {name}."]
    unknown = rules.unknown_permissions(permissions)
    beyond = rules.escalation(permissions, held)
    if unknown:
        errors["permissions"] = [f"Unknown permissions: {', '.join(sorted(unknown))}."]
    elif beyond:
        errors["permissions"] = [
            "You can only grant permissions you hold yourself; you do not hold "
            + ", ".join(beyond)
            + "."
        ]
    elif not permissions:
        errors["permissions"] = ["Choose at least one permission."]
    if errors:
        raise DomainError(errors)
    if role is None:
        role = OrganizationRole(organization_id=organization.id, predefined=False)
        db.session.add(role)
    role.name, role.description = name, description.strip()
    role.permissions = [p for p in rules.ORG_PERMISSIONS if p in set(permissions)]
    db.session.flush()
    record(
        actor,
        "org.role_saved",
        organization,
        f"Role {name}: {', '.join(role.permissions)}",
        "OrganizationRoleSaved",
        {"roleId": role.id, "name": name, "permissions": role.permissions},
    )
    db.session.commit()
    return role
