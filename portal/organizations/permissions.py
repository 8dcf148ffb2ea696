"""The organisation permission catalogue and the role templates built from it.

These permissions are granted by OrganizationRole assignments at a node (and apply to its
descendants), never by staff roles. Staff reach organisations through `customer:manage` (all
of it) or `customer:read` (viewing only); see access.py.
"""

from __future__ import annotations

from dataclasses import dataclass

ORG_PERMISSIONS: dict[str, str] = {
    "org:view": "See the organisation: its tree, nodes, members, roles and history",
    "org:nodes:edit": "Add, rename, move and deactivate nodes; override inherited attributes",
    "org:members:invite": "Invite people to join the organisation",
    "org:members:manage": "Assign and revoke roles, set end dates, deactivate members",
    "org:roles:manage": "Create and edit the organisation's custom roles",
    "org:orders:create": "Place orders for this part of the organisation",
    "org:orders:view_own": "See the orders one placed oneself",
    "org:orders:view_all": "See every order placed in this part of the organisation",
    "org:approvals:decide": "Approve or reject orders waiting for approval",
    "org:approvals:rules": "Set who approves what, and the amounts that need approval",
    "org:billing:view": "See invoices, statements and payment terms",
    "org:billing:manage": "Change billing details and payment methods",
}
VIEW = "org:view"


@dataclass(frozen=True)
class RoleTemplate:
    key: str
    name: str
    description: str
    permissions: tuple[str, ...]
    predefined: bool = False


ROLE_TEMPLATES: tuple[RoleTemplate, ...] = (
    RoleTemplate(
        "admin", "Admin", "Runs this part of the organisation", tuple(ORG_PERMISSIONS), True
    ),
    RoleTemplate(
        "approver",
        "Approver",
        "Decides on orders that need approval",
        ("org:view", "org:orders:view_all", "org:approvals:decide", "org:billing:view"),
        True,
    ),
    RoleTemplate(
        "buyer",
        "Buyer",
        "Places orders",
        ("org:view", "org:orders:create", "org:orders:view_own"),
        True,
    ),
    RoleTemplate("viewer", "Viewer", "Looks, changes nothing", ("org:view",), True),
    RoleTemplate(
        "location_manager",
        "Location manager",
        "Runs a location: its people, orders and approvals",
        (
            "org:view",
            "org:nodes:edit",
            "org:members:invite",
            "org:members:manage",
            "org:orders:create",
            "org:orders:view_all",
            "org:approvals:decide",
        ),
    ),
    RoleTemplate(
        "finance",
        "Finance",
        "Pays the bills",
        ("org:view", "org:orders:view_all", "org:billing:view", "org:billing:manage"),
    ),
)
TEMPLATES_BY_KEY = {t.key: t for t in ROLE_TEMPLATES}
