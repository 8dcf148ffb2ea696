"""The navigation: each entry names the permission its page requires, so users see only what
they may open."""

from __future__ import annotations

from dataclasses import dataclass

from portal.security.permissions import SIGNED_IN


@dataclass(frozen=True)
class NavItem:
    label: str
    endpoint: str
    permission: str


NAVIGATION: tuple[NavItem, ...] = (
    NavItem("Home", "home.index", SIGNED_IN),
    NavItem("Customers", "customers.customer_list", "customer:read"),
    NavItem("Review queue", "customers.review_queue", "customer:read"),
    # Signed-in: customers' people hold no staff permission; the page scopes what each sees.
    NavItem("Organisations", "organizations.organization_list", SIGNED_IN),
    # Everyone: the queues are scoped per person; portal.js adds the waiting count.
    NavItem("Approvals", "approvals.queue", SIGNED_IN),
    NavItem("Segments", "segmentation.segment_list", "customer:read"),
    NavItem("Segment news", "segmentation.notification_list", "customer:read"),
    NavItem("Compliance", "compliance.request_list", "customer:compliance:manage"),
    NavItem("Roles", "admin.roles", "admin:roles:read"),
    NavItem("Audit log", "admin.audit_log", "admin:audit:read"),
    NavItem("Events", "events.event_list", "admin:events:read"),
    NavItem("API tokens", "events.token_list", "admin:integrations:manage"),
    NavItem("Webhooks", "events.webhook_list", "admin:integrations:manage"),
)


def navigation_for(user) -> list[NavItem]:
    if not user.is_authenticated:
        return []
    return [
        item for item in NAVIGATION if item.permission == SIGNED_IN or user.can(item.permission)
    ]
