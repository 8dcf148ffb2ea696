"""The segment rollups (models: SegmentMovesDaily, SegmentSize, SegmentSizeDaily): the nightly
snapshot of sizes, and the rebuild of all three from the history.

Moves and sizes are kept by the trigger on segment_history (migration 0023_dashboards); the
snapshot copies today's sizes, so the sizes-over-time chart reads a row per segment and day.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import Date, Integer, delete, func, literal, select, union_all

from portal.counters import add_to, utc_day
from portal.extensions import db
from portal.segmentation.models import (
    FIRST_ASSIGNMENT,
    SegmentHistory,
    SegmentMovesDaily,
    SegmentSize,
    SegmentSizeDaily,
)

ROLLUPS = (SegmentMovesDaily, SegmentSize, SegmentSizeDaily)


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
