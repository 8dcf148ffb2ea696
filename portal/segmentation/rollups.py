"""The segment rollups (models: SegmentMovesDaily, SegmentSize, SegmentSizeDaily,
SegmentStayDays, SegmentPerformanceDaily, SegmentLift): the nightly snapshots, and the rebuild
of what the history holds.

Moves and sizes are kept by the trigger on segment_history (migration 0023_dashboards), stays
by the one of migration 0027_segdash; the snapshot copies today's sizes, so the sizes-over-time
chart reads a row per segment and day, and `lift` (and dashboards.rollups.performance) sum up
the members' orders once a night instead of on every view.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import (
    ColumnElement,
    Date,
    Integer,
    delete,
    func,
    literal,
    select,
    union_all,
)

from portal.counters import add_to, utc_day
from portal.extensions import db
from portal.segmentation.fields import BASE_CURRENCY
from portal.segmentation.models import (
    FIRST_ASSIGNMENT,
    CustomerOrder,
    CustomerSegment,
    SegmentHistory,
    SegmentLift,
    SegmentMovesDaily,
    SegmentSize,
    SegmentSizeDaily,
    SegmentStayDays,
)

ROLLUPS = (SegmentMovesDaily, SegmentSize, SegmentSizeDaily, SegmentStayDays)
WINDOW = timedelta(days=90)  # performance looks back this far, lift this far ahead


def snapshot(day: date) -> int:
    """Store every segment's size now as its size at the end of `day`; returns the segments."""
    table = SegmentSizeDaily.__table__
    rows = select(literal(day, Date), SegmentSize.segment_id, SegmentSize.members)
    db.session.execute(delete(SegmentSizeDaily).where(SegmentSizeDaily.day == day))
    return db.session.execute(
        table.insert().from_select(["day", "segment_id", "members"], rows)
    ).rowcount


def _changes():
    """+1 for the segment a history row moved a customer into, -1 for the one it left."""
    h = SegmentHistory
    moved = h.from_segment_id.is_distinct_from(h.to_segment_id)
    day = utc_day(h.at)
    into = select(day.label("day"), h.to_segment_id.label("segment_id"), literal(1).label("change"))
    out = select(day, h.from_segment_id, literal(-1)).where(h.from_segment_id.is_not(None))
    return union_all(into.where(moved), out.where(moved)).subquery("changes")


def rebuild() -> None:
    """All three rollups from segment_history, set-based: moves per day, sizes now, and the size
    at the end of every day on which a segment changed (the chart reads the latest day on or
    before each of its points)."""
    for model in ROLLUPS:
        db.session.execute(delete(model))
    h = SegmentHistory
    moves = (
        select(
            utc_day(h.at).label("day"),
            func.coalesce(h.from_segment_id, FIRST_ASSIGNMENT).label("before"),
            h.to_segment_id.label("after"),
        )
        .where(h.from_segment_id.is_distinct_from(h.to_segment_id))
        .subquery("moves")
    )
    add_to(
        SegmentMovesDaily.__table__,
        ["day", "from_segment_id", "to_segment_id"],
        select(moves.c.day, moves.c.before, moves.c.after, func.count()).group_by(
            moves.c.day, moves.c.before, moves.c.after
        ),
    )
    changes = _changes()
    daily = (
        select(changes.c.day, changes.c.segment_id, func.sum(changes.c.change).label("net"))
        .group_by(changes.c.day, changes.c.segment_id)
        .subquery("daily")
    )
    running = func.sum(daily.c.net).over(partition_by=daily.c.segment_id, order_by=daily.c.day)
    db.session.execute(
        SegmentSizeDaily.__table__.insert().from_select(
            ["day", "segment_id", "members"],
            select(daily.c.day, daily.c.segment_id, running.cast(Integer)),
        )
    )
    add_to(
        SegmentSize.__table__,
        ["segment_id"],
        select(changes.c.segment_id, func.sum(changes.c.change).cast(Integer)).group_by(
            changes.c.segment_id
        ),
    )
    _rebuild_stays()


def _whole_days(later: ColumnElement, earlier: ColumnElement) -> ColumnElement:
    """Whole days between two moments, as the stays trigger counts them in each dialect."""
    if db.session.get_bind().dialect.name == "postgresql":
        seconds = func.extract("epoch", later - earlier)
        return func.floor(seconds / 86400).cast(Integer)
    return (func.julianday(later) - func.julianday(earlier)).cast(Integer)


def _rebuild_stays() -> None:
    """Each move's days since the customer's previous move (into the segment it leaves)."""
    h = SegmentHistory
    moves = (
        select(
            h.from_segment_id.label("segment_id"),
            h.at,
            func.lag(h.at).over(partition_by=h.customer_id, order_by=(h.at, h.id)).label("entered"),
        )
        .where(h.from_segment_id.is_distinct_from(h.to_segment_id))
        .subquery("moves")
    )
    days = _whole_days(moves.c.at, moves.c.entered).label("days")
    add_to(
        SegmentStayDays.__table__,
        ["segment_id", "days"],
        select(moves.c.segment_id, days, func.count())
        .where(moves.c.segment_id.is_not(None), moves.c.entered.is_not(None))
        .group_by(moves.c.segment_id, days),
    )


def end_of(day: date) -> datetime:
    return datetime.combine(day + timedelta(days=1), time(), tzinfo=UTC)


def orders_between(start: datetime, end: datetime):
    """Orders and revenue (base currency, cancelled left out) per customer in [start, end)."""
    o = CustomerOrder
    return (
        select(
            o.customer_id,
            func.count().label("orders"),
            func.sum(o.amount_minor).label("revenue"),
        )
        .where(
            o.placed_at >= start,
            o.placed_at < end,
            o.cancelled_at.is_(None),
            o.currency == BASE_CURRENCY,
        )
        .group_by(o.customer_id)
        .subquery("spend")
    )


def replace_day(model, day: date, rows) -> None:
    table = model.__table__
    db.session.execute(delete(model).where(model.day == day))
    names = [c.name for c in table.columns]
    db.session.execute(table.insert().from_select(names, rows))


def members_at(moment: datetime):
    """(customer_id, segment_id) of everyone in a segment at `moment`: the segment a customer
    left first after it, or, without a move since, the one they are in now. Reads only the
    history written after `moment`."""
    h, m = SegmentHistory, CustomerSegment
    order = func.row_number().over(partition_by=h.customer_id, order_by=(h.at, h.id))
    later = (
        select(h.customer_id, h.from_segment_id, order.label("nth"))
        .where(h.at >= moment)
        .subquery("later")
    )
    first = (
        select(later.c.customer_id, later.c.from_segment_id.label("segment_id"))
        .where(later.c.nth == 1)
        .cte("first_move")
    )
    left = select(first).where(first.c.segment_id.is_not(None))
    # An anti-join (hashed), not NOT IN: a million ids do not fit a hashed subplan.
    stayed = (
        select(m.customer_id, m.segment_id)
        .outerjoin(first, first.c.customer_id == m.customer_id)
        .where(first.c.customer_id.is_(None))
    )
    return union_all(left, stayed).subquery("members")


def lift(day: date) -> None:
    """The members of each segment at the end of `day` and what they spent in the 90 days
    after it; run once those days are over (the nightly job runs it for 90 days ago)."""
    start = end_of(day)
    members = members_at(start)
    spend = orders_between(start, start + WINDOW)
    rows = (
        select(
            literal(day, Date),
            members.c.segment_id,
            func.count(),
            func.count(spend.c.customer_id),
            func.coalesce(func.sum(spend.c.revenue), 0),
        )
        .outerjoin(spend, spend.c.customer_id == members.c.customer_id)
        .group_by(members.c.segment_id)
    )
    replace_day(SegmentLift, day, rows)
