"""The rule fields insights supplies to segmentation: lifetime value, churn band and P(alive)
from the stored scores, one outer join on `customer_insight` (its primary key)."""

from __future__ import annotations

from sqlalchemy import case

from portal.customers.models import Customer
from portal.insights.models import CustomerInsight
from portal.insights.values import ChurnBand
from portal.segmentation.fields import BASE_CURRENCY, Field, Sources, supply

INSIGHTS = "Insights"


def _scores(sources: Sources):
    return sources.supplied("ci", CustomerInsight, lambda t: t.customer_id == Customer.id)


supply(
    Field(
        "lifetime_value",
        f"Lifetime value, next 12 months ({BASE_CURRENCY} customers)",
        INSIGHTS,
        "money",
        # Only customers scored in the base currency: an amount in another is not comparable.
        lambda s, c: case((_scores(s).currency == BASE_CURRENCY, _scores(s).clv_minor)),
    ),
    Field(
        "churn_band",
        "Churn risk",
        INSIGHTS,
        "choice",
        lambda s, c: _scores(s).churn_band,
        tuple(b.value for b in ChurnBand),
    ),
    Field(
        "p_alive_percent",
        "Probability still active (%)",
        INSIGHTS,
        "number",
        lambda s, c: _scores(s).p_alive * 100,
    ),
)
