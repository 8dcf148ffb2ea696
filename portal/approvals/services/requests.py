"""Use cases of a request's life: submit, resubmit after changes, cancel, decide."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import flag_modified

from portal.approvals import directory, rules
from portal.approvals.models import ApprovalRequest, ApprovalRule, ApprovalStep
from portal.approvals.services._common import locked, record, start_tier, step, tier_state
from portal.approvals.services.effects import apply_effect
from portal.approvals.values import CLOSING, Action, Decision, Operator, Status, Subject
from portal.domain import (
    NON_FIELD,
    Conflict,
    DomainError,
    Forbidden,
    NotFound,
    StaleVersion,
    load,
    use_case,
)
from portal.extensions import db
from portal.models import utcnow
from portal.organizations.models import OrganizationNode
from portal.organizations.rules import ancestor_paths
from portal.security.models import User

MAX_COMMENT = 2000
DECIDED_MEANWHILE = "Someone decided this request meanwhile; reload it."


@dataclass(frozen=True)
class Draft:
    """What the requester asks for; the form or the API has checked its shape."""

    subject: Subject
    description: str
    amount_minor: int | None = None
    currency: str | None = None
    lines: list = field(default_factory=list)
    target: dict = field(default_factory=dict)


def _rule_for(
    requester: User, node: OrganizationNode, draft: Draft, rates: Mapping[str, str], today
) -> ApprovalRule | None:
    """The governing rule that applies, or None (nothing to approve)."""
    stored = db.session.execute(
        select(ApprovalRule, OrganizationNode.depth)
        .join(OrganizationNode, OrganizationNode.id == ApprovalRule.node_id)
        .where(
            ApprovalRule.subject == draft.subject.value,
            OrganizationNode.path.in_(ancestor_paths(node.path)),
        )
    ).all()
    views = [
        rules.RuleView(
            r.id,
            depth,
            r.position,
            Operator(r.operator),
            r.thresholds,
            frozenset(r.requester_role_ids),
        )
        for r, depth in stored
    ]
    roles = directory.requester_roles(requester.id, node, today)
    try:
        found = rules.matching_rule(views, roles, draft.amount_minor, draft.currency, rates)
    except rules.CurrencyMismatch as mismatch:
        raise DomainError.on("currency", str(mismatch)) from None
    return db.session.get(ApprovalRule, found.id) if found else None


def _apply_draft(request: ApprovalRequest, draft: Draft) -> None:
    request.subject = draft.subject.value
    request.description = draft.description.strip()
    request.amount_minor, request.currency = draft.amount_minor, draft.currency
    request.lines, request.target = list(draft.lines), dict(draft.target)


def _route(
    actor: User | None,
    request: ApprovalRequest,
    rule: ApprovalRule | None,
    now: datetime,
    summary: str,
) -> None:
    """Announce the request with the rule it falls under, then start that rule's chain, or
    approve at once when no rule asks for approval."""
    request.rule_id, request.rule_name = (rule.id, rule.name) if rule else (None, "")
    request.chain = rule.chain if rule else []
    request.expire_when_overdue = rule.expire_when_overdue if rule else False
    _requested(actor, request, summary)
    if rule is None:
        step(request, Action.COMPLETED, now, comment="No approval rule applies.")
        complete(actor, request, Status.APPROVED, now)
        return
    start_tier(request, 0, now)
    # A rule may name a role nobody holds at this node or above (its holders work below):
    # such a request would wait for ever, so it is refused while the requester is here.
    nobody = [g for g, people in tier_state(request).assignees.items() if not people]
    if nobody:
        groups = ", ".join("ABCDE"[g] for g in nobody)
        raise DomainError.on(
            NON_FIELD,
            f"Nobody can approve this here yet: the rule {rule.name} asks group {groups} of "
            "tier 1 for a role that nobody holds at this place or above it. "
            "Ask your organisation's admin.",
        )


def _requested(actor: User | None, request: ApprovalRequest, summary: str) -> None:
    record(
        actor,
        request,
        "approval.requested",
        summary,
        "ApprovalRequested",
        {
            "nodeId": request.node_id,
            "subject": request.subject,
            "amountMinor": request.amount_minor,
            "currency": request.currency,
            "requesterId": request.requester_id,
            "round": request.round,
            "ruleId": request.rule_id,
            "externalRef": request.external_ref,
        },
    )


@use_case
def submit(
    requester: User,
    node_id: str,
    draft: Draft,
    *,
    rates: Mapping[str, str],
    source: str = "portal",
    external_ref: str | None = None,
    now: datetime | None = None,
) -> ApprovalRequest:
    """Create the request at the node and route it. A calling system's repeated reference
    returns the request it created the first time."""
    now = now or utcnow()
    node = load(OrganizationNode, node_id, "node")
    if external_ref:
        existing = db.session.scalar(
            select(ApprovalRequest).where(
                ApprovalRequest.source == source, ApprovalRequest.external_ref == external_ref
            )
        )
        if existing is not None:
            return existing
    rule = _rule_for(requester, node, draft, rates, now.date())
    request = ApprovalRequest(
        organization_id=node.organization_id,
        node_id=node.id,
        requester_id=requester.id,
        source=source,
        external_ref=external_ref,
        status=Status.PENDING.value,
        round=1,
        created_at=now,
    )
    _apply_draft(request, draft)
    db.session.add(request)
    db.session.flush()
    step(request, Action.SUBMITTED, now, actor_id=requester.id)
    _route(requester, request, rule, now, f"{requester.email} asked to approve {draft.description}")
    db.session.commit()
    return request


@use_case
def submit_staff_request(
    actor: User, node_id: str | None, draft: Draft, chain: rules.Chain, now=None
) -> ApprovalRequest:
    """A request with a fixed chain decided by EFI staff (payment terms by finance)."""
    now = now or utcnow()
    node = load(OrganizationNode, node_id, "node") if node_id else None
    request = ApprovalRequest(
        organization_id=node.organization_id if node else None,
        node_id=node.id if node else None,
        requester_id=actor.id,
        status=Status.PENDING.value,
        round=1,
        created_at=now,
        rule_name="EFI finance",
        chain=rules.chain_to_json(chain),
    )
    _apply_draft(request, draft)
    db.session.add(request)
    db.session.flush()
    step(request, Action.SUBMITTED, now, actor_id=actor.id)
    _requested(actor, request, f"{actor.email} asked to approve {request.description}")
    start_tier(request, 0, now)
    db.session.commit()
    return request


def _own(actor: User, request: ApprovalRequest, *states: Status) -> None:
    if request.requester_id != actor.id:
        raise Forbidden("Only the requester can do this.")
    if request.status not in {s.value for s in states}:
        raise Conflict(f"This request is {Status(request.status).label.lower()} now.")


@use_case
def resubmit(
    actor: User,
    request_id: str,
    draft: Draft,
    *,
    rates: Mapping[str, str],
    now: datetime | None = None,
) -> ApprovalRequest:
    """After changes were requested: edit and send again; the chain restarts in a new round,
    the earlier rounds stay in the history."""
    now = now or utcnow()
    request = locked(request_id)
    _own(actor, request, Status.CHANGES_REQUESTED)
    node = db.session.get(OrganizationNode, request.node_id)
    rule = _rule_for(actor, node, draft, rates, now.date())
    _apply_draft(request, draft)
    request.round += 1
    request.status, request.completed_at = Status.PENDING.value, None
    step(request, Action.RESUBMITTED, now, actor_id=actor.id)
    _route(actor, request, rule, now, f"{actor.email} resubmitted {request.description}")
    db.session.commit()
    return request


@use_case
def cancel(actor: User, request_id: str, now: datetime | None = None) -> ApprovalRequest:
    now = now or utcnow()
    request = locked(request_id)
    _own(actor, request, Status.PENDING, Status.CHANGES_REQUESTED)
    step(request, Action.CANCELLED, now, actor_id=actor.id)
    complete(actor, request, Status.CANCELLED, now)
    db.session.commit()
    return request


def complete(actor: User | None, request: ApprovalRequest, status: Status, now) -> None:
    """Close the request: its status, its effect when approved, ApprovalCompleted."""
    request.status = status.value
    request.completed_at, request.tier_due_at = now, None
    if status is Status.APPROVED:
        apply_effect(actor, request)
    record(
        actor,
        request,
        "approval.completed",
        f"{request.description}: {status.label.lower()}",
        "ApprovalCompleted",
        {
            "subject": request.subject,
            "outcome": status.value,
            "round": request.round,
            "externalRef": request.external_ref,
        },
    )


def _repeated(actor: User, request_id: str, decision: Decision, round_: int, tier: int) -> bool:
    """The actor already took this very decision at that round and tier (a double click, a
    retried post): nothing more to do."""
    return (
        db.session.scalar(
            select(ApprovalStep.id).where(
                ApprovalStep.request_id == request_id,
                ApprovalStep.round == round_,
                ApprovalStep.tier == tier,
                ApprovalStep.actor_id == actor.id,
                ApprovalStep.action == decision.value,
            )
        )
        is not None
    )


def decide(
    actor: User,
    request_id: str,
    decision: Decision,
    comment: str,
    *,
    round_: int,
    tier: int,
    now: datetime | None = None,
) -> ApprovalRequest:
    """Approve, reject or request changes at the tier the actor saw (`round_`, `tier`).

    The request row is locked, so two approvers deciding at once are serialised: the second
    sees the first one's decision and records its own against what is left. Should the
    database still refuse (SQLite, or the unique group key), the decision is retried once on
    fresh data."""
    arguments = (actor, request_id, decision, comment, round_, tier, now or utcnow())
    try:
        return _decide(*arguments)
    except (StaleVersion, IntegrityError):  # use_case turns a stale row into StaleVersion
        db.session.rollback()
    try:
        return _decide(*arguments)
    except (StaleVersion, IntegrityError):
        db.session.rollback()
        raise Conflict(DECIDED_MEANWHILE) from None


@use_case
def _decide(actor, request_id, decision, comment, round_, tier, now) -> ApprovalRequest:
    comment = comment.strip()
    if decision.needs_comment and not comment:
        raise DomainError.on("comment", "Say what is wrong or what should change.")
    if len(comment) > MAX_COMMENT:
        raise DomainError.on("comment", f"Keep it under {MAX_COMMENT} characters.")
    request = locked(request_id)
    if request is None:
        raise NotFound("request")
    if _repeated(actor, request.id, decision, round_, tier):
        db.session.rollback()
        return request
    if request.status != Status.PENDING.value or (request.round, request.tier) != (round_, tier):
        raise Conflict(DECIDED_MEANWHILE)
    state = tier_state(request)
    delegators = directory.delegators_of(actor.id, request, now.date())
    try:
        capacity = rules.capacity(state, actor.id, request.requester_id, delegators)
    except rules.NotAllowed as refusal:
        raise DomainError.on(NON_FIELD, str(refusal)) from None
    step(
        request,
        decision,
        now,
        tier=request.tier,
        group_no=capacity.group,
        actor_id=actor.id,
        on_behalf_of_id=capacity.on_behalf_of,
        comment=comment,
    )
    behalf = db.session.get(User, capacity.on_behalf_of) if capacity.on_behalf_of else None
    record(
        actor,
        request,
        "approval.decided",
        f"{decision.value.lower()} at tier {request.tier + 1}"
        + (f" on behalf of {behalf.email}" if behalf else ""),
        "ApprovalStepDecided",
        {
            "round": request.round,
            "tier": request.tier + 1,
            "group": capacity.group + 1,
            "decision": decision.value,
            "deciderId": actor.id,
            "onBehalfOfId": capacity.on_behalf_of,
            "comment": comment,
        },
    )
    state.decided.append(rules.Decided(capacity.group, actor.id, capacity.on_behalf_of))
    if decision in CLOSING:
        complete(actor, request, CLOSING[decision], now)
    elif state.complete():
        if request.tier + 1 < len(request.chain):
            start_tier(request, request.tier + 1, now)
        else:
            complete(actor, request, Status.APPROVED, now)
    # Every decision bumps the version, so a writer that raced us fails here, not silently.
    flag_modified(request, "tier")
    db.session.flush()
    db.session.commit()
    return request
