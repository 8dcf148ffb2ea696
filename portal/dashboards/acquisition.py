"""The acquisition dashboard's figures by channel and source: new customers, the verification
funnel, and the acquisition cost. All read the acquisition rollup (a row per day, type,
channel and source, customers.acquisition_rollups) and the spend marketing enters; no page view
scans the customers."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import func, select

from portal.approvals.rules import exponent
from portal.customers.models import AcquisitionDaily
from portal.customers.queries.acquisition import source_channels, source_names
from portal.customers.values import AcquisitionChannel
from portal.dashboards.models import MarketingSpend
from portal.dashboards.queries import Figure, Filters, _period, _periods
from portal.extensions import db
from portal.labels import label

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


def registrations_by_source(filters: Filters) -> Figure:
    """New customers per source over the range, most first."""
    r = AcquisitionDaily
    total = func.sum(r.registered)
    query = (
        _selected(filters)
        .add_columns(r.source, total)
        .group_by(r.source)
        .having(total > 0)
        .order_by(total.desc(), r.source)
    )
    names = source_names()
    counts = {names.get(s, s) or UNKNOWN: int(n) for s, n in db.session.execute(query)}
    return Figure.of("Source", {"New customers": counts}, list(counts))


def funnel(filters: Filters, by: str) -> Figure:
    """Registered → code sent → verified per channel or customer type (`by`), with where those
    who stopped stopped and the share that completed, in the CSV rows and the table."""
    r = AcquisitionDaily
    key = r.channel if by == "channel" else r.customer_type
    sums = [func.sum(getattr(r, name)) for name, _ in STAGES]
    query = _selected(filters).add_columns(key, *sums).group_by(key).order_by(key)
    heading = "Channel" if by == "channel" else "Customer type"
    table: dict[str, dict[str, float]] = {title: {} for _, title in STAGES}
    extra = {
        "Stopped before a code": {},
        "Stopped after the code": {},
        "Completed (%)": {},
    }
    names = []
    for value, *counts in db.session.execute(query):
        name = _channel(value) if by == "channel" else label(value)
        names.append(name)
        registered, sent, _wrong, verified = (int(c or 0) for c in counts)
        for (_, title), count in zip(STAGES, counts, strict=True):
            table[title][name] = int(count or 0)
        extra["Stopped before a code"][name] = registered - sent
        extra["Stopped after the code"][name] = sent - verified
        extra["Completed (%)"][name] = round(100 * verified / registered, 1) if registered else 0
    return Figure.of(heading, {**table, **extra}, names)


def _month(day: date) -> date:
    return day.replace(day=1)


def _major(amount_minor: int, currency: str) -> Decimal:
    return Decimal(amount_minor).scaleb(-exponent(currency))  # as the form parsed it


def acquisition_cost(filters: Filters) -> Figure:
    """CAC per source and month: the spend marketing entered divided by the customers of that
    source registered that month, a series per source and currency (currencies are never
    added together). Months the range touches count whole, and every type: spend is per
    source and month, not per customer type."""
    first = _month(filters.start)
    after = _month(_month(filters.end) + timedelta(days=31))
    s, r = MarketingSpend, AcquisitionDaily
    spend_query = select(s.month, s.source, s.currency, s.amount_minor).where(
        s.month >= first, s.month < after
    )
    if filters.source:
        spend_query = spend_query.where(s.source == filters.source)
    channels = source_channels()
    spend = [
        row
        for row in db.session.execute(spend_query)
        if not filters.channel or channels.get(row.source) == filters.channel.value
    ]
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
