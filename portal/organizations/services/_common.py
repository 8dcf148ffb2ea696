"""What every organisation use case shares: audit + event, and what the acting user holds at a
node."""

from __future__ import annotations

from datetime import date

from portal.events.outbox import emit
from portal.organizations import queries, rules
from portal.organizations.events import AGGREGATE
from portal.organizations.models import OrganizationNode
from portal.organizations.permissions import ORG_PERMISSIONS, VIEW
from portal.organizations.values import EXTERNAL, HISTORY
from portal.security import audit
from portal.security.models import User


def held_at(user: User, organization_id: str, path: str, today: date) -> set[str]:
    """The organisation permissions `user` holds at the node with `path`.

    Staff with customer:manage hold them all, staff with customer:read may only look; people
    of the customer hold what their roles at that node and above grant.
    """
    if user.kind != EXTERNAL:
        if user.can("customer:manage"):
            return set(ORG_PERMISSIONS)
        return {VIEW} if user.can("customer:read") else set()
    return rules.permissions_at(queries.grants(user.id, organization_id, today) or [], path)


def record(
    actor: User,
    action: str,
    node: OrganizationNode,
    summary: str,
    event_type: str,
    payload: dict,
) -> None:
    """The audit entry, on the node's history tab, and the event, in the open transaction."""
    audit.record(
        action,
        user=actor,
        record_type=HISTORY,
        record_id=node.id,
        summary=summary,
        details={"organization_id": node.organization_id},
    )
    emit(
        event_type,
        node.organization_id,
        {"organizationId": node.organization_id, **payload},
        actor=actor.id,
        aggregate_type=AGGREGATE,
    )
