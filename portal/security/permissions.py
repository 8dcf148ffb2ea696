"""The permission catalogue and the staff roles built from it.

Names follow the domain document (`customer:read`, `customer:manage`, ...). Each business area
adds its permissions here and a migration that stores them; a test proves the database and this
catalogue agree.
"""

from __future__ import annotations

from dataclasses import dataclass

# Pseudo-permissions used by @require: not stored, never granted through roles.
SIGNED_IN = "signed-in"
PUBLIC = "public"
# The metrics endpoint: no user, but only the scrape network or the scrape token.
SCRAPER = "scraper"

PERMISSIONS: dict[str, str] = {
    "customer:read": "Look up customers: lists, search and profiles",
    "customer:manage": "Create and edit customers, change their status, manage all organisations",
    "customer:segmentation:manage": "Define segments and rules, override a customer's segment",
    "customer:insights:read": (
        "See lifetime value, churn risk and recommendations; the at-risk list and its export"
    ),
    "customer:compliance:manage": "Run data-subject requests, consent, retention and erasure",
    "admin:roles:read": "See the staff roles and the permissions each one grants",
    "admin:audit:read": "Browse and filter the audit log",
    "admin:events:read": "Browse domain events, their delivery status and webhook deliveries",
    "admin:integrations:manage": (
        "Manage API tokens and webhook subscriptions; replay or discard parked events"
    ),
    "approval:finance:decide": "Decide payment-terms changes of B2B customers",
    "loyalty:manage": "Set up the loyalty programme, adjust customers' points, grant Ambassador",
}


@dataclass(frozen=True)
class StaffRole:
    name: str
    label: str
    description: str
    permissions: tuple[str, ...]


STAFF_ROLES: tuple[StaffRole, ...] = (
    StaffRole(
        "sales",
        "Sales",
        "Looks up and edits customers all day",
        ("customer:read", "customer:manage", "customer:insights:read"),
    ),
    StaffRole(
        "support",
        "Support",
        "Answers customers; reads and edits profiles",
        ("customer:read", "customer:manage"),
    ),
    StaffRole(
        "marketing",
        "Marketing",
        "Targets customers by segment",
        (
            "customer:read",
            "customer:segmentation:manage",
            "customer:insights:read",
            "loyalty:manage",
        ),
    ),
    StaffRole(
        "finance",
        "Finance",
        "Approves payment terms; reads customers",
        ("customer:read", "approval:finance:decide"),
    ),
    StaffRole(
        "compliance_officer",
        "Compliance officer",
        "Runs data-subject requests under GDPR and CCPA",
        ("customer:read", "customer:compliance:manage", "admin:audit:read"),
    ),
    StaffRole("administrator", "Administrator", "Runs the portal", tuple(PERMISSIONS)),
)

ROLE_NAMES = tuple(role.name for role in STAFF_ROLES)
