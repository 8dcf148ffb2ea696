"""The programme's rules as pure functions: what an order earns, when its points become
available and expire, which batches a debit consumes (FIFO by expiry), which tier a customer
qualifies for, and the checks on the settings staff save. No database here."""

from __future__ import annotations

import calendar
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from fractions import Fraction

from babel.numbers import get_currency_precision, list_currencies

from portal.domain import Errors
from portal.loyalty.values import (
    EARNED_TIERS,
    QUALIFYING_TIERS,
    Basis,
    ExpiryMode,
    LoyaltyTier,
    Programme,
)
from portal.segmentation.fields import BASE_CURRENCY

# Tier-qualifying points and annual spend count over the last 12 months.
QUALIFYING_PERIOD = timedelta(days=365)
MAX_PERCENT = 1_000  # ten times: a multiplier beyond it is a typing error
MAX_DAYS = 3_660


def points_per_unit(programme: Programme, currency: str) -> Fraction | None:
    """Points per whole unit of `currency`, None when orders in it earn nothing."""
    currency = currency.upper()
    if currency == BASE_CURRENCY:
        return Fraction(programme.points_per_unit)
    rate = programme.currency_points.get(currency)
    return None if rate is None else Fraction(rate)


def minor_digits(currency: str) -> int:
    """How many minor units make a whole unit: 10 ** this (JPY 0, USD 2, BHD 3)."""
    return get_currency_precision(currency.upper())


def order_points(
    programme: Programme,
    amount_minor: int,
    currency: str,
    placed_at: datetime,
    tier: LoyaltyTier,
    segment_id: str | None,
) -> int:
    """What an order earns: points per unit of its currency, times the tier's, the segment's
    and every running campaign's multiplier, rounded down (exact: no floating point)."""
    rate = points_per_unit(programme, currency)
    if rate is None:
        return 0
    points = Fraction(amount_minor, 10 ** minor_digits(currency)) * rate
    for percent in (
        programme.tier_percent.get(tier, 100),
        programme.segment_percent.get(segment_id or "", 100),
        *(c.percent for c in programme.campaigns if c.starts <= placed_at.date() <= c.ends),
    ):
        points *= Fraction(percent, 100)
    return max(math.floor(points), 0)


def available_at(programme: Programme, placed_at: datetime) -> datetime:
    """When an order's points stop pending: the end of its return window."""
    return placed_at + timedelta(days=programme.return_window_days)


def expires_at(programme: Programme, earned_at: datetime) -> datetime:
    """When a batch credited at `earned_at` expires."""
    end = earned_at + timedelta(days=programme.expiry_days)
    if programme.expiry_mode is ExpiryMode.END_OF_MONTH:
        last = calendar.monthrange(end.year, end.month)[1]
        end = datetime.combine(date(end.year, end.month, last), time.max, end.tzinfo)
    return end


@dataclass(frozen=True)
class Batch:
    """An open credit: what is left of it, when it expires, whether it still pends."""

    id: int
    remaining: int
    expires_at: datetime | None
    pending: bool = False


def spendable(batches: Iterable[Batch], now: datetime) -> list[Batch]:
    """The batches a debit may use, in the order it uses them: available, unexpired, oldest
    expiry first (a batch that never expires last), then oldest batch."""
    usable = [
        b
        for b in batches
        if b.remaining > 0 and not b.pending and (b.expires_at is None or b.expires_at > now)
    ]
    return sorted(usable, key=lambda b: (b.expires_at is None, b.expires_at or now, b.id))


def consume(batches: Sequence[Batch], points: int) -> list[tuple[int, int]]:
    """FIFO: (batch id, points taken) for a debit of up to `points` over `batches` in order."""
    taken = []
    for batch in batches:
        if points <= 0:
            break
        take = min(batch.remaining, points)
        taken.append((batch.id, take))
        points -= take
    return taken


def points_error(points: int | None, *, low: int = 1, high: int) -> str | None:
    """The message for a number of points that is no whole number in low..high."""
    if points is None or isinstance(points, bool) or not isinstance(points, int):
        return "Enter a whole number of points."
    if not low <= points <= high:
        return f"Enter a whole number of points from {low:,} to {high:,}."
    return None


def redemption_error(points: int, available: int, pending: int) -> str | None:
    """Why `points` cannot be redeemed from `available` (pending and expired points cannot)."""
    if points <= available:
        return None
    if points <= available + pending:
        return (
            f"Only {available:,} points are available; {pending:,} more are pending until "
            "their orders' return window ends."
        )
    return f"Only {available:,} points are available."


def qualifies(requirement_basis: Basis, threshold: int, tier_points: int, spend: int) -> bool:
    return (tier_points if requirement_basis is Basis.POINTS else spend) >= threshold


def qualified_tier(programme: Programme, tier_points: int, annual_spend: int) -> LoyaltyTier:
    """The highest earned tier whose requirement the customer meets."""
    reached = LoyaltyTier.STANDARD
    for tier in QUALIFYING_TIERS:
        need = programme.tiers[tier]
        if qualifies(need.basis, need.threshold, tier_points, annual_spend):
            reached = tier
    return reached


@dataclass(frozen=True)
class Progress:
    next_tier: LoyaltyTier
    basis: Basis
    have: int
    need: int

    @property
    def percent(self) -> int:
        return min(100, self.have * 100 // self.need) if self.need else 100


def progress(
    programme: Programme, tier: LoyaltyTier, tier_points: int, annual_spend: int
) -> Progress | None:
    """How far the customer is toward the tier above theirs (None at the top or Ambassador)."""
    if tier not in EARNED_TIERS or tier is LoyaltyTier.PLATINUM:
        return None
    above = EARNED_TIERS[EARNED_TIERS.index(tier) + 1]
    need = programme.tiers[above]
    have = tier_points if need.basis is Basis.POINTS else annual_spend
    return Progress(above, need.basis, have, need.threshold)


def programme_errors(programme: Programme) -> Errors:
    """What is wrong with settings staff want to save: field name → messages."""
    errors: Errors = {}

    def bad(name: str, message: str) -> None:
        errors.setdefault(name, []).append(message)

    if not 1 <= programme.points_per_unit <= 1_000:
        bad("points_per_unit", "Enter a whole number from 1 to 1,000.")
    for message in currency_errors(programme.currency_points):
        bad("currency_points", message)
    if not 1 <= programme.point_value_minor <= 10_000:
        bad("point_value_minor", "Enter a whole number from 1 to 10,000.")
    below = None
    for tier in QUALIFYING_TIERS:
        need = programme.tiers[tier]
        if not 1 <= need.threshold <= 10**12:
            bad(f"{tier.lower()}_threshold", "Enter a whole number from 1 to 1,000,000,000,000.")
        elif below is not None and below.basis is need.basis and need.threshold <= below.threshold:
            bad(
                f"{tier.lower()}_threshold",
                f"Must be above the threshold of the tier beneath ({below.threshold:,}).",
            )
        below = need
    for name, percent in (*programme.tier_percent.items(), *programme.segment_percent.items()):
        if not 0 <= percent <= MAX_PERCENT:
            bad("multipliers", f"{name}: enter a percentage from 0 to {MAX_PERCENT:,}.")
    for campaign in programme.campaigns:
        if campaign.ends < campaign.starts:
            bad("campaigns", f"{campaign.name}: the campaign ends before it starts.")
        if not 0 <= campaign.percent <= MAX_PERCENT:
            bad("campaigns", f"{campaign.name}: enter a percentage from 0 to {MAX_PERCENT:,}.")
    if not 0 <= programme.return_window_days <= 365:
        bad("return_window_days", "Enter a number of days from 0 to 365.")
    if not 1 <= programme.expiry_days <= MAX_DAYS:
        bad("expiry_days", f"Enter a number of days from 1 to {MAX_DAYS:,}.")
    elif programme.expiry_days <= programme.return_window_days:
        bad("expiry_days", "Points must not expire before the return window ends.")
    if not 0 <= programme.grace_days <= 365:
        bad("grace_days", "Enter a number of days from 0 to 365.")
    return errors


MAX_RATE = Decimal(1_000)
RATE_PLACES = 4


def currency_errors(rates: dict[str, Decimal]) -> list[str]:
    """What is wrong with the points per unit of other currencies: ISO 4217 codes other than
    the base currency, each earning more than 0 and at most 1,000 points per unit, to at most
    four decimal places."""
    known = list_currencies()
    messages = []
    for code, rate in rates.items():
        if code not in known:
            messages.append(f"{code}: not an ISO 4217 currency code.")
        elif code == BASE_CURRENCY:
            messages.append(f"{code} is the base currency: set its points per unit above.")
        if not rate.is_finite() or not 0 < rate <= MAX_RATE:
            messages.append(f"{code}: enter points per unit above 0, at most {MAX_RATE:,}.")
        elif rate.as_tuple().exponent < -RATE_PLACES:
            messages.append(f"{code}: at most {RATE_PLACES} decimal places.")
    return messages
