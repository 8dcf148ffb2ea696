"""The acquisition rollups: each customer's registration day, type, channel and source and how
far it went through verification (AcquisitionFact), and their sums per day (AcquisitionDaily),
which the acquisition dashboard reads for registrations by channel and source and the
verification funnel.

The funnel comes from what the verification-code use cases record (services.contact_change):
an audit entry when a code is sent, one per wrong code (outcome failure) and one when a code is
confirmed. A customer service's change reaches `refresh` through the customers_changed hook,
the code use cases call it themselves; either way in their transaction, set-based: the changed
customers' old rows are subtracted, recomputed and added back. `rebuild` recomputes everything.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import ColumnElement, Integer, case, delete, func, select, true

from portal.counters import add_to, utc_day
from portal.customers import hooks
from portal.customers.models import AcquisitionDaily, AcquisitionFact, Customer
from portal.extensions import db
from portal.security.audit import FAILURE, SUCCESS
from portal.security.models import AuditEntry

CODE_SENT = "customer.contact_change_request"
CODE_CONFIRMED = "customer.contact_change_confirm"
FUNNEL = ("code_sent", "wrong_code", "verified")
UNKNOWN = ""


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
            a.action.in_((CODE_SENT, CODE_CONFIRMED)),
            a.record_id.in_(select(Customer.id).where(selection)),
        )
        .group_by(a.record_id)
        .subquery("codes")
    )


def _facts(selection: ColumnElement):
    codes = _codes(selection)
    return (
        select(
            Customer.id,
            utc_day(Customer.created_at),
            Customer.customer_type,
            func.coalesce(Customer.acquisition_channel, UNKNOWN),
            func.coalesce(Customer.acquisition_source, UNKNOWN),
            *[func.coalesce(codes.c[name], 0) for name in FUNNEL],
        )
        .outerjoin(codes, codes.c.customer_id == Customer.id)
        .where(selection)
    )


def _add(sign: int, selection: ColumnElement) -> None:
    f = AcquisitionFact
    keys = (f.registered_on, f.customer_type, f.channel, f.source)
    add_to(
        AcquisitionDaily.__table__,
        ["day", "customer_type", "channel", "source"],
        select(
            *keys,
            (func.count() * sign).cast(Integer),
            *[(func.sum(getattr(f, name)) * sign).cast(Integer) for name in FUNNEL],
        )
        .where(selection)
        .group_by(*keys)
        # Stored in day order by a rebuild: a range of days then reads adjacent pages, not one
        # page per row (an 11-month range read 40,000 scattered rows in 0.5 s at 1M customers).
        .order_by(*keys),
    )


def _store(selection: ColumnElement) -> None:
    table = AcquisitionFact.__table__
    db.session.execute(
        table.insert().from_select([c.name for c in table.columns], _facts(selection))
    )


def refresh(
    customer_ids: Sequence[str] | None = None, *, where: ColumnElement | None = None, **_
) -> None:
    """The named customers (or those matching `where`) changed: move their rows and the sums."""
    chosen = Customer.id.in_(customer_ids) if customer_ids is not None else where
    if chosen is None:
        return
    db.session.flush()  # the audit entry just added counts
    mine = AcquisitionFact.customer_id.in_(select(Customer.id).where(chosen))
    _add(-1, mine)
    db.session.execute(delete(AcquisitionFact).where(mine))
    _store(chosen)
    _add(1, mine)


def rebuild() -> None:
    """The fact rows and their sums from the customers and the audit entries, set-based."""
    for model in (AcquisitionFact, AcquisitionDaily):
        db.session.execute(delete(model))
    _store(true())
    _add(1, true())


hooks.on_customers_changed(refresh)
