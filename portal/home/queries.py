"""What needs the signed-in person now: one panel per role they hold, each from cheap reads.

Every number is counted with the filters of the list it links to, so the list shows exactly the
rows counted. Counts over customers stop at CAP (a count of a million rows costs a scan; the page
says "1,000+"); every other read is one index range.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import Select, func, select

from portal.approvals import queries as approvals
from portal.compliance import queries as compliance
from portal.customers.models import Customer, Interaction
from portal.customers.values import CustomerStatus
from portal.events.models import OutboxEvent, ParkedEvent, WebhookDelivery
from portal.extensions import db
from portal.organizations import queries as organizations
from portal.organizations.models import OrganizationNode
from portal.organizations.permissions import VIEW
from portal.organizations.services import held_at
from portal.organizations.values import EXTERNAL
from portal.security.audit import FAILURE
from portal.security.models import AuditEntry, User
from portal.segmentation import queries as segmentation

CAP = 1_000
SHOWN = 5  # rows a panel lists
RECENT_DAYS = 7  # "this week": today and the six days before
VIEWS_READ = 200  # the person's latest audit entries searched for customers they opened


@dataclass(frozen=True)
class Count:
    value: int
    capped: bool = False  # more than `value`: the page shows "1,000+"


def capped(query: Select) -> Count:
    """Rows of `query` (one column), counted up to CAP + 1."""
    found = db.session.scalar(select(func.count()).select_from(query.limit(CAP + 1).subquery()))
    return Count(min(found or 0, CAP), (found or 0) > CAP)


def week_start(today: date) -> date:
    return today - timedelta(days=RECENT_DAYS - 1)


def _roles(user: User) -> set[str]:
    return {role.name for role in user.roles}


# Sales and support: the customers they work with.


def recent_customers(user: User, now: datetime) -> tuple[list, bool]:
    """The customers the person opened lately (from the audit log of their views), latest
    first; when they opened none, the newest registrations. True when they are their own."""
    viewed = db.session.execute(
        select(AuditEntry.record_id)
        .where(
            AuditEntry.user_id == user.id,
            AuditEntry.at >= now - timedelta(days=30),
            AuditEntry.action == "customer.viewed",
        )
        .order_by(AuditEntry.at.desc())
        .limit(VIEWS_READ)
    ).scalars()
    ids = list(dict.fromkeys(viewed))[:SHOWN]
    if ids:
        found = db.session.execute(
            select(Customer.id, Customer.name, Customer.status).where(Customer.id.in_(ids))
        ).all()
        by_id = {row.id: row for row in found}  # an erased customer is gone from the list
        return [by_id[i] for i in ids if i in by_id], True
    newest = select(Customer.id, Customer.name, Customer.status)
    return list(db.session.execute(newest.order_by(Customer.created_at.desc()).limit(SHOWN))), False


def customers_panel(user: User, now: datetime) -> dict:
    recent, own = recent_customers(user, now)
    mine = db.session.execute(
        select(
            Interaction.occurred_at,
            Interaction.type,
            Interaction.summary,
            Customer.id.label("customer_id"),
            Customer.name,
        )
        .join(Customer, Customer.id == Interaction.customer_id)
        .where(Interaction.recorded_by == user.id)
        .order_by(Interaction.occurred_at.desc())
        .limit(SHOWN)
    ).all()
    return {
        "recent": recent,
        "recent_are_own": own,
        "awaiting_verification": capped(
            select(Customer.id).where(Customer.status == CustomerStatus.PENDING_VERIFICATION)
        ),
        "dormant": capped(select(Customer.id).where(Customer.flagged_inactive_at.is_not(None))),
        "interactions": mine,
    }


# Approvers (finance, and customers' people who decide): decisions waiting for them.


def approvals_panel(user: User, now: datetime) -> dict:
    week = approvals.Filters(older_than=RECENT_DAYS)
    return {
        "waiting": approvals.queue_count("waiting", user, approvals.Filters(), now),
        "waiting_long": approvals.queue_count("waiting", user, week, now),
        "older_than": RECENT_DAYS,
        "rows": approvals.queue("waiting", user, approvals.Filters(), now)[:SHOWN],
        "delegations": approvals.delegations_in_force(user.id, now.date()),
    }


# Marketing: segment sizes, this week's moves, the last recompute.


def segments_panel(user: User, now: datetime) -> dict:
    sizes, estimated = segmentation.segment_sizes()
    start = week_start(now.date())
    return {
        "sizes": sizes,
        "estimated": estimated,
        "last_recompute": segmentation.last_recompute(),
        # The segment report's moves of the same days, from its per-day rollup.
        "moves": Count(segmentation.moves_on_days(start, now.date()), False),
        "week_from": start,
        "week_to": now.date(),
    }


# Compliance officers: requests by deadline, erasures waiting, retention calls.


def compliance_panel(user: User, now: datetime) -> dict:
    rows = compliance.open_requests(now.date())
    return {
        "open": len(rows),
        "due": {
            key: sum(compliance.due_within(row, key) for row in rows)
            for key in compliance.DUE_FILTERS
        },
        "due_filters": compliance.DUE_FILTERS,
        "awaiting_approval": sum(row.status == "AWAITING_APPROVAL" for row in rows),
        "next": rows[:SHOWN],
        "follow_ups": compliance.open_retention_follow_ups(),
    }


# Administrators: the plumbing.


def operations_panel(user: User, now: datetime) -> dict:
    unpublished = OutboxEvent.published_at.is_(None)
    oldest = db.session.scalar(
        select(OutboxEvent.occurred_at).where(unpublished).order_by(OutboxEvent.seq).limit(1)
    )
    since = week_start(now.date())
    return {
        "parked": capped(select(ParkedEvent.id).where(ParkedEvent.status == "parked")),
        "pending": capped(
            select(OutboxEvent.id).where(unpublished, OutboxEvent.last_error.is_(None))
        ),
        "failing": capped(
            select(OutboxEvent.id).where(unpublished, OutboxEvent.last_error.is_not(None))
        ),
        "oldest_pending": oldest,
        "failed_deliveries": capped(
            select(WebhookDelivery.id).where(WebhookDelivery.status == "failed")
        ),
        "sign_in_failures": capped(
            select(AuditEntry.id).where(
                AuditEntry.action == "auth.sign_in",
                AuditEntry.outcome == FAILURE,
                AuditEntry.at >= datetime.combine(since, datetime.min.time(), now.tzinfo),
            )
        ),
        "since": since,
    }


# Customers' people: their own organisation, never another.


def organization_panel(user: User, now: datetime) -> dict:
    places = []
    for organization_id, node_id in organizations.memberships(user.id):
        node = db.session.get(OrganizationNode, node_id)
        if VIEW in held_at(user, organization_id, node.path, now.date()):
            places.append(organizations.glance(node, now))
    return {
        "places": places,
        "requests": approvals.queue_count("all", user, approvals.Filters(status="PENDING"), now),
    }


@dataclass(frozen=True)
class Panel:
    name: str  # its template: home/_<name>.html
    shows: Callable[[User, datetime], bool]
    load: Callable[[User, datetime], dict]


def _decides(user: User, now: datetime) -> bool:
    """Finance, and customers' people with decisions waiting for them."""
    if "finance" in _roles(user):
        return True
    return user.kind == EXTERNAL and approvals.waiting_count(user, now.date()) > 0


PANELS = (
    Panel("customers", lambda u, _: bool(_roles(u) & {"sales", "support"}), customers_panel),
    Panel("approvals", _decides, approvals_panel),
    Panel("segments", lambda u, _: "marketing" in _roles(u), segments_panel),
    Panel("compliance", lambda u, _: "compliance_officer" in _roles(u), compliance_panel),
    Panel("operations", lambda u, _: "administrator" in _roles(u), operations_panel),
    Panel("organization", lambda u, _: u.kind == EXTERNAL, organization_panel),
)


def panels(user: User, now: datetime) -> list[tuple[str, dict]]:
    return [(panel.name, panel.load(user, now)) for panel in PANELS if panel.shows(user, now)]
