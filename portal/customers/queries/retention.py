"""The retention follow-up queue (customers to call after a SubscriptionCancelled)."""

from __future__ import annotations

from sqlalchemy import func, select

from portal.customers.models import Customer, RetentionFollowUp
from portal.extensions import db
from portal.security.queries import Page

PER_PAGE = 50


def retention_follow_up_page(page: int) -> Page:
    """The customers still to call, longest waiting first."""
    f = RetentionFollowUp
    query = (
        select(f.id, f.flagged_at, f.customer_id, Customer.name, f.subscription_id, f.reason)
        .join(Customer, Customer.id == f.customer_id)
        .where(f.done_at.is_(None))
    )
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = db.session.execute(
        query.order_by(f.flagged_at, f.id).limit(PER_PAGE).offset((page - 1) * PER_PAGE)
    ).all()
    return Page(rows=rows, page=page, per_page=PER_PAGE, total=total)
