"""What the event catalogue (portal.events.catalogue) takes from loyalty: the tiers and the
reasons of a tier change."""

from portal.events import catalogue
from portal.loyalty.values import LoyaltyTier, TierReason

catalogue.supply(loyalty_tiers=tuple(LoyaltyTier), loyalty_tier_reasons=tuple(TierReason))
