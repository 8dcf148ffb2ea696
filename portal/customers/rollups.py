"""Counters over the customer record: a row per customer (CustomerFact) of what it adds to the
sums the dashboards read, completeness per customer type and registrations per day, type and
country; the nightly snapshot of completeness per type and segment; address checks per day,
country and outcome.

A customer service's change reaches `refresh` through the customers_changed hook, in its
transaction: the changed customers' old rows are subtracted from the sums, recomputed from the
customer tables and added back, all set-based (counters.PerCustomer). `rebuild` recomputes
everything from scratch (the dashboards' rebuild command, after the demo loader's COPY)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import (
    ColumnElement,
    Date,
    Integer,
    Subquery,
    case,
    delete,
    func,
    literal,
    select,
)

from portal.counters import PerCustomer, Sum, add_to, insert_rows, utc_day
from portal.customers import hooks
from portal.customers.models import (
    AddressVerificationDaily,
    CompletenessByType,
    CompletenessDaily,
    Customer,
    CustomerAddress,
    CustomerFact,
    RegistrationsDaily,
)
from portal.extensions import db
from portal.models import utcnow

# The contact fields counted: filled in means not NULL.
CONTACT_FIELDS = (
    "email",
    "phone",
    "alternative_email",
    "alternative_phone",
    "preferred_contact_time",
)
ADDRESS_FIELDS = ("address", "verified_address", "unverified_addresses")
FIELDS = (*CONTACT_FIELDS, *ADDRESS_FIELDS)
NO_COUNTRY = ""
NO_SEGMENT = ""


def _facts(selection: ColumnElement):
    """Each selected customer's fact row, from the customer tables: its addresses grouped once
    (no subquery per customer)."""
    a = CustomerAddress
    addresses = (
        select(
            a.customer_id,
            func.count().label("address"),
            func.sum(case((a.verified.is_(True), 1), else_=0)).label("verified"),
            func.coalesce(
                func.min(case((a.is_default.is_(True), a.country))), func.min(a.country)
            ).label("country"),
        )
        .where(a.customer_id.in_(select(Customer.id).where(selection)))
        .group_by(a.customer_id)
        .subquery("addresses")
    )
    count = func.coalesce(addresses.c.address, 0)
    verified = func.coalesce(addresses.c.verified, 0)
    columns = (
        Customer.id,
        Customer.customer_type,
        utc_day(Customer.created_at),
        func.coalesce(addresses.c.country, NO_COUNTRY),
        *[case((getattr(Customer, n).is_not(None), 1), else_=0) for n in CONTACT_FIELDS],
        case((count > 0, 1), else_=0),
        case((verified > 0, 1), else_=0),
        (count - verified).cast(Integer),
    )
    names = [c.name for c in CustomerFact.__table__.columns]
    return (
        select(*[column.label(name) for column, name in zip(columns, names, strict=True)])
        .outerjoin(addresses, addresses.c.customer_id == Customer.id)
        .where(selection)
    )


FACTS = PerCustomer(
    CustomerFact,
    Customer.id,
    _facts,
    (
        Sum(CompletenessByType, ("customer_type",), FIELDS),
        Sum(RegistrationsDaily, ("registered_on", "customer_type", "country")),
    ),
)


def refresh(
    customer_ids: Sequence[str] | None = None, *, where: ColumnElement | None = None, **_
) -> None:
    """The named customers (or those matching `where`) changed: move their rows and the sums."""
    FACTS.refresh(customer_ids, where=where)


def rebuild() -> None:
    """The fact rows and both sums from the customer tables, set-based."""
    FACTS.rebuild()


def snapshot(day: date, segments: Subquery) -> None:
    """Store the completeness sums per customer type and segment as those at the end of `day`
    (`segments`: customer_id, segment_id of everyone in a segment; "" for the others)."""
    f = CustomerFact
    segment = func.coalesce(segments.c.segment_id, NO_SEGMENT)
    table = CompletenessDaily.__table__
    rows = (
        select(
            literal(day, Date),
            f.customer_type,
            segment,
            func.count(),
            *[func.sum(getattr(f, n)) for n in FIELDS],
        )
        .outerjoin(segments, segments.c.customer_id == f.customer_id)
        .group_by(f.customer_type, segment)
    )
    db.session.execute(delete(CompletenessDaily).where(CompletenessDaily.day == day))
    insert_rows(table, rows)


def address_checked(country: str, outcome: str) -> None:
    """Count one address check in the open transaction."""
    add_to(
        AddressVerificationDaily.__table__,
        ["day", "country", "outcome"],
        select(
            literal(utcnow().date(), Date),
            literal((country or NO_COUNTRY)[:2].upper()),
            literal(outcome[:40]),
            literal(1),
        ),
    )


def completeness_by_type() -> list[CompletenessByType]:
    return list(
        db.session.scalars(select(CompletenessByType).order_by(CompletenessByType.customer_type))
    )


hooks.on_customers_changed(refresh)
