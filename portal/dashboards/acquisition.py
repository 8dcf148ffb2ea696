"""The acquisition dashboard's figures by channel and source: new customers, the verification
funnel, and the acquisition cost by source and by segment. All read the acquisition rollups (a
row per day, type, channel and source; the nightly count per month, source and segment:
customers.acquisition_rollups) and the spend marketing enters; no page view scans the
customers."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

from sqlalchemy import func, select

from portal.approvals.rules import exponent
from portal.customers.models import AcquisitionDaily, AcquisitionSegment
from portal.customers.queries.acquisition import source_channels, source_names
from portal.customers.values import AcquisitionChannel
from portal.dashboards import segmentation
from portal.dashboards.models import MarketingSpend
from portal.dashboards.queries import Figure, Filters, _period, _periods
from portal.extensions import db
from portal.labels import label
from portal.request_memo import request_memo

UNKNOWN = "Unknown"
STAGES = (
    ("registered", "Registered"),
    ("code_sent", "Code sent"),
    ("wrong_code", "Entered a wrong code"),
    ("verified", "Verified"),
)


def _selected(filters: Filters):
    r = AcquisitionDaily
    query = select().where(r.day >= filters.start, r.day <= filters.end)
    if filters.customer_type:
        query = query.where(r.customer_type == filters.customer_type)
    if filters.channel:
        query = query.where(r.channel == filters.channel.value)
    if filters.source:
        query = query.where(r.source == filters.source)
    return query


def _channel(code: str) -> str:
    return label(AcquisitionChannel(code)) if code else UNKNOWN


def registrations_by_channel(filters: Filters) -> Figure:
    """New customers per day, week or month, a series per channel."""
    r = AcquisitionDaily
    query = _selected(filters).add_columns(r.day, r.channel, func.sum(r.registered))
    table: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for day, channel, count in db.session.execute(query.group_by(r.day, r.channel)):
        table[_channel(channel)][_period(day, filters.period)] += int(count)
    return Figure.of(filters.period.capitalize(), dict(sorted(table.items())), _periods(filters))


def _totals(filters: Filters) -> dict[tuple[str, str, str], tuple[int, ...]]:
    """Each stage's sum per channel, customer type and source over the range, read once per
    request: the two funnels and the ranking of sources each scanned the range's day rows on
    their own (three scans of some 40,000 rows for a year at 1M customers, 9 ms each)."""
    memo = request_memo("acquisition_totals")
    if filters not in memo:
        r = AcquisitionDaily
        sums = [func.sum(getattr(r, name)) for name, _ in STAGES]
        keys = (r.channel, r.customer_type, r.source)
        query = _selected(filters).add_columns(*keys, *sums).group_by(*keys)
        memo[filters] = {
            (channel, kind, source): tuple(int(c or 0) for c in counts)
            for channel, kind, source, *counts in db.session.execute(query)
        }
    return memo[filters]


def _summed(filters: Filters, position: int) -> dict[str, list[int]]:
    """`_totals` summed per value of one of its keys (0 channel, 1 customer type, 2 source)."""
    summed: dict[str, list[int]] = {}
    for key, counts in _totals(filters).items():
        into = summed.setdefault(key[position], [0] * len(counts))
        for n, count in enumerate(counts):
            into[n] += count
    return summed


def registrations_by_source(filters: Filters) -> Figure:
    """New customers per source over the range, most first."""
    ranked = sorted(
        ((source, counts[0]) for source, counts in _summed(filters, 2).items() if counts[0] > 0),
        key=lambda item: (-item[1], item[0]),
    )
    names = source_names()
    counts = {names.get(s, s) or UNKNOWN: n for s, n in ranked}
    return Figure.of("Source", {"New customers": counts}, list(counts))


def funnel(filters: Filters, by: str) -> Figure:
    """Registered → code sent → verified per channel or customer type (`by`), with where those
    who stopped stopped and the share that completed, in the CSV rows and the table."""
    heading = "Channel" if by == "channel" else "Customer type"
    table: dict[str, dict[str, float]] = {title: {} for _, title in STAGES}
    extra = {
        "Stopped before a code": {},
        "Stopped after the code": {},
        "Completed (%)": {},
    }
    names = []
    summed = _summed(filters, 0 if by == "channel" else 1)
    for value in sorted(summed):
        counts = summed[value]
        name = _channel(value) if by == "channel" else label(value)
        names.append(name)
        registered, sent, _wrong, verified = counts
        for (_, title), count in zip(STAGES, counts, strict=True):
            table[title][name] = count
        extra["Stopped before a code"][name] = registered - sent
        extra["Stopped after the code"][name] = sent - verified
        extra["Completed (%)"][name] = round(100 * verified / registered, 1) if registered else 0
    return Figure.of(heading, {**table, **extra}, names)


def _month(day: date) -> date:
    return day.replace(day=1)


def _major(amount_minor: int, currency: str) -> Decimal:
    return Decimal(amount_minor).scaleb(-exponent(currency))  # as the form parsed it


def _range(filters: Filters) -> tuple[date, date]:
    """The first month the range touches and the first after it: months count whole."""
    return _month(filters.start), _month(_month(filters.end) + timedelta(days=31))


def _spend(filters: Filters) -> list:
    """(month, source, currency, amount_minor) marketing entered for the months of the range,
    of the source or channel chosen."""
    first, after = _range(filters)
    s = MarketingSpend
    query = select(s.month, s.source, s.currency, s.amount_minor).where(
        s.month >= first, s.month < after
    )
    if filters.source:
        query = query.where(s.source == filters.source)
    channels = source_channels()
    return [
        row
        for row in db.session.execute(query)
        if not filters.channel or channels.get(row.source) == filters.channel.value
    ]


def acquisition_cost(filters: Filters) -> Figure:
    """CAC per source and month: the spend marketing entered divided by the customers of that
    source registered that month, a series per source and currency (currencies are never
    added together). Months the range touches count whole, and every type: spend is per
    source and month, not per customer type."""
    first, after = _range(filters)
    r = AcquisitionDaily
    spend = _spend(filters)
    new: dict[tuple[date, str], int] = defaultdict(int)
    if spend:
        query = (
            select(r.day, r.source, func.sum(r.registered))
            .where(r.day >= first, r.day < after, r.source.in_({row.source for row in spend}))
            .group_by(r.day, r.source)
        )
        for day, source, count in db.session.execute(query):
            new[(_month(day), source)] += int(count)
    names = source_names()
    table: dict[str, dict[str, float]] = defaultdict(dict)
    rows = []
    for month, source, currency, amount in sorted(spend):
        customers = new[(month, source)]
        cost = round(_major(amount, currency) / customers, 2) if customers else None
        if cost is not None:
            series = f"{names.get(source, source)} ({currency})"
            table[series][month.strftime("%Y-%m")] = float(cost)
        rows.append(
            {
                "Month": month.strftime("%Y-%m"),
                "Source": names.get(source, source),
                "Currency": currency,
                "Spend": str(_major(amount, currency)),
                "New customers": customers,
                "CAC": "" if cost is None else str(cost),
            }
        )
    labels = sorted({row["Month"] for row in rows})
    figure = Figure.of("Month", dict(sorted(table.items())), labels)
    figure.rows = rows  # the CSV carries spend and customers beside the cost
    return figure


ALL_SOURCES = "All sources"
NO_SEGMENT = "No segment"


def cost_by_segment(filters: Filters) -> Figure:
    """CAC per segment. Spend is entered per source and month, so each source's spend in a
    month is shared equally among the customers it brought that month, and each segment's
    shares are added up: its CAC is that sum over its customers from those sources and months
    (a mix of the sources' CACs, weighted by its customers). Segments are those of the nightly
    snapshot (acquisition_rollups.snapshot); a series per currency, never added together.
    The CSV has a row per segment, source and currency, and one for all sources."""
    first, after = _range(filters)
    a = AcquisitionSegment
    spend = _spend(filters)
    brought: dict[tuple[date, str], dict[str, int]] = defaultdict(dict)
    if spend:
        query = select(a.month, a.source, a.segment_id, a.customers).where(
            a.month >= first, a.month < after, a.source.in_({row.source for row in spend})
        )
        for month, source, segment, count in db.session.execute(query):
            brought[(month, source)][segment] = int(count)
    # (segment, source, currency) → [attributed spend in minor units, customers]
    shares: dict[tuple[str, str, str], list] = defaultdict(lambda: [Fraction(0), 0])
    for month, source, currency, amount in spend:
        segments = brought[(month, source)]
        total = sum(segments.values())
        for segment, count in segments.items():
            if filters.segment and segment != filters.segment:
                continue
            share = shares[(segment, source, currency)]
            share[0] += Fraction(amount * count, total)
            share[1] += count
    segment_names = {**dict(segmentation.choices()), "": NO_SEGMENT}
    names = source_names()
    rows, table = [], defaultdict(dict)
    found = _by_segment(shares)
    for segment, currency in sorted(found, key=lambda k: (segment_names.get(k[0], k[0]), k[1])):
        name, by_source = segment_names.get(segment, segment), found[(segment, currency)]
        for source, (amount, customers) in by_source.items():
            rows.append(_cost_row(name, names.get(source, source), currency, amount, customers))
        cost = rows[-1]["CAC"]  # the all-sources row comes last
        table[f"CAC ({currency})"][name] = float(cost)
    labels = sorted({row["Segment"] for row in rows})
    figure = Figure.of("Segment", dict(sorted(table.items())), labels)
    figure.rows = rows
    return figure


def segments_taken_on() -> date | None:
    """The day of the nightly snapshot the cost by segment reads (None before the first)."""
    return db.session.scalar(select(AcquisitionSegment.taken_on).limit(1))


def _by_segment(shares: dict) -> dict[tuple[str, str], dict[str, tuple[Fraction, int]]]:
    """{(segment, currency): {source: (amount, customers)}, then ALL_SOURCES: their sum}."""
    found: dict[tuple[str, str], dict[str, tuple[Fraction, int]]] = defaultdict(dict)
    for (segment, source, currency), (amount, customers) in sorted(shares.items()):
        found[(segment, currency)][source] = (amount, customers)
    for by_source in found.values():
        by_source[ALL_SOURCES] = (
            sum((amount for amount, _ in by_source.values()), Fraction(0)),
            sum(customers for _, customers in by_source.values()),
        )
    return found


def _cost_row(segment: str, source: str, currency: str, amount: Fraction, customers: int) -> dict:
    """A CSV row: the spend attributed (to the currency's minor unit), the customers, and the
    cost per customer to the cent, from the exact share."""
    return {
        "Segment": segment,
        "Source": source,
        "Currency": currency,
        "Attributed spend": str(_major(round(amount), currency)),
        "New customers": customers,
        "CAC": str(round(_exact(amount / customers).scaleb(-exponent(currency)), 2)),
    }


def _exact(amount: Fraction) -> Decimal:
    return Decimal(amount.numerator) / Decimal(amount.denominator)
