"""Assigning every customer exactly one primary segment, in set-based SQL.

One evaluation run is one SELECT (`changes`): every customer joined to their stored assignment
and to the sources the rules read, the segments of their type tried in priority order (one
CASE), kept only when the result differs from the stored segment (or an override expired), with
the values that qualified them captured on the way. Untouched customers cost no write. From
those rows: a history row each, one CustomerSegmentChanged outbox event per move, and the upsert
of the assignments. On PostgreSQL the writes are data-modifying CTEs of that one statement (no
staging table, the rules run once); SQLite runs them as consecutive statements that re-read the
same SELECT (tests and small installs). The caller commits: a single customer is re-evaluated
inside the transaction that changed their attributes or behaviour.

A customer's very first assignment (no previous segment) is recorded in the history with its
reason and metrics, but emits no CustomerSegmentChanged: "segment reassignment must trigger
notifications", and a first assignment is no reassignment; the consumers learn of new customers
from CustomerCreated. Sales and marketing see only moves too (queries.notifications).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import (
    JSON,
    Boolean,
    ColumnElement,
    Select,
    String,
    TableClause,
    Text,
    case,
    column,
    func,
    literal,
    literal_column,
    null,
    or_,
    select,
    table,
    text,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import aliased

from portal.customers.models import Customer
from portal.customers.values import B2B_TYPES
from portal.events.models import OutboxEvent
from portal.events.outbox import SELECTED_COLUMNS, SYSTEM, sql_uuid
from portal.extensions import db
from portal.models import UTCDateTime, among, utcnow
from portal.segmentation.catalogue import evaluated_segments
from portal.segmentation.compiler import compile_rule
from portal.segmentation.fields import FIELDS, Sources
from portal.segmentation.models import (
    CustomerSegment,
    ReasonCode,
    Segment,
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


def evaluation(now: datetime, *, joined: bool, actor_id: str = SYSTEM) -> Evaluation:
    """The CASE that gives each customer the first matching segment of their type."""
    segments = evaluated_segments(actor_id)
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


def ahead_of(draft: Segment, segments: list[Segment]) -> list[Segment]:
    """The ordinary segments of `draft`'s type tried before it, in `segments` as
    catalogue.evaluated_segments gives them with the draft in place."""
    mine = [s for s in segments if s.segment_type == draft.segment_type and not s.is_fallback]
    return mine[: mine.index(draft)]


def qualification(rule: dict, sources: Sources) -> ColumnElement:
    """The values of the fields `rule` tests, as a JSON object (what qualified a customer)."""
    pairs: dict[str, ColumnElement] = {}
    for condition in fields_of(rule):
        key = condition["field"] + (f"_{condition['days']}d" if "days" in condition else "")
        pairs.setdefault(key, FIELDS[condition["field"]].sql(sources, condition))
    return json_object(list(pairs.items()))


def changes(plan: Evaluation, now: datetime, selection: ColumnElement | None = None) -> Select:
    """One row per customer whose assignment must change: stored segment (`current`, NULL for a
    first assignment), new one (`target`; an active override keeps its segment), whether an
    override expired (with its justification and end for the history), and the qualifying
    values of the new segment's rule (`metrics`)."""
    cs = aliased(CustomerSegment, name="cs")
    until = cs.override_until
    active = until.is_not(None) & (until > now)
    expired = until.is_not(None) & (until <= now)
    target = case((active, cs.segment_id), else_=plan.target)
    # CASE <target> WHEN …: PostgreSQL evaluates the target once for the whole lookup.
    metrics = case(
        {s.id: qualification(s.rule, plan.sources) for s in plan.segments},
        value=target,
        else_=json_object([]),
    )
    query = (
        select(
            Customer.id.label("customer_id"),
            cs.segment_id.label("current"),
            target.label("target"),
            case((expired, True), else_=False).label("expired"),
            case((expired, cs.override_justification), else_=null()).label("justification"),
            case((expired, until), else_=null()).label("override_until"),
            metrics.label("metrics"),
        )
        .select_from(Customer)
        .outerjoin(cs, cs.customer_id == Customer.id)
        .where(or_(target.is_distinct_from(cs.segment_id), expired))
    )
    if selection is not None:
        query = query.where(selection)
    return plan.sources.join(query)


def bulk_settings() -> None:
    """For a statement over every customer, until the transaction ends: hash joins and
    aggregates of a million rows stay in memory, and no JIT (measured: compiling the CASE took
    seconds and saved less than it cost)."""
    if _dialect() == "postgresql":
        db.session.execute(text("SET LOCAL work_mem = '256MB'"))
        db.session.execute(text("SET LOCAL jit = off"))


def evaluate(
    customer_ids: Sequence[str] | None = None,
    *,
    where: ColumnElement | None = None,
    actor_id: str = SYSTEM,
    now: datetime | None = None,
    progress: Callable[[str], None] = lambda step: None,
) -> int:
    """Re-evaluate the given customers, those matching `where`, or all when neither is given;
    returns how many moved from one segment to another."""
    db.session.flush()
    now = now or utcnow()
    everyone = customer_ids is None and where is None
    # A few named customers: correlated order windows probe the index instead of aggregating.
    plan = evaluation(now, joined=customer_ids is None, actor_id=actor_id)
    selection = among(Customer.id, customer_ids) if customer_ids is not None else where
    query = changes(plan, now, selection)
    writer = Writer(plan, now, actor_id)
    if _dialect() == "postgresql":
        if everyone:
            bulk_settings()
            moved = writer.staged(query)
        elif customer_ids is not None:
            moved = writer.named(query)
        else:
            moved = writer.all_at_once(query)
    else:
        moved = writer.step_by_step(query)
    progress("assigned")
    return moved


def evaluate_customer(customer_id: str, *, actor_id: str = SYSTEM) -> None:
    """Re-evaluate one customer in the caller's transaction (their data just changed)."""
    evaluate([customer_id], actor_id=actor_id)


def segment_json(segment) -> ColumnElement:
    return json_object([("segmentType", segment.segment_type), ("specificSegment", segment.name)])


HISTORY_COLUMNS = [
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
ASSIGNMENT_COLUMNS = [
    "customer_id",
    "segment_id",
    "since",
    "override_until",
    "override_justification",
]


# The rows of `changes`, staged by a full run on PostgreSQL (a temporary table of this session).
STAGED = table(
    "segment_run",
    column("customer_id", String),
    column("current", String),
    column("target", String),
    column("expired", Boolean),
    column("justification", Text),
    column("override_until", UTCDateTime),
    column("metrics", JSON),
)


@dataclass
class Writer:
    """The writes of one run, each an INSERT … SELECT from the `changes` rows (`src`)."""

    plan: Evaluation
    now: datetime
    actor_id: str

    def staged(self, query: Select) -> int:
        """Every customer: the changes into a temporary table first. CREATE TABLE AS may run
        its SELECT in parallel workers, which a statement that writes never does; the writes
        then read only the (few, on a rerun) changed rows."""
        db.session.execute(text(f"DROP TABLE IF EXISTS {STAGED.name}"))
        compiled = query.compile(
            dialect=db.session.get_bind().dialect, compile_kwargs={"render_postcompile": True}
        )
        db.session.connection().exec_driver_sql(
            f"CREATE TEMPORARY TABLE {STAGED.name} AS {compiled.string}", compiled.params
        )
        moved = self.all_at_once(STAGED)
        db.session.execute(text(f"DROP TABLE {STAGED.name}"))
        return moved

    def all_at_once(self, query: Select | TableClause) -> int:
        # A CTE read by every write: PostgreSQL evaluates it once.
        src = query if isinstance(query, TableClause) else query.cte("changes")
        writes = [
            insert.cte(f"write_{i}")
            for i, insert in enumerate((self.history(src), self.events(src), self.assign(src)))
        ]
        return db.session.scalar(
            select(func.count().filter(self.moved(src))).select_from(src).add_cte(*writes)
        )

    def named(self, query: Select) -> int:
        """A few named customers: history and events by one statement that returns the changes,
        then the assignments from those rows. SQLAlchemy never caches an INSERT … ON CONFLICT
        (nor a statement holding one), and compiling the rules' CASE cost ~30 ms a run; without
        the upsert the big statement is compiled once per rule set and reused."""
        src = query.cte("changes")
        writes = [
            insert.cte(f"write_{i}")
            for i, insert in enumerate((self.history(src), self.events(src)))
        ]
        rows = db.session.execute(
            select(src.c.customer_id, src.c.target, self.moved(src)).add_cte(*writes)
        ).all()
        if rows:
            db.session.execute(
                self.reassign(_upsert()),
                [
                    dict(
                        zip(
                            ASSIGNMENT_COLUMNS,
                            (customer, target, self.now, None, None),
                            strict=True,
                        )
                    )
                    for customer, target, _moved in rows
                ],
            )
        return sum(1 for *_, moved in rows if moved)

    def step_by_step(self, query: Select) -> int:
        # The assignment goes last: every earlier step still sees the stored segments.
        src = query.subquery("changes")
        moved = db.session.scalar(select(func.count()).select_from(src).where(self.moved(src)))
        for statement in (self.history(src), self.events(src), self.assign(src)):
            db.session.execute(statement)
        return moved

    @staticmethod
    def moved(src) -> ColumnElement:
        return src.c.current.is_not(None) & (src.c.current != src.c.target)

    def reason(self, src) -> ColumnElement:
        return case(
            (src.c.expired, ReasonCode.OVERRIDE_EXPIRED.value),
            (src.c.target.in_(self.plan.fallback_ids), ReasonCode.FALLBACK.value),
            else_=ReasonCode.RULE_MATCHED.value,
        )

    def history(self, src):
        segment = aliased(Segment, name="target_segment")
        rows = select(
            src.c.customer_id,
            src.c.current,
            src.c.target,
            literal(self.now, UTCDateTime),
            segment.rule_version_id,
            self.reason(src),
            src.c.metrics,
            src.c.justification,
            src.c.override_until,
            literal(self.actor_id),
        ).join(segment, segment.id == src.c.target)
        return SegmentHistory.__table__.insert().from_select(HISTORY_COLUMNS, rows)

    def events(self, src):
        # A first assignment (no previous segment) is no reassignment: history only, no event.
        before, after = aliased(Segment, name="before"), aliased(Segment, name="after")
        payload = json_object(
            [
                ("customerId", src.c.customer_id),
                ("previousSegment", segment_json(before)),
                ("newSegment", segment_json(after)),
                ("reasonCode", self.reason(src)),
            ]
        )
        rows = (
            select(
                sql_uuid(),
                literal(CHANGED_EVENT),
                literal(1),
                literal(self.now, UTCDateTime),
                literal("customer"),
                src.c.customer_id,
                literal(self.actor_id),
                payload,
                literal(0),
            )
            .join(after, after.id == src.c.target)
            .join(before, before.id == src.c.current)
            .where(self.moved(src))
        )
        return OutboxEvent.__table__.insert().from_select(SELECTED_COLUMNS, rows)

    def assign(self, src):
        rows = select(
            src.c.customer_id, src.c.target, literal(self.now, UTCDateTime), null(), null()
        ).where(src.c.customer_id.is_not(None))  # SQLite: a WHERE before ON CONFLICT
        return self.reassign(_upsert().from_select(ASSIGNMENT_COLUMNS, rows))

    @staticmethod
    def reassign(insert):
        """The assignments' upsert: a move restarts `since`; any override ends."""
        table = CustomerSegment.__table__
        moved = table.c.segment_id != insert.excluded.segment_id
        return insert.on_conflict_do_update(
            index_elements=["customer_id"],
            set_={
                "segment_id": insert.excluded.segment_id,
                "since": case((moved, insert.excluded.since), else_=table.c.since),
                "override_until": null(),
                "override_justification": null(),
                "override_by": null(),
            },
        )
