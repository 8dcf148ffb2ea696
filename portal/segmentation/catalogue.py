"""The segments themselves: loading them in evaluation order, writing rule versions, and the
fallback segment each segment type must always have."""

from __future__ import annotations

from sqlalchemy import func, select

from portal.extensions import db
from portal.segmentation import rules
from portal.segmentation.models import Segment, SegmentRuleVersion, SegmentType

FALLBACKS = {
    SegmentType.B2C: ("B2C general", "Consumers no other B2C segment matched"),
    SegmentType.B2B: ("B2B general", "Businesses no other B2B segment matched"),
}
FALLBACK_PRIORITY = 1_000_000  # after every ordinary segment of its type


def add_version(segment: Segment, actor_id: str, previous: SegmentRuleVersion | None) -> None:
    """Record the segment as it is now as its next rule version, with the diff."""
    changes = rules.diff(previous.rule if previous else None, segment.rule)
    if previous and previous.description != segment.description:
        changes.insert(0, f"description: {previous.description!r} → {segment.description!r}")
    if previous and previous.name != segment.name:
        changes.insert(0, f"name: {previous.name!r} → {segment.name!r}")
    version = SegmentRuleVersion(
        segment_id=segment.id,
        version=(previous.version + 1) if previous else 1,
        name=segment.name,
        description=segment.description,
        rule=segment.rule,
        diff=changes,
        created_by=actor_id,
    )
    db.session.add(version)
    db.session.flush()
    segment.rule_version_id = version.id


def current_version(segment: Segment) -> SegmentRuleVersion | None:
    if segment.rule_version_id is None:
        return None
    return db.session.get(SegmentRuleVersion, segment.rule_version_id)


def ensure_fallbacks(actor_id: str) -> None:
    """Create the fallback segment of each type that has none, so nobody is left out."""
    present = set(db.session.scalars(select(Segment.segment_type).where(Segment.is_fallback)))
    for segment_type, (name, description) in FALLBACKS.items():
        if segment_type not in present:
            segment = Segment(
                segment_type=segment_type,
                name=name,
                description=description,
                priority=FALLBACK_PRIORITY,
                is_fallback=True,
                rule=rules.empty_rule(),
            )
            db.session.add(segment)
            db.session.flush()
            add_version(segment, actor_id, None)


def ordered_segments(actor_id: str) -> list[Segment]:
    """Every segment, by type, then ordinary ones by priority (1 first), then the fallback."""
    ensure_fallbacks(actor_id)
    return list(
        db.session.scalars(
            select(Segment).order_by(Segment.segment_type, Segment.is_fallback, Segment.priority)
        )
    )


def rule_problems(segment: Segment) -> dict[str, str]:
    """Why the segment's stored rule cannot be evaluated, by node path (see rules.problems)."""
    return {} if segment.is_fallback else rules.problems(segment.rule)


def evaluated_segments(actor_id: str, draft: Segment | None = None) -> list[Segment]:
    """The segments in the order the engine tries them. `draft` (a transient Segment) takes the
    place of the saved segment with its id, or joins its type last: the editor's preview.

    A segment whose stored rule is broken is left out: it matches nobody until it is fixed
    (the list and the editor say why), rather than failing every customer write."""
    segments = ordered_segments(actor_id)
    if draft is not None:
        segments = [draft if s.id == draft.id else s for s in segments]
        if draft not in segments:
            fallback = next(
                i
                for i, s in enumerate(segments)
                if s.is_fallback and s.segment_type == draft.segment_type
            )
            segments.insert(fallback, draft)
    return [s for s in segments if s is draft or not rule_problems(s)]


def next_priority(segment_type: SegmentType) -> int:
    highest = db.session.scalar(
        select(func.max(Segment.priority)).where(
            Segment.segment_type == segment_type, Segment.is_fallback.is_(False)
        )
    )
    return (highest or 0) + 1
