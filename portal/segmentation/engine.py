"""Assigning every customer exactly one primary segment, in set-based SQL.

One evaluation run: (1) one INSERT … SELECT writes a staging row for each customer whose
primary segment differs from the stored one (or whose override expired); untouched customers
cost no write. (2) History rows, with the values of the fields the new segment's rule looks at.
(3) One CustomerSegmentChanged outbox event per move (a first assignment is
not a move: it has its history row, no event). (4) An upsert of the assignments.
(5) The staging rows go. The caller commits: a single customer is re-evaluated inside the
transaction that changed their attributes or behaviour.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import (
    ColumnElement,
    Select,
    String,
    case,
    cast,
    delete,
    func,
    literal,
    literal_column,
    null,
    or_,
    select,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import aliased

from portal.customers.models import Customer
from portal.customers.values import B2B_TYPES
from portal.events.models import OutboxEvent
from portal.events.outbox import SYSTEM
from portal.extensions import db
from portal.models import UTCDateTime, new_uuid, utcnow
from portal.segmentation.catalogue import ordered_segments
from portal.segmentation.compiler import compile_rule
from portal.segmentation.fields import FIELDS, Sources
from portal.segmentation.models import (
    CustomerSegment,
    ReasonCode,
    Segment,
    SegmentChange,
    SegmentHistory,
    SegmentType,
)
from portal.segmentation.rules import fields_of

CHANGED_EVENT = "CustomerSegmentChanged"


def _dialect() -> str:
    return db.session.get_bind().dialect.name


def json_object(pairs: Sequence[tuple[str, ColumnElement]]) -> ColumnElement:
    """A JSON object built in SQL; keys are constants from this code, never user input."""
    build = func.json_build_object if _dialect() == "postgresql" else func.json_object
    args: list = []
    for key, value in pairs:
        args += [literal_column(f"'{key}'"), value]
    return build(*args)


def _sql_uuid() -> ColumnElement:
    if _dialect() == "postgresql":
        return cast(func.gen_random_uuid(), String)
    # SQLite has no UUID function: a version-4 layout from random bytes.
    return literal_column(
        "lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' ||"
        " substr(hex(randomblob(2)), 2) || '-' || substr('89ab', 1 + abs(random()) % 4, 1) ||"
        " substr(hex(randomblob(2)), 2) || '-' || hex(randomblob(6)))"
    )


def _upsert():
    return (postgresql if _dialect() == "postgresql" else sqlite).insert(CustomerSegment.__table__)


@dataclass
class Evaluation:
    """Every customer's target segment id as one SQL expression, and what it needs joined."""

    segments: list[Segment]
    sources: Sources
    target: ColumnElement

    @property
    def fallback_ids(self) -> list[str]:
        return [s.id for s in self.segments if s.is_fallback]


def evaluation(
    now: datetime, *, joined: bool, actor_id: str = SYSTEM, draft: Segment | None = None
) -> Evaluation:
    """The CASE that gives each customer the first matching segment of their type.

    `draft` (a transient Segment) takes the place of the saved segment with its id, or joins
    its type last: the editor's preview of who would move in and out.
    """
    segments = ordered_segments(actor_id)
    if draft is not None:
        segments = [draft if s.id == draft.id else s for s in segments]
        if draft not in segments:
            segments.insert(
                next(
                    i
                    for i, s in enumerate(segments)
                    if s.is_fallback and s.segment_type == draft.segment_type
                ),
                draft,
            )
    sources = Sources(now, joined=joined)
    per_type: dict[SegmentType, ColumnElement] = {}
    for segment_type in SegmentType:
        mine = [s for s in segments if s.segment_type == segment_type]
        fallback = next(s.id for s in mine if s.is_fallback)
        whens = [(compile_rule(s.rule, sources), s.id) for s in mine if not s.is_fallback]
        per_type[segment_type] = case(*whens, else_=fallback) if whens else literal(fallback)
    b2b = Customer.customer_type.in_([t.value for t in B2B_TYPES])
    target = case((b2b, per_type[SegmentType.B2B]), else_=per_type[SegmentType.B2C])
    return Evaluation(segments, sources, target)


def assignments(plan: Evaluation, now: datetime) -> Select:
    """Each customer's stored segment (`current`), the one they get now (`target`; an active
    override keeps its segment) and whether their override has just expired."""
    cs = aliased(CustomerSegment, name="cs")
    until = cs.override_until
    active = (until.is_not(None)) & (until > now)
    expired = (until.is_not(None)) & (until <= now)
    query = (
        select(
            Customer.id.label("customer_id"),
            cs.segment_id.label("current"),
            case((active, cs.segment_id), else_=plan.target).label("target"),
            case((expired, True), else_=False).label("expired"),
        )
        .select_from(Customer)
        .outerjoin(cs, cs.customer_id == Customer.id)
    )
    return plan.sources.join(query)


def evaluate(
    customer_ids: Sequence[str] | None = None,
    *,
    actor_id: str = SYSTEM,
    now: datetime | None = None,
    progress: Callable[[str], None] = lambda step: None,
) -> int:
    """Re-evaluate the given customers (all when None); returns how many changed segment."""
    db.session.flush()
    now = now or utcnow()
    run_id = new_uuid()
    plan = evaluation(now, joined=customer_ids is None, actor_id=actor_id)
    _stage(plan, run_id, now, customer_ids)
    progress("evaluated")
    _write_history(plan, run_id, now, actor_id)
    progress("history")
    moved = _emit_events(run_id, now, actor_id)
    progress("events")
    _assign(run_id, now)
    db.session.execute(delete(SegmentChange.__table__).where(SegmentChange.run_id == run_id))
    progress("assigned")
    return moved


def evaluate_customer(customer_id: str, *, actor_id: str = SYSTEM) -> None:
    """Re-evaluate one customer in the caller's transaction (their data just changed)."""
    evaluate([customer_id], actor_id=actor_id)


def _stage(plan: Evaluation, run_id: str, now: datetime, customer_ids) -> None:
    query = assignments(plan, now)
    if customer_ids is not None:
        query = query.where(Customer.id.in_(customer_ids))
    evaluated = query.cte("evaluated")
    if _dialect() == "postgresql":  # evaluate each rule once, not once per reference
        evaluated = evaluated.prefix_with("MATERIALIZED")
    reason = case(
        (evaluated.c.expired, ReasonCode.OVERRIDE_EXPIRED.value),
        (evaluated.c.target.in_(plan.fallback_ids), ReasonCode.FALLBACK.value),
        else_=ReasonCode.RULE_MATCHED.value,
    )
    changes = select(
        literal(run_id),
        evaluated.c.customer_id,
        evaluated.c.current,
        evaluated.c.target,
        reason,
        evaluated.c.expired,
    ).where(or_(evaluated.c.target.is_distinct_from(evaluated.c.current), evaluated.c.expired))
    db.session.execute(
        SegmentChange.__table__.insert().from_select(
            [
                "run_id",
                "customer_id",
                "from_segment_id",
                "to_segment_id",
                "reason_code",
                "override_expired",
            ],
            changes,
        )
    )


def qualification(rule: dict, sources: Sources) -> ColumnElement:
    """The values of the fields `rule` tests, as a JSON object (what qualified a customer)."""
    pairs: dict[str, ColumnElement] = {}
    for condition in fields_of(rule):
        key = condition["field"] + (f"_{condition['days']}d" if "days" in condition else "")
        pairs.setdefault(key, FIELDS[condition["field"]].sql(sources, condition))
    return json_object(list(pairs.items()))


def _write_history(plan: Evaluation, run_id: str, now: datetime, actor_id: str) -> None:
    ch = SegmentChange
    cs = aliased(CustomerSegment, name="cs")
    targets = set(
        db.session.scalars(select(ch.to_segment_id).where(ch.run_id == run_id).distinct())
    )
    columns = [
        "customer_id",
        "from_segment_id",
        "to_segment_id",
        "at",
        "rule_version_id",
        "reason_code",
        "metrics",
        "justification",
        "override_until",
        "actor",
    ]
    for segment in (s for s in plan.segments if s.id in targets):
        sources = Sources(now, joined=False)
        expired = ch.override_expired.is_(True)
        query = (
            select(
                ch.customer_id,
                ch.from_segment_id,
                ch.to_segment_id,
                literal(now, UTCDateTime),
                literal(segment.rule_version_id),
                ch.reason_code,
                qualification(segment.rule, sources),
                case((expired, cs.override_justification), else_=null()),
                case((expired, cs.override_until), else_=null()),
                literal(actor_id),
            )
            .select_from(ch)
            .join(Customer, Customer.id == ch.customer_id)
            .outerjoin(cs, cs.customer_id == ch.customer_id)
            .where(ch.run_id == run_id, ch.to_segment_id == segment.id)
        )
        query = sources.join(query)
        db.session.execute(SegmentHistory.__table__.insert().from_select(columns, query))


def segment_json(segment) -> ColumnElement:
    return json_object([("segmentType", segment.segment_type), ("specificSegment", segment.name)])


def _emit_events(run_id: str, now: datetime, actor_id: str) -> int:
    ch = SegmentChange
    before, after = aliased(Segment, name="before"), aliased(Segment, name="after")
    moves = (
        ch.run_id == run_id,
        ch.from_segment_id.is_not(None),
        ch.from_segment_id != ch.to_segment_id,
    )
    payload = json_object(
        [
            ("customerId", ch.customer_id),
            ("previousSegment", segment_json(before)),
            ("newSegment", segment_json(after)),
            ("reasonCode", ch.reason_code),
        ]
    )
    query = (
        select(
            _sql_uuid(),
            literal(CHANGED_EVENT),
            literal(1),
            literal(now, UTCDateTime),
            literal("customer"),
            ch.customer_id,
            literal(actor_id),
            payload,
            literal(0),
        )
        .select_from(ch)
        .join(after, after.id == ch.to_segment_id)
        .join(before, before.id == ch.from_segment_id)
        .where(*moves)
    )
    columns = [
        "id",
        "type",
        "version",
        "occurred_at",
        "aggregate_type",
        "aggregate_id",
        "actor",
        "payload",
        "attempts",
    ]
    db.session.execute(OutboxEvent.__table__.insert().from_select(columns, query))
    # rowcount of INSERT … SELECT is not reported by every driver: count the staged moves.
    return db.session.scalar(select(func.count()).where(*moves))


def _assign(run_id: str, now: datetime) -> None:
    ch = SegmentChange
    table = CustomerSegment.__table__
    insert = _upsert().from_select(
        ["customer_id", "segment_id", "since", "override_until", "override_justification"],
        select(
            ch.customer_id,
            ch.to_segment_id,
            literal(now, UTCDateTime),
            null(),
            null(),
        ).where(ch.run_id == run_id),
    )
    moved = table.c.segment_id != insert.excluded.segment_id
    db.session.execute(
        insert.on_conflict_do_update(
            index_elements=["customer_id"],
            set_={
                "segment_id": insert.excluded.segment_id,
                "since": case((moved, insert.excluded.since), else_=table.c.since),
                "override_until": null(),
                "override_justification": null(),
                "override_by": null(),
            },
        )
    )
