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
    # Entries of a group sit in one menu of the bar, where its first entry is: with every
    # entry a link of its own, the administrator's bar took two lines at 1440 px.
    group: str = ""


@dataclass(frozen=True)
class NavGroup:
    label: str
    items: tuple[NavItem, ...]


NAVIGATION: tuple[NavItem, ...] = (
    NavItem("Home", "home.index", SIGNED_IN),
    NavItem("Customers", "customers.customer_list", "customer:read"),
    NavItem("Review queue", "customers.review_queue", "customer:read", group="Review"),
    NavItem("Duplicates", "duplicates.queue", "customer:manage", group="Review"),
    NavItem("Organisations", "organizations.organization_list", ORG_VIEW, _may_open_organisations),
    # Everyone: the queues are scoped per person; portal.js adds the waiting count.
    NavItem("Approvals", "approvals.queue", SIGNED_IN),
    NavItem("Segments", "segmentation.segment_list", "customer:read", group="Segments"),
    NavItem("Segment news", "segmentation.notification_list", "customer:read", group="Segments"),
    NavItem("Insights", "insights.index", "customer:insights:read"),
    NavItem("Loyalty", "loyalty.index", "loyalty:manage"),
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


def bar(items: list[NavItem]) -> list[NavItem | NavGroup]:
    """The bar's entries in order: links, and each group's menu where its first entry is (a
    group the user sees one entry of is that link: a menu of one is a click for nothing)."""
    groups: dict[str, list[NavItem]] = {}
    for item in items:
        if item.group:
            groups.setdefault(item.group, []).append(item)
    entries: list[NavItem | NavGroup] = []
    for item in items:
        members = groups.get(item.group, [item])
        if len(members) == 1:
            entries.append(item)
        elif item is members[0]:
            entries.append(NavGroup(item.group, tuple(members)))
    return entries


def _may_open(user, item: NavItem) -> bool:
    if item.may_open is not None:
        return item.may_open(user)
    return item.permission == SIGNED_IN or user.can(item.permission)
