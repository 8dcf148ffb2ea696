"""The loyalty fields segment rules can test (tier, balance, tier-qualifying points), supplied
to segmentation's field catalogue: a customer without an account is STANDARD with 0 points."""

from sqlalchemy import func

from portal.customers.models import Customer
from portal.loyalty.models import LoyaltyAccount
from portal.loyalty.values import LoyaltyTier
from portal.segmentation.fields import Field, supply

LOYALTY = "Loyalty"


def _account(column: str, default):
    return lambda sources, _condition: func.coalesce(
        getattr(
            sources.supplied("la", LoyaltyAccount, lambda t: t.customer_id == Customer.id),
            column,
        ),
        default,
    )


supply(
    Field(
        "loyalty_tier",
        "Loyalty tier",
        LOYALTY,
        "choice",
        _account("tier", LoyaltyTier.STANDARD.value),
        tuple(t.value for t in LoyaltyTier),
    ),
    Field("loyalty_balance", "Loyalty points available", LOYALTY, "number", _account("balance", 0)),
    Field(
        "loyalty_tier_points",
        "Tier-qualifying points",
        LOYALTY,
        "number",
        _account("tier_points", 0),
    ),
)
