"""What the approval use cases share: the request's audit entry and event in one call, the
row lock, and the tier a request is at."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select

from portal.approvals import directory
from portal.approvals.models import ApprovalAssignee, ApprovalRequest, ApprovalStep
from portal.approvals.rules import Decided, TierState, chain_from_json, due_at
from portal.events.outbox import SYSTEM, emit
from portal.extensions import db
from portal.organizations.models import OrganizationNode
from portal.security import audit
from portal.security.models import User

AGGREGATE = "approval_request"


def record(
    actor: User | None, request: ApprovalRequest, action: str, summary: str, event: str, payload
) -> None:
    """The audit entry on the request's history and its event, in the open transaction."""
    audit.record(
        action,
        user=actor,
        actor=None if actor else SYSTEM,
        record_type=AGGREGATE,
        record_id=request.id,
        summary=summary,
        # The audit log shows this customer's name in place of CUSTOMER_NAME in the summary.
        details={
            "organization_id": request.organization_id,
            "customer_id": (request.target or {}).get("customer_id"),
        },
    )
    emit(
        event,
        request.id,
        {"requestId": request.id, "organizationId": request.organization_id, **payload},
        actor=actor.id if actor else SYSTEM,
        aggregate_type=AGGREGATE,
    )


def step(request: ApprovalRequest, action: str, at: datetime, **fields) -> ApprovalStep:
    added = ApprovalStep(request_id=request.id, round=request.round, action=action, at=at, **fields)
    db.session.add(added)
    return added


def locked(request_id: str) -> ApprovalRequest | None:
    """The request, re-read and locked until commit (FOR UPDATE on PostgreSQL; SQLite lets one
    writer at a time anyway and the version column catches the rest)."""
    return db.session.scalar(
        select(ApprovalRequest)
        .where(ApprovalRequest.id == request_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )


def tier_state(request: ApprovalRequest) -> TierState:
    key = (
        ApprovalAssignee.request_id == request.id,
        ApprovalAssignee.round == request.round,
        ApprovalAssignee.tier == request.tier,
    )
    assignees: dict[int, set[str]] = {
        g: set() for g in range(len(request.chain[request.tier]["groups"]))
    }
    for row in db.session.execute(
        select(ApprovalAssignee.group_no, ApprovalAssignee.user_id).where(*key)
    ):
        assignees[row.group_no].add(row.user_id)
    # Staff groups follow the staff roles of today: finance hired after the request decides too.
    for group, spec in enumerate(request.chain[request.tier]["groups"]):
        if spec.get("staff_permission"):
            assignees[group] |= directory.staff_holding(spec["staff_permission"])
    decided = [
        Decided(s.group_no, s.actor_id, s.on_behalf_of_id)
        for s in db.session.scalars(
            select(ApprovalStep).where(
                ApprovalStep.request_id == request.id,
                ApprovalStep.round == request.round,
                ApprovalStep.tier == request.tier,
                ApprovalStep.group_no.is_not(None),
            )
        )
    ]
    return TierState(assignees, decided)


def ask(request: ApprovalRequest, groups, today: date) -> dict[str, str]:
    """Add the assignees of `groups` of the current tier at the request's escalation level;
    returns who was added (user id → why)."""
    node = db.session.get(OrganizationNode, request.node_id) if request.node_id else None
    tier = chain_from_json(request.chain)[request.tier]
    existing = set(
        db.session.execute(
            select(ApprovalAssignee.group_no, ApprovalAssignee.user_id).where(
                ApprovalAssignee.request_id == request.id,
                ApprovalAssignee.round == request.round,
                ApprovalAssignee.tier == request.tier,
            )
        ).tuples()
    )
    added: dict[str, str] = {}
    for group in groups:
        found = directory.group_assignees(tier.groups[group], node, request.escalation_level, today)
        for user_id, via in found.items():
            if (group, user_id) not in existing:
                db.session.add(
                    ApprovalAssignee(
                        request_id=request.id,
                        round=request.round,
                        tier=request.tier,
                        group_no=group,
                        user_id=user_id,
                        via=via,
                    )
                )
                added[user_id] = via
    return added


def start_tier(request: ApprovalRequest, tier: int, now: datetime) -> None:
    request.tier, request.escalation_level = tier, 0
    request.tier_started_at, request.reminded_at = now, None
    spec = chain_from_json(request.chain)[tier]
    request.tier_due_at = due_at(now, spec.deadline, spec.unit) if spec.deadline else None
    ask(request, range(len(spec.groups)), now.date())


def emails(user_ids) -> list[str]:
    if not user_ids:
        return []
    return sorted(db.session.scalars(select(User.email).where(User.id.in_(list(user_ids)))))
