"""The navigation: each entry names the permission its page requires, so users see only what
they may open."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from portal.dashboards.values import DASHBOARDS
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


def _may_open_dashboards(user) -> bool:
    return any(user.can(need) for need, _, _ in DASHBOARDS.values())


@dataclass(frozen=True)
class NavItem:
    label: str
    endpoint: str
    permission: str
    # For a page whose guard is more than one permission: the same rule, for the link.
    may_open: Callable[..., bool] | None = None
    # Entries of a group sit in one menu of the bar (the administrator's pages would wrap it).
    group: str = ""


NAVIGATION: tuple[NavItem, ...] = (
    NavItem("Home", "home.index", SIGNED_IN),
    NavItem("Customers", "customers.customer_list", "customer:read"),
    NavItem("Review queue", "customers.review_queue", "customer:read"),
    NavItem("Duplicates", "duplicates.queue", "customer:manage"),
    NavItem("Organisations", "organizations.organization_list", ORG_VIEW, _may_open_organisations),
    # Everyone: the queues are scoped per person; portal.js adds the waiting count.
    NavItem("Approvals", "approvals.queue", SIGNED_IN),
    NavItem("Segments", "segmentation.segment_list", "customer:read"),
    NavItem("Segment news", "segmentation.notification_list", "customer:read"),
    NavItem("At risk", "insights.at_risk", "customer:insights:read"),
    NavItem("Loyalty", "loyalty.programme", "loyalty:manage"),
    NavItem("Compliance", "compliance.request_list", "customer:compliance:manage"),
    NavItem("Dashboards", "dashboards.index", SIGNED_IN, _may_open_dashboards),
    NavItem("Validation rules", "customers.validation_rules", "customer:manage", group="Admin"),
    NavItem("Roles", "admin.roles", "admin:roles:read", group="Admin"),
    NavItem("Audit log", "admin.audit_log", "admin:audit:read", group="Admin"),
    NavItem("Events", "events.event_list", "admin:events:read", group="Admin"),
    NavItem("API tokens", "events.token_list", "admin:integrations:manage", group="Admin"),
    NavItem("Webhooks", "events.webhook_list", "admin:integrations:manage", group="Admin"),
)


def navigation_for(user) -> list[NavItem]:
    if not user.is_authenticated:
        return []
    return [item for item in NAVIGATION if _may_open(user, item)]


def _may_open(user, item: NavItem) -> bool:
    if item.may_open is not None:
        return item.may_open(user)
    return item.permission == SIGNED_IN or user.can(item.permission)
