"""Segmentation use cases (SegmentationAdminService): define and edit segments, reorder their
priorities, override a customer's segment, run the full recompute, read notifications.

Each takes the acting user first, checks the rules, writes audit and events in one transaction
and commits; a refusal raises DomainError (→ 422), NotFound or Conflict and nothing is saved.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from portal.customers.models import Customer
from portal.domain import Conflict, DomainError, load, use_case
from portal.events.outbox import emit
from portal.extensions import db
from portal.limits import column_text_error
from portal.metrics import SEGMENTATION_MOVES, SEGMENTATION_SECONDS
from portal.models import new_uuid, utcnow
from portal.security import audit
from portal.security.models import User
from portal.segmentation import rules
from portal.segmentation.catalogue import (
    add_version,
    current_version,
    ensure_fallbacks,
    next_priority,
)
from portal.segmentation.engine import CHANGED_EVENT, evaluate
from portal.segmentation.models import (
    CustomerSegment,
    NotificationCursor,
    ReasonCode,
    RecomputeRun,
    Segment,
    SegmentHistory,
    SegmentType,
)

MAX_OVERRIDE_DAYS = 366


@dataclass(frozen=True)
class SegmentInput:
    name: str
    description: str
    segment_type: SegmentType
    rule: dict  # a draft: rules.validate turns it into the stored form


@use_case
def save_segment(actor: User, segment_id: str | None, data: SegmentInput) -> Segment:
    """Create or change a segment; every save is a new rule version with its diff."""
    segment = load(Segment, segment_id, "segment") if segment_id else None
    errors: dict[str, list[str]] = {}
    name = data.name.strip()
    if not name:
        errors["name"] = ["Enter a name."]
    elif message := column_text_error(Segment.name, name):
        errors["name"] = [message]
    elif db.session.scalar(
        select(Segment.id).where(
            func.lower(Segment.name) == name.lower(), Segment.id != (segment_id or "")
        )
    ):
        errors["name"] = ["Another segment has this name."]
    if message := column_text_error(Segment.description, data.description):
        errors["description"] = [message]
    rule = rules.empty_rule()
    if not (segment and segment.is_fallback):
        try:
            rule = rules.validate(data.rule)
        except rules.RuleInvalid as invalid:
            errors.update({path: [message] for path, message in invalid.errors.items()})
    if errors:
        raise DomainError(errors)
    previous = current_version(segment) if segment else None
    if segment is None:
        ensure_fallbacks(actor.id)
        segment = Segment(
            id=new_uuid(),
            segment_type=data.segment_type,
            priority=next_priority(data.segment_type),
        )
        db.session.add(segment)
    segment.name, segment.description, segment.rule = name, data.description.strip(), rule
    db.session.flush()
    add_version(segment, actor.id, previous)
    audit.record(
        "segment.save",
        user=actor,
        record_type="segment",
        record_id=segment.id,
        summary=f"Saved segment {segment.name}",
        details={"diff": rules.diff(previous.rule if previous else None, rule)},
    )
    db.session.commit()
    return segment


@use_case
def reorder_segments(actor: User, segment_type: SegmentType, ordered_ids: list[str]) -> None:
    """Give the ordinary segments of a type priorities 1..n in the order given."""
    segments = {
        s.id: s
        for s in db.session.scalars(
            select(Segment).where(
                Segment.segment_type == segment_type, Segment.is_fallback.is_(False)
            )
        )
    }
    if sorted(ordered_ids) != sorted(segments):
        raise Conflict("The list of segments changed meanwhile; reload and try again.")
    for priority, segment_id in enumerate(ordered_ids, start=1):
        segments[segment_id].priority = priority
    audit.record(
        "segment.reorder",
        user=actor,
        record_type="segment",
        summary=f"Reordered {segment_type} segments",
        details={"order": [segments[i].name for i in ordered_ids]},
    )
    db.session.commit()


def _segment_payload(segment: Segment | None) -> dict | None:
    if segment is None:
        return None
    return {"segmentType": segment.segment_type, "specificSegment": segment.name}


@use_case
def override_segment(
    actor: User, customer_id: str, segment_id: str, justification: str, until: datetime
) -> CustomerSegment:
    """Put a customer into a segment by hand until `until`; recomputes leave it alone till then."""
    customer = load(Customer, customer_id, "customer")
    segment = db.session.get(Segment, segment_id)
    now = utcnow()
    errors: dict[str, list[str]] = {}
    wanted = SegmentType.B2B if customer.customer_type.is_b2b else SegmentType.B2C
    if segment is None or segment.segment_type != wanted:
        errors["segment_id"] = [f"Choose a {wanted} segment."]
    if not justification.strip():
        errors["justification"] = ["Say why this customer belongs in this segment."]
    if until <= now:
        errors["until"] = ["The override must end in the future."]
    elif (until - now).days > MAX_OVERRIDE_DAYS:
        errors["until"] = [f"An override lasts at most {MAX_OVERRIDE_DAYS} days."]
    if errors:
        raise DomainError(errors)
    evaluate([customer_id], actor_id=actor.id, now=now)  # an assignment to replace
    assignment = db.session.get(CustomerSegment, customer_id)
    db.session.refresh(assignment)
    previous = db.session.get(Segment, assignment.segment_id)
    if previous.id != segment.id:
        assignment.since = now
    assignment.segment_id = segment.id
    assignment.override_until = until
    assignment.override_justification = justification.strip()
    assignment.override_by = actor.id
    db.session.add(
        SegmentHistory(
            customer_id=customer_id,
            from_segment_id=previous.id,
            to_segment_id=segment.id,
            at=now,
            rule_version_id=segment.rule_version_id,
            reason_code=ReasonCode.ADMIN_OVERRIDE,
            metrics={},
            justification=assignment.override_justification,
            override_until=until,
            actor=actor.id,
        )
    )
    if previous.id != segment.id:  # consumers that follow segment moves hear of this one too
        emit(
            CHANGED_EVENT,
            customer_id,
            {
                "customerId": customer_id,
                "previousSegment": _segment_payload(previous),
                "newSegment": _segment_payload(segment),
                "reasonCode": ReasonCode.ADMIN_OVERRIDE.value,
            },
            actor=actor.id,
            occurred_at=now,
        )
    event_id = new_uuid()
    emit(
        "CustomerSegmentOverriddenByAdmin",
        customer_id,
        {
            "eventId": event_id,
            "timestamp": now.isoformat(),
            "adminUserId": actor.id,
            "customerId": customer_id,
            "previousSegment": _segment_payload(previous),
            "newSegment": _segment_payload(segment),
            "justification": assignment.override_justification,
            "overrideExpiration": until.isoformat(),
        },
        actor=actor.id,
        event_id=event_id,
        occurred_at=now,
    )
    audit.record(
        "segment.override",
        user=actor,
        record_type="customer",
        record_id=customer_id,
        summary=f"Put into {segment.name} until {until:%Y-%m-%d}",
        details={"from": previous.name, "to": segment.name, "until": until.isoformat()},
    )
    db.session.commit()
    return assignment


def recompute_all(
    actor_id: str, progress: Callable[[str], None] = lambda step: None
) -> RecomputeRun:
    """Re-evaluate every customer (set-based) and record the run."""
    started = utcnow()
    changed = evaluate(None, actor_id=actor_id, now=started, progress=progress)
    run = RecomputeRun(started_at=started, finished_at=utcnow(), changed=changed, actor=actor_id)
    SEGMENTATION_SECONDS.observe((run.finished_at - started).total_seconds())
    SEGMENTATION_MOVES.inc(changed)
    db.session.add(run)
    audit.record(
        "segment.recompute",
        actor=actor_id,
        record_type="segment",
        summary=f"Recomputed segments: {changed} customers moved",
    )
    db.session.commit()
    return run


def mark_notifications_read(user: User, up_to: int) -> None:
    cursor = db.session.get(NotificationCursor, user.id)
    if cursor is None:
        cursor = NotificationCursor(user_id=user.id, last_seen_id=0)
        db.session.add(cursor)
    # Never past the newest entry: later moves stay unread, and the column holds the number.
    newest = db.session.scalar(select(func.max(SegmentHistory.id))) or 0
    cursor.last_seen_id = max(cursor.last_seen_id, min(up_to, newest))
    db.session.commit()
