"""The cron job (`flask approvals escalate`): reminders before a tier's deadline; when it has
passed, the same roles one level up the tree are asked too, or the request expires if its
rule says so. `now` is passed in, so tests move the clock."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from portal.approvals.models import ApprovalRequest
from portal.approvals.ports import Notifier
from portal.approvals.rules import chain_from_json, due_at, reminder_due
from portal.approvals.services._common import ask, emails, locked, step, tier_state
from portal.approvals.services.requests import complete
from portal.approvals.values import Action, Status
from portal.extensions import db
from portal.security import audit


@dataclass
class Outcome:
    reminded: int = 0
    escalated: int = 0
    expired: int = 0


def _waiting_on(request: ApprovalRequest) -> set[str]:
    state = tier_state(request)
    return set().union(
        *(people for g, people in state.assignees.items() if g not in state.satisfied())
    )


def _overdue(request: ApprovalRequest, now: datetime, notifier: Notifier, outcome: Outcome):
    if request.expire_when_overdue:
        step(request, Action.EXPIRED, now, tier=request.tier, comment="The tier's deadline passed.")
        complete(None, request, Status.EXPIRED, now)
        outcome.expired += 1
        return
    state = tier_state(request)
    open_groups = [g for g in state.assignees if g not in state.satisfied()]
    request.escalation_level += 1
    added = ask(request, open_groups, now.date())
    spec = chain_from_json(request.chain)[request.tier]
    request.tier_started_at, request.reminded_at = now, None
    request.tier_due_at = due_at(now, spec.deadline, spec.unit)
    comment = f"Also asked: {', '.join(emails(added))}" if added else "Nobody above to escalate to."
    step(request, Action.ESCALATED, now, tier=request.tier, comment=comment)
    audit.record(
        "approval.escalated",
        actor="system",
        record_type="approval_request",
        record_id=request.id,
        summary=comment,
    )
    if added:
        notifier.escalated(
            emails=emails(added),
            request_id=request.id,
            description=audit.with_customer_name(request.description, None),
        )
    outcome.escalated += 1


def _remind(request: ApprovalRequest, now: datetime, notifier: Notifier, outcome: Outcome):
    request.reminded_at = now
    waiting = emails(_waiting_on(request))
    step(request, Action.REMINDED, now, tier=request.tier, comment=", ".join(waiting))
    audit.record(
        "approval.reminded",
        actor="system",
        record_type="approval_request",
        record_id=request.id,
        summary=f"Reminded {', '.join(waiting) or 'nobody'}",
    )
    notifier.remind(
        emails=waiting,
        request_id=request.id,
        description=audit.with_customer_name(request.description, None),
        due=request.tier_due_at.isoformat(),
    )
    outcome.reminded += 1


def escalate(now: datetime, notifier: Notifier) -> Outcome:
    """One pass over the pending requests with a deadline; one transaction per request, so a
    decision taken meanwhile (the row lock) is never overwritten."""
    outcome = Outcome()
    ids = db.session.scalars(
        select(ApprovalRequest.id).where(
            ApprovalRequest.status == Status.PENDING.value,
            ApprovalRequest.tier_due_at.is_not(None),
        )
    ).all()
    for request_id in ids:
        request = locked(request_id)
        if request.status != Status.PENDING.value or request.tier_due_at is None:
            db.session.rollback()
            continue
        if now >= request.tier_due_at:
            _overdue(request, now, notifier, outcome)
        elif request.reminded_at is None and reminder_due(
            request.tier_started_at, request.tier_due_at, now
        ):
            _remind(request, now, notifier, outcome)
        db.session.commit()
    return outcome
