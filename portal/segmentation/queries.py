"""Reads for the segmentation pages: overview, editor preview, a customer's panel, reports and
notifications. Each selects what the page shows and aggregates in SQL."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import (
    ColumnElement,
    Row,
    Select,
    and_,
    case,
    false,
    func,
    literal,
    not_,
    or_,
    select,
    text,
)
from sqlalchemy.orm import aliased

from portal.customers import journey
from portal.customers.models import Customer
from portal.customers.values import B2B_TYPES
from portal.extensions import db
from portal.labels import label
from portal.models import utcnow
from portal.security.models import User
from portal.segmentation.catalogue import evaluated_segments
from portal.segmentation.compiler import compile_rule
from portal.segmentation.engine import ahead_of, bulk_settings
from portal.segmentation.fields import Sources
from portal.segmentation.models import (
    CustomerOrder,
    CustomerSegment,
    NotificationCursor,
    RecomputeRun,
    Segment,
    SegmentHistory,
    SegmentMovesDaily,
    SegmentRuleVersion,
    SegmentSize,
    SegmentSizeDaily,
    SegmentType,
)

SAMPLE = 10


def _of_type(segment_type: SegmentType):
    b2b = Customer.customer_type.in_([t.value for t in B2B_TYPES])
    return b2b if segment_type == SegmentType.B2B else ~b2b


def segment_choices(segment_type: SegmentType) -> list[tuple[str, str]]:
    """(id, name) of the segments of one type, in priority order: an override's choices."""
    rows = db.session.execute(
        select(Segment.id, Segment.name)
        .where(Segment.segment_type == segment_type)
        .order_by(Segment.priority)
    )
    return [(row.id, row.name) for row in rows]


def segment_overview() -> tuple[list[tuple[Segment, int]], RecomputeRun | None]:
    """Every segment in evaluation order with its member count, and the last full recompute."""
    counts = dict(
        db.session.execute(
            select(CustomerSegment.segment_id, func.count()).group_by(CustomerSegment.segment_id)
        ).all()
    )
    segments = db.session.scalars(
        select(Segment).order_by(Segment.segment_type, Segment.is_fallback, Segment.priority)
    )
    return [(s, counts.get(s.id, 0)) for s in segments], last_recompute()


@dataclass(frozen=True)
class Preview:
    matching: int
    moving_in: int
    moving_out: int
    sample: list


def _holds(rule: dict, sources: Sources) -> ColumnElement:
    # A rule over a missing value (NULL) does not match: say so, so NOT works as expected.
    return func.coalesce(compile_rule(rule, sources), false())


def preview(draft: Segment, actor_id: str, now: datetime | None = None) -> Preview:
    """How many customers `draft`'s rule matches, who would move in and out versus today, and
    a sample of matching customers, without saving anything.

    One aggregate: a customer moves in when the draft matches, no segment tried before it does,
    no override holds them and they are elsewhere today; out when they are in it today, free,
    and a segment before it or no longer the draft claims them. Segments after the draft never
    matter, so the full priority CASE is not needed.
    """
    now = now or utcnow()
    bulk_settings()  # the caller's transaction only reads; it ends with the request
    sources = Sources(now)
    matches = _holds(draft.rule, sources)
    ahead = [_holds(s.rule, sources) for s in ahead_of(draft, evaluated_segments(actor_id, draft))]
    earlier = or_(*ahead) if ahead else false()
    # Only two kinds of assignment matter: members of the draft's segment and overrides still
    # in force (both few). Joining just those, not every assignment, keeps the hash small; a
    # customer without a joined row is free and elsewhere today (or not assigned yet).
    cs = aliased(CustomerSegment, name="cs")
    held = cs.override_until > now
    joined = and_(cs.customer_id == Customer.id, or_(cs.segment_id == draft.id, held))
    free = not_(func.coalesce(held, false()))
    into = and_(matches, not_(earlier), cs.customer_id.is_(None))
    out = and_(cs.segment_id == draft.id, free, or_(earlier, not_(matches)))
    counts = (
        select(func.count().filter(matches), func.count().filter(into), func.count().filter(out))
        .select_from(Customer)
        .outerjoin(cs, joined)
    )
    counts = sources.join(counts).where(_of_type(draft.segment_type))
    matching, moving_in, moving_out = db.session.execute(counts).one()
    # The first few matches found, shown by name: no sort of every match for ten rows.
    sample_sources = Sources(now)
    found = sample_sources.join(
        select(Customer.id, Customer.name, Customer.customer_type)
        .select_from(Customer)
        .where(_of_type(draft.segment_type), _holds(draft.rule, sample_sources))
    )
    sample = sorted(db.session.execute(found.limit(SAMPLE)).all(), key=lambda row: row.name)
    return Preview(matching, moving_in, moving_out, sample)


@dataclass(frozen=True)
class HistoryRow:
    entry: SegmentHistory
    from_name: str | None
    to_name: str
    version: int | None
    actor_name: str | None


def customer_history(customer_id: str, limit: int | None = None) -> list[HistoryRow]:
    before, after = aliased(Segment), aliased(Segment)
    query = (
        select(SegmentHistory, before.name, after.name, SegmentRuleVersion.version, User.name)
        .join(after, after.id == SegmentHistory.to_segment_id)
        .outerjoin(before, before.id == SegmentHistory.from_segment_id)
        .outerjoin(SegmentRuleVersion, SegmentRuleVersion.id == SegmentHistory.rule_version_id)
        .outerjoin(User, User.id == SegmentHistory.actor)
        .where(SegmentHistory.customer_id == customer_id)
        .order_by(SegmentHistory.id.desc())
        .limit(limit)
    )
    return [HistoryRow(*row) for row in db.session.execute(query)]


def customer_segment(customer_id: str) -> tuple[CustomerSegment, Segment] | None:
    row = db.session.execute(
        select(CustomerSegment, Segment)
        .join(Segment, Segment.id == CustomerSegment.segment_id)
        .where(CustomerSegment.customer_id == customer_id)
    ).first()
    return tuple(row) if row else None


def rule_versions(segment_id: str) -> list[tuple[SegmentRuleVersion, str | None]]:
    query = (
        select(SegmentRuleVersion, User.name)
        .outerjoin(User, User.id == SegmentRuleVersion.created_by)
        .where(SegmentRuleVersion.segment_id == segment_id)
        .order_by(SegmentRuleVersion.version.desc())
    )
    return [tuple(row) for row in db.session.execute(query)]


def moves_on_days(first: date, last: date) -> int:
    """The moves (first assignments included) the report counts on the days first..last, summed
    from the moves per day the history's trigger keeps: a few rows, however many moved."""
    moves = SegmentMovesDaily
    return db.session.scalar(
        select(func.coalesce(func.sum(moves.moves), 0)).where(moves.day.between(first, last))
    )


def transitions(start: datetime, end: datetime) -> dict[tuple[str | None, str], int]:
    """(from segment name or None for a first assignment, to name) → moves on the days of
    [start, end) (midnights, UTC), from the moves per day the history's trigger keeps."""
    before, after = aliased(Segment), aliased(Segment)
    moves = SegmentMovesDaily
    query = (
        select(before.name, after.name, func.sum(moves.moves))
        .select_from(moves)
        .join(after, after.id == moves.to_segment_id)
        .outerjoin(before, before.id == moves.from_segment_id)
        .where(moves.day >= start.date(), moves.day < end.date())
        .group_by(before.name, after.name)
    )
    return {(f, t): int(n) for f, t, n in db.session.execute(query)}


def distribution(
    end: datetime, days: int, points: int
) -> tuple[list[datetime], dict[str, list[int]]]:
    """Members per segment at `points` moments up to `end`: the latest daily snapshot before
    each moment, and the sizes now from today on."""
    step = timedelta(days=days) / (points - 1)
    moments = [end - step * (points - 1 - i) for i in range(points)]
    # A moment at midnight closes the day before it.
    days_of = [(m - timedelta(microseconds=1)).date() for m in moments]
    names = dict(db.session.execute(select(Segment.id, Segment.name)).all())
    series = {name: [0] * points for name in names.values()}
    snap = SegmentSizeDaily
    today = utcnow().date()
    # The last snapshot on or before the first day, then every one up to the last day.
    baseline = (
        select(snap.segment_id, func.max(snap.day).label("day"))
        .where(snap.day <= days_of[0])
        .group_by(snap.segment_id)
        .subquery()
    )
    rows = db.session.execute(
        select(snap.segment_id, snap.day, snap.members)
        .join(baseline, (baseline.c.segment_id == snap.segment_id) & (baseline.c.day == snap.day))
        .union_all(
            select(snap.segment_id, snap.day, snap.members).where(
                snap.day > days_of[0], snap.day <= days_of[-1]
            )
        )
        .order_by("day")
    ).all()
    now = dict(db.session.execute(select(SegmentSize.segment_id, SegmentSize.members)).all())
    for i, day in enumerate(days_of):
        sizes = now if day >= today else {s: n for s, d, n in rows if d <= day}
        for segment_id, members in sizes.items():
            if segment_id in names:
                series[names[segment_id]][i] = members
    return moments, series


# Segment moves are news for the people who sell to and target customers, not for every reader.
NOTIFIED_ROLES = frozenset({"sales", "marketing"})


def receives_notifications(user: User) -> bool:
    return any(role.name in NOTIFIED_ROLES for role in user.roles)


def notifications(user: User, limit: int = 50) -> tuple[list[HistoryRow], int, int]:
    """Recent segment moves for sales and marketing, how many are unread, the newest id."""
    seen = (
        db.session.scalar(
            select(NotificationCursor.last_seen_id).where(NotificationCursor.user_id == user.id)
        )
        or 0
    )
    before, after = aliased(Segment), aliased(Segment)
    moves = and_(
        SegmentHistory.from_segment_id.is_not(None),
        SegmentHistory.from_segment_id != SegmentHistory.to_segment_id,
    )
    unread = db.session.scalar(
        select(func.count()).select_from(SegmentHistory).where(moves, SegmentHistory.id > seen)
    )
    newest = db.session.scalar(select(func.max(SegmentHistory.id)).where(moves)) or 0
    query = (
        select(SegmentHistory, before.name, after.name, SegmentRuleVersion.version, Customer.name)
        .join(after, after.id == SegmentHistory.to_segment_id)
        .join(before, before.id == SegmentHistory.from_segment_id)
        .join(Customer, Customer.id == SegmentHistory.customer_id)
        .outerjoin(SegmentRuleVersion, SegmentRuleVersion.id == SegmentHistory.rule_version_id)
        .where(moves)
        .order_by(SegmentHistory.id.desc())
        .limit(limit)
    )
    return [HistoryRow(*row) for row in db.session.execute(query)], unread, newest


@dataclass(frozen=True)
class LifetimeOrders:
    # (currency, orders, spend in minor units, cancelled orders): never summed across currencies
    by_currency: list[tuple[str, int, int, int]]
    last: Row | None  # the latest order: id, placed_at, amount_minor, currency, cancelled_at

    @property
    def count(self) -> int:
        return sum(orders for _, orders, _, _ in self.by_currency)


def lifetime_orders(customer_id: str) -> LifetimeOrders:
    """Orders and spend (cancelled orders not spent) per currency, and the last order: one
    index range of the customer's orders."""
    o = CustomerOrder
    kept = case((o.cancelled_at.is_(None), o.amount_minor), else_=0)
    totals = db.session.execute(
        select(
            o.currency,
            func.count(),
            func.coalesce(func.sum(kept), 0),
            func.count(o.cancelled_at),
        )
        .where(o.customer_id == customer_id)
        .group_by(o.currency)
        .order_by(o.currency)
    ).all()
    last = db.session.execute(
        select(o.order_id, o.placed_at, o.amount_minor, o.currency, o.cancelled_at)
        .where(o.customer_id == customer_id)
        .order_by(o.placed_at.desc())
        .limit(1)
    ).first()
    return LifetimeOrders([tuple(row) for row in totals], last)


# The journey's touchpoints kept here (portal.customers.journey): orders and their
# cancellations, and segment moves.


@journey.source("order", "Order")
def _order_touchpoints(customer_id: str) -> Select:
    o = CustomerOrder
    return select(
        o.placed_at.label("at"),
        o.order_id.label("ref"),
        literal("Order placed").label("title"),
        o.order_id.label("detail"),
        o.amount_minor.label("amount_minor"),
        o.currency.label("currency"),
    ).where(o.customer_id == customer_id)


@journey.source("order", "Order")
def _cancellation_touchpoints(customer_id: str) -> Select:
    o = CustomerOrder
    return select(
        o.cancelled_at.label("at"),
        (o.order_id + literal(":cancelled")).label("ref"),
        literal("Order cancelled").label("title"),
        o.order_id.label("detail"),
        o.amount_minor.label("amount_minor"),
        o.currency.label("currency"),
    ).where(o.customer_id == customer_id, o.cancelled_at.is_not(None))


@journey.source("segment", "Segment change", detailed=label)
def _segment_touchpoints(customer_id: str) -> Select:
    h = SegmentHistory
    return (
        select(
            h.at.label("at"),
            h.id.label("ref"),
            Segment.name.label("title"),
            h.reason_code.label("detail"),
            *journey.no_amount(),
        )
        .join(Segment, Segment.id == h.to_segment_id)
        .where(h.customer_id == customer_id)
    )


def estimated_sizes() -> dict[str, int] | None:
    """Members per segment id as PostgreSQL's statistics estimate them: free, where counting a
    million assignments takes a second or two. None where there are no statistics (SQLite, or
    a table not analysed yet): then count."""
    if db.engine.dialect.name != "postgresql":
        return None
    row = db.session.execute(
        text(
            "SELECT s.most_common_vals::text::text[] AS ids, s.most_common_freqs AS shares,"
            " c.reltuples AS total FROM pg_stats s"
            " JOIN pg_class c ON c.relname = s.tablename"
            " AND c.relnamespace = to_regnamespace(s.schemaname)"
            " WHERE s.schemaname = current_schema() AND s.tablename = 'customer_segment'"
            " AND s.attname = 'segment_id'"
        )
    ).first()
    if row is None or row.ids is None or row.total <= 0:
        return None
    return {
        ident: round(share * row.total) for ident, share in zip(row.ids, row.shares, strict=True)
    }


def segment_sizes() -> tuple[list[tuple[Segment, int]], bool]:
    """Every segment with its members, and whether the numbers are estimates (see above)."""
    estimates = estimated_sizes()
    if estimates is None:
        return segment_overview()[0], False
    segments = db.session.scalars(
        select(Segment).order_by(Segment.segment_type, Segment.is_fallback, Segment.priority)
    )
    return [(s, estimates.get(str(s.id), 0)) for s in segments], True


def last_recompute() -> RecomputeRun | None:
    return db.session.scalar(select(RecomputeRun).order_by(RecomputeRun.id.desc()).limit(1))
