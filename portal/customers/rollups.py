"""Counters over the customer record: a row per customer (CustomerFact) of what it adds to the
sums the dashboards read, completeness per customer type and registrations per day, type and
country; the nightly snapshot of completeness per type and segment; address checks per day,
country and outcome.

A customer service's change reaches `refresh` through the customers_changed hook, in its
transaction: the changed customers' old rows are subtracted from the sums, recomputed from the
customer tables and added back, all set-based (counters.PerCustomer). `rebuild` recomputes
everything from scratch (the dashboards' rebuild command, after the demo loader's COPY)."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from datetime import date

from sqlalchemy import (
    ARRAY,
    ColumnElement,
    Date,
    Integer,
    Subquery,
    any_,
    bindparam,
    case,
    delete,
    func,
    literal,
    or_,
    select,
    union_all,
)

from portal.counters import PerCustomer, add_to, adding, insert_rows, upsert, utc_day
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


def _add(sign: int, selection: ColumnElement) -> None:
    """Add the selected fact rows, times `sign`, to both sums."""
    f = CustomerFact
    total = (func.count() * sign).cast(Integer)
    add_to(
        CompletenessByType.__table__,
        ["customer_type"],
        select(
            f.customer_type,
            total,
            *[(func.sum(getattr(f, n)) * sign).cast(Integer) for n in FIELDS],
        )
        .where(selection)
        .group_by(f.customer_type),
    )
    add_to(
        RegistrationsDaily.__table__,
        ["day", "customer_type", "country"],
        select(f.registered_on, f.customer_type, f.country, total)
        .where(selection)
        .group_by(f.registered_on, f.customer_type, f.country),
    )


FACTS = PerCustomer(
    CustomerFact, Customer.id, _facts, _add, (CompletenessByType, RegistrationsDaily)
)


def refresh(
    customer_ids: Sequence[str] | None = None, *, where: ColumnElement | None = None, **_
) -> None:
    """The named customers (or those matching `where`) changed: move their rows and the sums
    (on PostgreSQL in one statement)."""
    chosen = FACTS.chosen(customer_ids, where)
    if chosen is None or db.session.get_bind().dialect.name != "postgresql":
        FACTS.refresh(customer_ids, where=where)
    elif customer_ids is None:
        db.session.execute(_moving(chosen, FACTS.mine(chosen)))
    else:
        sql, params = _moving_named()
        db.session.flush()  # the driver-level call below does not flush by itself
        connection = db.session.connection()
        connection.exec_driver_sql(sql, {**params, "customer_ids": list(customer_ids)})


def _moving(chosen: ColumnElement, mine: ColumnElement):
    """PostgreSQL: `refresh` as one statement (a registration's upkeep was six): the old fact
    rows and the new ones are read from the statement's snapshot, the new ones written over
    the old, and their difference added to both sums, skipping the counters it leaves as they
    were."""
    table = CustomerFact.__table__
    names = [c.name for c in table.columns]
    new = _facts(chosen).cte("new")
    old = select(table).where(mine).cte("old")
    insert = upsert(table)
    written = (
        insert.from_select(names, select(new))
        .on_conflict_do_update(
            index_elements=["customer_id"],
            set_={n: insert.excluded[n] for n in names if n != "customer_id"},
        )
        .cte("written")
    )
    delta = union_all(select(new, literal(1).label("sign")), select(old, literal(-1))).cte("delta")
    sums = [func.sum(delta.c.sign), *[func.sum(delta.c.sign * delta.c[n]) for n in FIELDS]]
    completeness = adding(
        CompletenessByType.__table__,
        ["customer_type"],
        select(delta.c.customer_type, *sums)
        .group_by(delta.c.customer_type)
        .having(or_(*[total != 0 for total in sums])),
    ).cte("completeness")
    day = (delta.c.registered_on, delta.c.customer_type, delta.c.country)
    return adding(
        RegistrationsDaily.__table__,
        ["day", "customer_type", "country"],
        select(*day, sums[0]).group_by(*day).having(sums[0] != 0),
    ).add_cte(written, completeness)


@functools.cache
def _moving_named() -> tuple[str, dict]:
    """`_moving` for a list of customer ids, compiled once per process: SQLAlchemy caches no
    PostgreSQL INSERT (its ON CONFLICT form), so it compiled the statement on every
    registration, which cost as much as running it."""
    chosen = Customer.id == any_(bindparam("customer_ids", type_=ARRAY(Customer.id.type)))
    compiled = _moving(chosen, FACTS.mine(chosen)).compile(dialect=db.session.get_bind().dialect)
    return str(compiled), dict(compiled.params)


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
