"""The acquisition rollups: each customer's registration day, type, channel and source and how
far it went through verification (AcquisitionFact), and their sums per day (AcquisitionDaily),
which the acquisition dashboard reads for registrations by channel and source and the
verification funnel.

The funnel comes from what the verification-code use cases record (services.contact_change):
an audit entry when a code is sent, one per wrong code (outcome failure) and one when a code is
confirmed. A customer service's change reaches `refresh` through the customers_changed hook,
the code use cases call it themselves; either way in their transaction, set-based: the changed
customers' old rows are subtracted, recomputed and added back (counters.PerCustomer).
`rebuild` recomputes everything.

The nightly `snapshot` counts each source's new customers per month by the segment they are in
(AcquisitionSegment): segments move with orders all day, so the acquisition cost by segment
shares the spend over the segments as at the last night, like the other per-segment figures.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import ColumnElement, Date, Subquery, case, delete, func, literal, or_, select

from portal.counters import PerCustomer, Sum, insert_rows, month_start, utc_day
from portal.customers import hooks
from portal.customers.models import (
    AcquisitionDaily,
    AcquisitionFact,
    AcquisitionSegment,
    Customer,
)
from portal.extensions import db
from portal.security.audit import FAILURE, SUCCESS
from portal.security.models import AuditEntry

CODE_SENT = "customer.contact_change_request"
CODE_CONFIRMED = "customer.contact_change_confirm"
FUNNEL = ("code_sent", "wrong_code", "verified")
UNKNOWN = ""
NO_SEGMENT = ""


def _codes(selection: ColumnElement):
    """Per customer: 1 if a code was sent, a wrong code entered, a code confirmed."""
    a = AuditEntry
    confirm = a.action == CODE_CONFIRMED

    def ever(condition: ColumnElement) -> ColumnElement:
        return func.max(case((condition, 1), else_=0))

    return (
        select(
            a.record_id.label("customer_id"),
            ever(a.action == CODE_SENT).label("code_sent"),
            ever(confirm & (a.outcome == FAILURE)).label("wrong_code"),
            ever(confirm & (a.outcome == SUCCESS)).label("verified"),
        )
        .where(
            a.record_type == "customer",
            # not IN (...): an expanding list cannot be compiled once (counters.PerCustomer)
            or_(a.action == CODE_SENT, confirm),
            a.record_id.in_(select(Customer.id).where(selection)),
        )
        .group_by(a.record_id)
        .subquery("codes")
    )


def _facts(selection: ColumnElement):
    codes = _codes(selection)
    columns = (
        Customer.id,
        utc_day(Customer.created_at),
        Customer.customer_type,
        func.coalesce(Customer.acquisition_channel, UNKNOWN),
        func.coalesce(Customer.acquisition_source, UNKNOWN),
        *[func.coalesce(codes.c[name], 0) for name in FUNNEL],
    )
    names = [c.name for c in AcquisitionFact.__table__.columns]
    return (
        select(*[column.label(name) for column, name in zip(columns, names, strict=True)])
        .outerjoin(codes, codes.c.customer_id == Customer.id)
        .where(selection)
    )


FACTS = PerCustomer(
    AcquisitionFact,
    Customer.id,
    _facts,
    (Sum(AcquisitionDaily, ("registered_on", "customer_type", "channel", "source"), FUNNEL),),
)


def refresh(
    customer_ids: Sequence[str] | None = None, *, where: ColumnElement | None = None, **_
) -> None:
    """The named customers (or those matching `where`) changed: move their rows and the sums."""
    FACTS.refresh(customer_ids, where=where)


def rebuild() -> None:
    """The fact rows and their sums from the customers and the audit entries, set-based."""
    FACTS.rebuild()


def snapshot(day: date, segments: Subquery) -> None:
    """Store the customers each source brought in each month per segment they are in now,
    as at the end of `day` (`segments`: customer_id, segment_id of everyone in a segment).
    Customers of no known source are left out: no spend is entered for them."""
    f = AcquisitionFact
    month = month_start(f.registered_on)
    segment = func.coalesce(segments.c.segment_id, NO_SEGMENT)
    rows = (
        select(month, f.source, segment, func.count(), literal(day, Date))
        .outerjoin(segments, segments.c.customer_id == f.customer_id)
        .where(f.source != UNKNOWN)
        .group_by(month, f.source, segment)
    )
    db.session.execute(delete(AcquisitionSegment))
    insert_rows(AcquisitionSegment.__table__, rows)


hooks.on_customers_changed(refresh)
