"""The segmentation dashboard's panels beyond sizes and moves: velocity (median days in a
segment before moving), performance per segment and lift, each read from a rollup of a few
rows per segment (segment_stay_days, segment_performance_daily, segment_lift)."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from sqlalchemy import func, select

from portal.dashboards.queries import Figure, Filters
from portal.extensions import db
from portal.insights.values import ChurnBand
from portal.labels import label
from portal.segmentation.models import (
    Segment,
    SegmentLift,
    SegmentPerformanceDaily,
    SegmentStayDays,
)


def _names() -> dict[str, str]:
    return dict(db.session.execute(select(Segment.id, Segment.name)).all())


def choices() -> list[tuple[str, str]]:
    """(id, name) of every segment, by name: the segment filter's options."""
    return sorted(_names().items(), key=lambda item: item[1])


def _median(histogram: list[tuple[int, int]]) -> int:
    """The median of a histogram of (value, count), sorted by value."""
    half, seen = sum(n for _, n in histogram) / 2, 0
    for value, count in histogram:
        seen += count
        if seen >= half:
            return value
    return 0


def velocity(filters: Filters) -> Figure:
    """Per segment: customers who moved out of it, and the median whole days they had spent
    in it (since the move into it)."""
    s = SegmentStayDays
    histograms: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for segment_id, days, moves in db.session.execute(
        select(s.segment_id, s.days, s.moves).where(s.moves > 0).order_by(s.segment_id, s.days)
    ):
        histograms[segment_id].append((days, moves))
    names = _names()
    known = sorted((names[k], v) for k, v in histograms.items() if k in names)
    table = {
        "Median days before moving": {name: _median(h) for name, h in known},
        "Moved out": {name: sum(n for _, n in h) for name, h in known},
    }
    return Figure.of("Segment", table, [name for name, _ in known])


def _latest(model, filters: Filters) -> date | None:
    """The day of the latest snapshot on or before the end of the range."""
    return db.session.scalar(select(func.max(model.day)).where(model.day <= filters.end))


def _snapshot(model, filters: Filters) -> tuple[date | None, list]:
    day = _latest(model, filters)
    if day is None:
        return None, []
    names = _names()
    rows = db.session.scalars(select(model).where(model.day == day)).all()
    return day, sorted((names[r.segment_id], r) for r in rows if r.segment_id in names)


def _major(minor: int) -> float:
    return round(minor / 100, 2)


def _csv(figure: Figure, day: date | None, extra: dict[str, dict[str, float]]) -> Figure:
    """More columns for the CSV than the chart draws, and the snapshot's day on every row, so a
    download says when it was true."""
    for row in figure.rows:
        row.update(
            {column: values.get(row[figure.heading], "") for column, values in extra.items()}
        )
        row["Snapshot"] = day.isoformat() if day else ""
    return figure


def performance(filters: Filters) -> Figure:
    """Each segment's members at the latest snapshot: revenue and average order value over the
    90 days up to it (members and orders in the CSV)."""
    day, rows = _snapshot(SegmentPerformanceDaily, filters)
    table = {
        "Revenue (USD)": {n: _major(r.revenue_minor) for n, r in rows},
        "Average order (USD)": {
            n: _major(r.revenue_minor // r.orders) if r.orders else 0 for n, r in rows
        },
    }
    extra = {"Members": {n: r.members for n, r in rows}, "Orders": {n: r.orders for n, r in rows}}
    return _csv(Figure.of("Segment", table, [n for n, _ in rows]), day, extra)


def frequency(filters: Filters) -> Figure:
    """Orders per member and the share of members who ordered, in the 90 days up to the latest
    snapshot."""
    day, rows = _snapshot(SegmentPerformanceDaily, filters)
    table = {"Orders per member": {n: _share(r.orders, r.members, 1) for n, r in rows}}
    extra = {"Members who ordered (%)": {n: _share(r.buyers, r.members) for n, r in rows}}
    return _csv(Figure.of("Segment", table, [n for n, _ in rows]), day, extra)


def _share(part: int, whole: int, scale: int = 100) -> float:
    return round(scale * part / whole, 2) if whole else 0


def churn_mix(filters: Filters) -> Figure:
    """Each segment's members by churn band at the latest snapshot (% of members)."""
    day, rows = _snapshot(SegmentPerformanceDaily, filters)
    bands = {
        label(ChurnBand.LOW): "churn_low",
        label(ChurnBand.MEDIUM): "churn_medium",
        label(ChurnBand.HIGH): "churn_high",
        "Not scored": "unscored",
    }
    table = {
        band: {n: _share(getattr(r, column), r.members) for n, r in rows}
        for band, column in bands.items()
    }
    return _csv(Figure.of("Segment", table, [n for n, _ in rows]), day, {})


BASE_RATE = "Everyone in a segment"


def lift(filters: Filters) -> Figure:
    """Revenue per member in the 90 days after the latest lift snapshot, per segment, over the
    same figure for everyone then in a segment (the base rate): above 1, the segment picks
    out customers who spend more."""
    day, rows = _snapshot(SegmentLift, filters)
    members = sum(r.members for _, r in rows)
    revenue = {n: r.revenue_minor for n, r in rows}
    heads = {n: r.members for n, r in rows}
    if members:
        revenue[BASE_RATE] = sum(revenue.values())
        heads[BASE_RATE] = members
    base = revenue.get(BASE_RATE, 0) / members if members else 0
    per_member = {n: revenue[n] / heads[n] if heads[n] else 0 for n in heads}
    table = {"Lift": {n: round(v / base, 2) if base else 0 for n, v in per_member.items()}}
    extra = {
        "Members": heads,
        "Revenue per member (USD)": {n: _major(round(v)) for n, v in per_member.items()},
    }
    return _csv(Figure.of("Segment", table, list(heads)), day, extra)
