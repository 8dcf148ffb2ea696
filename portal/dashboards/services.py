"""Marketing enters what it spent per acquisition source and month (the numerator of CAC)."""

from __future__ import annotations

from datetime import date

from portal.customers.queries.acquisition import source_names
from portal.dashboards.models import MarketingSpend
from portal.dashboards.rules import spend_errors
from portal.domain import DomainError, flush_or_stale, use_case
from portal.extensions import db
from portal.formatting import format_money
from portal.security import audit
from portal.security.models import User


@use_case
def record_marketing_spend(
    actor: User, source: str, month: date, currency: str, amount_minor: int
) -> MarketingSpend:
    """Set the spend on `source` in `month` in `currency` (entered again, it replaces the
    amount: sending the form twice keeps one row). Other currencies stay their own rows."""
    currency = currency.strip().upper()
    if errors := spend_errors(source, currency, source_names()):
        raise DomainError(errors)
    spend = db.session.get(MarketingSpend, (source, month, currency))
    before = format_money(spend.amount_minor, currency) if spend else "nothing"
    if spend is None:
        spend = MarketingSpend(source=source, month=month, currency=currency)
    spend.amount_minor = amount_minor
    spend.updated_by = actor.id  # may load the actor: the new row is added complete, after
    db.session.add(spend)
    flush_or_stale(lambda: ({"amount": None}, 0))  # the same month entered at the same moment
    audit.record(
        "dashboards.marketing_spend",
        user=actor,
        record_type="marketing_spend",
        record_id=f"{source}/{month:%Y-%m}/{currency}",
        summary=f"Spend on {source} in {month:%Y-%m}: {before} → "
        f"{format_money(amount_minor, currency)}",
    )
    db.session.commit()
    return spend
