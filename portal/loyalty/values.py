"""Loyalty enums and the programme's settings as plain values (the stored JSON is their dict)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date
from decimal import Decimal

from portal.labels import Labelled


class LoyaltyTier(Labelled):
    """The domain document's tiers, lowest first; AMBASSADOR is granted by staff only."""

    STANDARD = "STANDARD"
    SILVER = "SILVER"
    GOLD = "GOLD"
    PLATINUM = "PLATINUM"
    AMBASSADOR = "AMBASSADOR"

    @property
    def rank(self) -> int:
        return list(LoyaltyTier).index(self)


# The tiers the monthly recalculation assigns (AMBASSADOR is by invitation).
EARNED_TIERS = (LoyaltyTier.STANDARD, LoyaltyTier.SILVER, LoyaltyTier.GOLD, LoyaltyTier.PLATINUM)
QUALIFYING_TIERS = EARNED_TIERS[1:]


class EntryKind(Labelled):
    """A ledger row's kind. Credits (EARN, positive ADJUST, TRANSFER in) are batches with an
    expiry and a remaining amount; debits consume batches oldest-expiring first."""

    EARN = "EARN", "Earned"
    REDEEM = "REDEEM", "Redeemed"
    EXPIRE = "EXPIRE", "Expired"
    ADJUST = "ADJUST", "Adjusted"
    REVERSE = "REVERSE", "Reversed"
    TRANSFER = "TRANSFER", "Transferred"


class Basis(Labelled):
    """What qualifies for a tier: tier-qualifying points or annual spend (minor units)."""

    POINTS = "POINTS", "Tier-qualifying points"
    SPEND = "SPEND", "Annual spend"


class ExpiryMode(Labelled):
    AFTER_DAYS = (
        "AFTER_DAYS",
        "A number of days after earning",
    )  # each batch expires `expiry_days` after it was earned
    END_OF_MONTH = (
        "END_OF_MONTH",
        "At the end of that month",
    )  # ... at the end of the month that date falls in


class DowngradePolicy(Labelled):
    NEVER = "NEVER"
    AUTOMATIC = (
        "AUTOMATIC",
        "After the grace period",
    )  # after `grace_days` below the tier's requirement


class TierReason(Labelled):
    ENROLLED = "ENROLLED"
    QUALIFIED = "QUALIFIED"  # upgrade by the recalculation
    DOWNGRADED = "DOWNGRADED"  # below the requirement past the grace period
    AMBASSADOR_GRANTED = "AMBASSADOR_GRANTED"
    AMBASSADOR_REVOKED = "AMBASSADOR_REVOKED"
    MERGED = "MERGED"


@dataclass(frozen=True)
class TierRequirement:
    basis: Basis
    threshold: int  # points, or minor units of the base currency per 12 months


@dataclass(frozen=True)
class Campaign:
    """A bonus campaign: orders placed from `starts` to `ends` (inclusive) earn `percent`."""

    name: str
    starts: date
    ends: date
    percent: int


@dataclass(frozen=True)
class Programme:
    """The programme's settings, one saved version. Multipliers are percentages (100 = once)."""

    points_per_unit: int = 1  # points per whole unit (100 minor) of the base currency
    # Points per whole unit of each other currency that earns (e.g. EUR: 1.1, JPY: 0.01);
    # orders in a currency not listed earn nothing.
    currency_points: dict[str, Decimal] = field(default_factory=dict)
    point_value_minor: int = 1  # what one point is worth, in minor units (liability)
    tiers: dict[str, TierRequirement] = field(
        default_factory=lambda: {
            "SILVER": TierRequirement(Basis.POINTS, 1_000),
            "GOLD": TierRequirement(Basis.POINTS, 5_000),
            "PLATINUM": TierRequirement(Basis.POINTS, 15_000),
        }
    )
    tier_percent: dict[str, int] = field(
        default_factory=lambda: {
            "STANDARD": 100,
            "SILVER": 110,
            "GOLD": 125,
            "PLATINUM": 150,
            "AMBASSADOR": 200,
        }
    )
    segment_percent: dict[str, int] = field(default_factory=dict)  # segment id → percent
    campaigns: tuple[Campaign, ...] = ()
    return_window_days: int = 30
    expiry_days: int = 365
    expiry_mode: ExpiryMode = ExpiryMode.AFTER_DAYS
    downgrade_policy: DowngradePolicy = DowngradePolicy.AUTOMATIC
    grace_days: int = 30

    def to_json(self) -> dict:
        data = asdict(self)
        data["tiers"] = {
            name: {"basis": str(t.basis), "threshold": t.threshold}
            for name, t in self.tiers.items()
        }
        data["campaigns"] = [
            {**asdict(c), "starts": c.starts.isoformat(), "ends": c.ends.isoformat()}
            for c in self.campaigns
        ]
        data["currency_points"] = {code: str(rate) for code, rate in self.currency_points.items()}
        data["expiry_mode"] = str(self.expiry_mode)
        data["downgrade_policy"] = str(self.downgrade_policy)
        return data

    @classmethod
    def from_json(cls, data: dict) -> Programme:
        return cls(
            points_per_unit=data["points_per_unit"],
            # versions saved before other currencies earned have none
            currency_points={
                code: Decimal(rate) for code, rate in data.get("currency_points", {}).items()
            },
            point_value_minor=data["point_value_minor"],
            tiers={
                name: TierRequirement(Basis(t["basis"]), t["threshold"])
                for name, t in data["tiers"].items()
            },
            tier_percent=dict(data["tier_percent"]),
            segment_percent=dict(data["segment_percent"]),
            campaigns=tuple(
                Campaign(
                    c["name"],
                    date.fromisoformat(c["starts"]),
                    date.fromisoformat(c["ends"]),
                    c["percent"],
                )
                for c in data["campaigns"]
            ),
            return_window_days=data["return_window_days"],
            expiry_days=data["expiry_days"],
            expiry_mode=ExpiryMode(data["expiry_mode"]),
            downgrade_policy=DowngradePolicy(data["downgrade_policy"]),
            grace_days=data["grace_days"],
        )
