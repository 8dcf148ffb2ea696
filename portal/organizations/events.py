"""The events the organisation area emits, in the shape of portal.events.catalogue.

Kept here until the shared catalogue takes them in; a test proves each emitted payload has
exactly these fields.
"""

from __future__ import annotations

from portal.events.catalogue import EventType

AGGREGATE = "organization"

ORG_EVENTS: dict[str, EventType] = {
    "OrganizationCreated": EventType(
        "A B2B customer got an organisation tree", ("organizationId", "customerId", "name", "code")
    ),
    "OrganizationNodeAdded": EventType(
        "A division, location or department was added",
        ("organizationId", "nodeId", "parentId", "type", "name", "code"),
    ),
    "OrganizationNodeUpdated": EventType(
        "A node was renamed, or one of its attributes overridden or inherited again",
        ("organizationId", "nodeId", "modifiedFields", "previousValues", "newValues"),
    ),
    "OrganizationNodeMoved": EventType(
        "A node and its subtree moved under another parent",
        ("organizationId", "nodeId", "previousParentId", "newParentId"),
    ),
    "OrganizationSubtreeStatusChanged": EventType(
        "A node and everything below it was deactivated or activated",
        ("organizationId", "nodeId", "newStatus", "affectedNodes"),
    ),
    "OrganizationMemberInvited": EventType(
        "Someone was invited to join with a role at a node (the link is never included)",
        ("organizationId", "invitationId", "nodeId", "roleId", "email", "expiresAt"),
    ),
    "OrganizationMemberJoined": EventType(
        "An invitation was accepted: a member with a first role",
        ("organizationId", "memberId", "userId", "nodeId", "roleId"),
    ),
    "OrganizationRoleAssigned": EventType(
        "A member got a role at a node", ("organizationId", "memberId", "roleId", "nodeId")
    ),
    "OrganizationRoleRevoked": EventType(
        "A member lost a role at a node", ("organizationId", "memberId", "roleId", "nodeId")
    ),
    "OrganizationMemberChanged": EventType(
        "A member was deactivated or reactivated, or their end date changed",
        ("organizationId", "memberId", "status", "endDate"),
    ),
    "OrganizationRoleSaved": EventType(
        "A custom role was created or its permissions changed",
        ("organizationId", "roleId", "name", "permissions"),
    ),
}
