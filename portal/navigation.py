"""The navigation: each entry names the permission its page requires, so users see only what
they may open."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from portal.organizations import queries as organization_queries
from portal.organizations.access import is_external, staff_allowed
from portal.organizations.permissions import VIEW as ORG_VIEW
from portal.security.permissions import SIGNED_IN


def _may_open_organisations(user) -> bool:
    """What organization_list lets through: staff who may view, customers' people with a
    membership (it sends them to their organisation; without one it answers 404)."""
    if is_external(user):
        return bool(organization_queries.memberships(user.id))
    return staff_allowed(user, ORG_VIEW)


@dataclass(frozen=True)
class NavItem:
    label: str
    endpoint: str
    permission: str
    # For a page whose guard is more than one permission: the same rule, for the link.
    may_open: Callable[..., bool] | None = None


NAVIGATION: tuple[NavItem, ...] = (
    NavItem("Home", "home.index", SIGNED_IN),
    NavItem("Customers", "customers.customer_list", "customer:read"),
    NavItem("Review queue", "customers.review_queue", "customer:read"),
    NavItem("Organisations", "organizations.organization_list", ORG_VIEW, _may_open_organisations),
    # Everyone: the queues are scoped per person; portal.js adds the waiting count.
    NavItem("Approvals", "approvals.queue", SIGNED_IN),
    NavItem("Segments", "segmentation.segment_list", "customer:read"),
    NavItem("Segment news", "segmentation.notification_list", "customer:read"),
    NavItem("Loyalty", "loyalty.programme", "loyalty:manage"),
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
    return [item for item in NAVIGATION if _may_open(user, item)]


def _may_open(user, item: NavItem) -> bool:
    if item.may_open is not None:
        return item.may_open(user)
    return item.permission == SIGNED_IN or user.can(item.permission)
