"""Segment transitions (from → to matrix for a period), the segment sizes over the period as a
chart (templates/_macros/charts.html), and the notifications sales and marketing receive."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from flask import request
from flask_login import current_user

from portal.formatting import format_date
from portal.htmx import redirect_after_post, render
from portal.models import utcnow
from portal.security.access import require
from portal.segmentation import bp, queries, services

DEFAULT_DAYS = 30
MAX_POINTS = 92  # a point a day for a quarter; longer periods are sampled as evenly
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)  # before any segment history


def _day(raw: str | None, default: datetime, latest: datetime) -> datetime:
    """A day of the filter form, held between EARLIEST and `latest` (the calendar's ends would
    overflow the period's arithmetic); `default` when it is no date."""
    try:
        day = datetime.combine(datetime.fromisoformat(raw).date(), time(), tzinfo=UTC)
    except (TypeError, ValueError):
        return default
    return min(max(day, EARLIEST), latest)


@bp.get("/report")
@require("customer:read")
def segment_report():
    today = datetime.combine(utcnow().date(), time(), tzinfo=UTC)
    start = _day(request.args.get("from"), today - timedelta(days=DEFAULT_DAYS), today)
    end = _day(request.args.get("to"), today, today) + timedelta(days=1)
    if end <= start:
        start, end = end - timedelta(days=1), start + timedelta(days=1)
    matrix = queries.transitions(start, end)
    sources = sorted({f for f, _ in matrix}, key=lambda n: (n is not None, n or ""))
    targets = sorted({t for _, t in matrix})
    # A moment at the end of each day of the period (at least the day before it, for a line).
    days = (end - start).days
    points = max(min(days, MAX_POINTS), 2)
    moments, series = queries.distribution(end, max(days - 1, 1), points=points)
    return render(
        "segmentation/report.html",
        block="content" if not request.htmx.target else "report",
        start=start,
        end=end - timedelta(days=1),
        matrix=matrix,
        sources=sources,
        targets=targets,
        sizes=_size_chart(moments, series),
    )


def _size_chart(moments: list[datetime], series: dict[str, list[int]]) -> dict:
    """The chart macro's labels and series. Each moment is a midnight: the sizes at the end of
    the day before it, which is the day shown. Segments empty all along are left out."""
    return {
        "labels": [format_date(m - timedelta(seconds=1)) for m in moments],
        "series": [
            {"name": name, "values": values}
            for name, values in sorted(series.items())
            if any(values)
        ],
    }


@bp.get("/notifications")
@require("customer:read")
def notification_list():
    # Only the sales and marketing roles are notified of segment moves; other readers see
    # an empty list that says so, not an error.
    if not queries.receives_notifications(current_user):
        return render(
            "segmentation/notifications.html", rows=[], unread=0, newest=0, notified=False
        )
    rows, unread, newest = queries.notifications(current_user)
    return render(
        "segmentation/notifications.html", rows=rows, unread=unread, newest=newest, notified=True
    )


@bp.post("/notifications/read")
@require("customer:read")
def notification_read():
    if queries.receives_notifications(current_user):
        services.mark_notifications_read(current_user, request.form.get("up_to", 0, type=int))
    return redirect_after_post("segmentation.notification_list")
