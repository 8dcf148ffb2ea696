"""The data-quality dashboard's panels beyond completeness by type: completeness per field over
time and per segment (from the nightly snapshots in customer_completeness_daily), and address
checks by country and outcome (address_verification_daily)."""

from __future__ import annotations

from sqlalchemy import func, select

from portal.customers.models import AddressVerificationDaily, CompletenessDaily
from portal.customers.rollups import FIELDS, NO_SEGMENT
from portal.customers.values import AddressCheckOutcome
from portal.dashboards.queries import TOP_COUNTRIES, Figure, Filters, _period
from portal.extensions import db
from portal.labels import label
from portal.segmentation.models import Segment

SHARES = FIELDS[:-1]  # the last is a count of addresses, not a share
NO_SEGMENT_NAME = "No segment"


def _completeness(filters: Filters):
    c = CompletenessDaily
    query = select().where(c.day >= filters.start, c.day <= filters.end)
    if filters.customer_type:
        query = query.where(c.customer_type == filters.customer_type)
    if filters.segment:
        query = query.where(c.segment_id == filters.segment)
    return query


def _sums(*keys):
    c = CompletenessDaily
    return [*keys, func.sum(c.customers), *[func.sum(getattr(c, n)) for n in SHARES]]


def _shares(rows, key) -> tuple[list[str], dict[str, dict[str, float]]]:
    """{field label: {row key: % of customers}} from rows of (key, customers, *fields)."""
    labels = [key(row[0]) for row in rows]
    table = {
        label(name): {
            key(row[0]): round(100 * (row[2 + i] or 0) / row[1], 1) if row[1] else 0 for row in rows
        }
        for i, name in enumerate(SHARES)
    }
    return labels, table


def completeness_trend(filters: Filters) -> Figure:
    """Per field, the share of the (filtered) customers with it filled in, at the last snapshot
    of each day, week or month of the range."""
    c = CompletenessDaily
    rows = db.session.execute(
        _completeness(filters).add_columns(*_sums(c.day)).group_by(c.day).order_by(c.day)
    ).all()
    last = {_period(row[0], filters.period): row for row in rows}  # later days overwrite
    labels, table = _shares(
        [(period, *row[1:]) for period, row in last.items()], lambda period: period
    )
    return Figure.of(filters.period.capitalize(), table, labels)


def completeness_by_segment(filters: Filters) -> Figure:
    """Per segment, the share of its (filtered) customers with each field, at the latest
    snapshot in the range."""
    c = CompletenessDaily
    day = db.session.scalar(
        select(func.max(c.day)).where(c.day >= filters.start, c.day <= filters.end)
    )
    names = dict(db.session.execute(select(Segment.id, Segment.name)).all())
    names[NO_SEGMENT] = NO_SEGMENT_NAME
    query = (
        _completeness(filters)
        .add_columns(*_sums(c.segment_id))
        .where(c.day == day)
        .group_by(c.segment_id)
    )
    rows = sorted(db.session.execute(query).all(), key=lambda row: names.get(row[0], row[0]))
    labels, table = _shares(rows, lambda segment_id: names.get(segment_id, segment_id))
    return Figure.of("Segment", table, labels)


def _checks(filters: Filters):
    a = AddressVerificationDaily
    query = select().where(a.day >= filters.start, a.day <= filters.end)
    if filters.country:
        query = query.where(a.country == filters.country.upper())
    return query


def _countries(filters: Filters) -> list[str]:
    """The countries with the most checks in the range, most first."""
    a = AddressVerificationDaily
    total = func.sum(a.attempts)
    query = (
        _checks(filters)
        .add_columns(a.country)
        .group_by(a.country)
        .order_by(total.desc(), a.country)
        .limit(TOP_COUNTRIES)
    )
    return list(db.session.scalars(query))


def _country(code: str) -> str:
    return code or "No country"


def address_checks(filters: Filters) -> Figure:
    """Address checks per country by outcome: verified, or why not."""
    a = AddressVerificationDaily
    countries = _countries(filters)
    table: dict[str, dict[str, int]] = {}
    query = (
        _checks(filters)
        .add_columns(a.country, a.outcome, func.sum(a.attempts))
        .where(a.country.in_(countries))
        .group_by(a.country, a.outcome)
    )
    for country, outcome, attempts in db.session.execute(query):
        table.setdefault(label(outcome), {})[_country(country)] = int(attempts)
    verified = label(AddressCheckOutcome.VERIFIED)
    ordered = dict(sorted(table.items(), key=lambda item: (item[0] != verified, item[0])))
    return Figure.of("Country", ordered, [_country(c) for c in countries])


def address_success(filters: Filters) -> Figure:
    """The share of address checks that verified the address, per country and overall."""
    a = AddressVerificationDaily
    countries = _countries(filters)
    ok = func.sum(a.attempts).filter(a.outcome == AddressCheckOutcome.VERIFIED)
    query = _checks(filters).add_columns(a.country, ok, func.sum(a.attempts)).group_by(a.country)
    rates, verified, attempts = {}, 0, 0
    for country, passed, tried in db.session.execute(query):
        verified, attempts = verified + (passed or 0), attempts + tried
        if country in countries:
            rates[_country(country)] = round(100 * (passed or 0) / tried, 1)
    labels = [_country(c) for c in countries]
    if attempts:
        rates["All countries"] = round(100 * verified / attempts, 1)
        labels.append("All countries")
    return Figure.of("Country", {"Verified (%)": rates}, labels)
