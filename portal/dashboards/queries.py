"""What the dashboards show, read from the rollups only (a few hundred rows at most per page,
whatever the number of customers); each chart is a `Figure` whose rows are also its CSV."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from portal.compliance import reports
from portal.compliance.models import RetentionRun
from portal.customers.models import CompletenessByType, RegistrationsDaily
from portal.customers.rollups import FIELDS
from portal.customers.rules.acquisition import CODE
from portal.customers.values import AcquisitionChannel, CustomerType
from portal.dashboards.models import MarketingSpend
from portal.extensions import db
from portal.labels import label
from portal.models import utcnow
from portal.segmentation import queries as segment_queries
from portal.segmentation.models import Segment, SegmentMovesDaily, SegmentSize

DEFAULT_DAYS = 90
PERIODS = ("day", "week", "month")
TOP_COUNTRIES = 20
CHART_POINTS = 30


@dataclass(frozen=True)
class Filters:
    """The filters in the URL (so a view can be bookmarked): always a valid range."""

    start: date
    end: date  # inclusive
    period: str = "week"
    customer_type: CustomerType | None = None
    country: str = ""
    segment: str = ""  # a segment's id
    channel: AcquisitionChannel | None = None
    source: str = ""  # an acquisition source's code

    @classmethod
    def parse(cls, args) -> Filters:
        today = utcnow().date()
        end = _day(args.get("to")) or today
        start = _day(args.get("from")) or end - timedelta(days=DEFAULT_DAYS)
        if start > end:
            start, end = end, start
        try:
            kind = CustomerType(args.get("type", ""))
        except ValueError:
            kind = None
        period = args.get("by") if args.get("by") in PERIODS else "week"
        country = (args.get("country") or "").strip().lower()[:2]
        segment = (args.get("segment") or "").strip()[:36]
        try:
            channel = AcquisitionChannel(args.get("channel", ""))
        except ValueError:
            channel = None
        source = (args.get("source") or "").strip().upper()[:40]
        return cls(
            start,
            end,
            period,
            kind,
            country if country.isalpha() else "",
            segment=segment,
            channel=channel,
            source=source if CODE.fullmatch(source) else "",
        )

    def args(self) -> dict:
        """The filters as URL arguments (for the CSV links)."""
        given = {
            "from": self.start.isoformat(),
            "to": self.end.isoformat(),
            "by": self.period,
            "type": self.customer_type.value if self.customer_type else "",
            "country": self.country,
            "segment": self.segment,
            "channel": self.channel.value if self.channel else "",
            "source": self.source,
        }
        return {k: v for k, v in given.items() if v}


def _day(raw: str | None) -> date | None:
    try:
        day = date.fromisoformat(raw or "")
    except ValueError:
        return None
    return min(max(day, date(2000, 1, 1)), date(2100, 1, 1))


@dataclass
class Figure:
    """A chart's labels and series (for the chart macro) and the same numbers as CSV rows."""

    labels: list[str]
    series: list[dict]
    heading: str
    rows: list[dict] = field(default_factory=list)

    @classmethod
    def of(cls, heading: str, table: dict[str, dict[str, float]], labels: list[str]) -> Figure:
        """From {series name: {label: value}}: a value missing for a label is 0."""
        series = [
            {"name": name, "values": [values.get(x, 0) for x in labels]}
            for name, values in table.items()
        ]
        rows = [
            {heading: x, **{s["name"]: s["values"][i] for s in series}}
            for i, x in enumerate(labels)
        ]
        return cls(labels, series, heading, rows)


def _period(day: date, period: str) -> str:
    if period == "month":
        return day.strftime("%Y-%m")
    if period == "week":
        monday = day - timedelta(days=day.weekday())
        return monday.isoformat()
    return day.isoformat()


def _periods(filters: Filters) -> list[str]:
    seen: dict[str, None] = {}
    day = filters.start
    while day <= filters.end:
        seen[_period(day, filters.period)] = None
        day += timedelta(days=1)
    return list(seen)


def _registrations(filters: Filters):
    r = RegistrationsDaily
    query = select().where(r.day >= filters.start, r.day <= filters.end)
    if filters.customer_type:
        query = query.where(r.customer_type == filters.customer_type)
    if filters.country:
        query = query.where(r.country == filters.country)
    return query


def registrations(filters: Filters) -> Figure:
    """New customers per day, week or month, a series per customer type."""
    r = RegistrationsDaily
    query = _registrations(filters).add_columns(r.day, r.customer_type, func.sum(r.customers))
    table: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for day, kind, count in db.session.execute(query.group_by(r.day, r.customer_type)):
        table[label(kind)][_period(day, filters.period)] += int(count)
    return Figure.of(filters.period.capitalize(), dict(sorted(table.items())), _periods(filters))


def geography(filters: Filters) -> Figure:
    """New customers per country (of the default address), most first."""
    r = RegistrationsDaily
    total = func.sum(r.customers)
    query = (
        _registrations(filters)
        .add_columns(r.country, total)
        .group_by(r.country)
        .having(total > 0)
        .order_by(total.desc(), r.country)
        .limit(TOP_COUNTRIES)
    )
    counts = {(c.upper() or "No address"): int(n) for c, n in db.session.execute(query)}
    return Figure.of("Country", {"New customers": counts}, list(counts))


def segment_sizes(filters: Filters) -> Figure:
    """Members per segment over the range, from the daily snapshots."""
    end = datetime.combine(filters.end + timedelta(days=1), time(), tzinfo=UTC)
    days = max((filters.end - filters.start).days + 1, 2)
    moments, series = segment_queries.distribution(end, days, min(days, CHART_POINTS))
    labels = [(m - timedelta(microseconds=1)).date().isoformat() for m in moments]
    table = {
        name: dict(zip(labels, values, strict=True)) for name, values in sorted(series.items())
    }
    return Figure.of("Day", table, labels)


def segment_flow(filters: Filters) -> Figure:
    """Moves from → to in the range, most first (a first assignment comes from nowhere)."""
    m = SegmentMovesDaily
    before, after = aliased(Segment), aliased(Segment)
    moves = func.sum(m.moves)
    query = (
        select(before.name, after.name, moves)
        .select_from(m)
        .join(after, after.id == m.to_segment_id)
        .outerjoin(before, before.id == m.from_segment_id)
        .where(m.day >= filters.start, m.day <= filters.end)
        .group_by(before.name, after.name)
        .having(moves > 0)
        .order_by(moves.desc())
    )
    counts = {f"{b or 'First assignment'} → {a}": int(n) for b, a, n in db.session.execute(query)}
    return Figure.of("Move", {"Customers": counts}, list(counts))


def segment_now() -> Figure:
    query = (
        select(Segment.name, SegmentSize.members)
        .join(SegmentSize, SegmentSize.segment_id == Segment.id)
        .where(SegmentSize.members > 0)
        .order_by(SegmentSize.members.desc())
    )
    counts = {name: int(n) for name, n in db.session.execute(query)}
    return Figure.of("Segment", {"Members": counts}, list(counts))


def completeness() -> Figure:
    """Percentage of the customers of each type with each field filled in."""
    table: dict[str, dict[str, float]] = {}
    rows = db.session.scalars(
        select(CompletenessByType)
        .where(CompletenessByType.customers > 0)
        .order_by(CompletenessByType.customer_type)
    ).all()
    names = [label(row.customer_type) for row in rows]
    for name in FIELDS[:-1]:  # the last is a count of addresses, not a share
        table[label(name)] = {
            label(row.customer_type): round(100 * getattr(row, name) / row.customers, 1)
            for row in rows
        }
    return Figure.of("Customer type", table, names)


def requests_by_framework() -> Figure:
    """Data-subject requests of the last 24 months per framework: on time, late, open."""
    record = reports.request_record(utcnow().date())
    table: dict[str, dict[str, int]] = {"On time": {}, "Late": {}, "Open": {}}
    for row in record:
        state = "Open" if row["on_time"] == "" else "On time" if row["on_time"] else "Late"
        table[state][row["jurisdiction"]] = table[state].get(row["jurisdiction"], 0) + 1
    frameworks = sorted({row["jurisdiction"] for row in record})
    return Figure.of("Framework", table, frameworks)


def consent_coverage() -> Figure:
    rates = reports.consent_rates()
    table = {
        "Asked": {r["purpose"]: r["customers_asked"] for r in rates},
        "Granted": {r["purpose"]: r["granted"] for r in rates},
    }
    return Figure.of("Purpose", table, [r["purpose"] for r in rates])


def retention_runs(limit: int = 10) -> list[RetentionRun]:
    return list(
        db.session.scalars(select(RetentionRun).order_by(RetentionRun.id.desc()).limit(limit))
    )


def spend_entries(limit: int = 200) -> list[MarketingSpend]:
    """The latest spend entered, newest month first (a row per source, month and currency)."""
    s = MarketingSpend
    return list(
        db.session.scalars(select(s).order_by(s.month.desc(), s.source, s.currency).limit(limit))
    )
