"""Demo loyalty data: every demo customer enrolled and their orders replayed into the ledger,
set-based (one INSERT ... SELECT over the orders, one over the accounts), then the daily run
(release and expiry) and the monthly recalculation, so the demo shows every kind of row."""

from __future__ import annotations

from sqlalchemy import func, insert, literal, select, text

from portal.customers.models import Customer
from portal.events.outbox import SYSTEM
from portal.extensions import db
from portal.loyalty import jobs, services
from portal.loyalty.models import LoyaltyAccount, LoyaltyEntry, TierHistory
from portal.loyalty.values import EntryKind, LoyaltyTier, TierReason
from portal.models import UTCDateTime, utcnow
from portal.segmentation.fields import BASE_CURRENCY
from portal.segmentation.models import CustomerOrder


def _plus_days(column, days: int):
    if db.session.get_bind().dialect.name == "postgresql":
        return column + text(f"interval '{int(days)} days'")
    return func.strftime("%Y-%m-%d %H:%M:%f", column, f"+{int(days)} days")


def seed_demo_loyalty() -> bool:
    """Enrol the demo customers and replay their orders; False if accounts exist already."""
    if db.session.scalar(select(LoyaltyAccount.customer_id).limit(1)):
        return False
    settings = services.programme()
    now = utcnow()
    o = CustomerOrder
    points = o.amount_minor * settings.points_per_unit / 100
    available = _plus_days(o.placed_at, settings.return_window_days)
    live = o.cancelled_at.is_(None) & (o.currency == BASE_CURRENCY) & (points >= 1)
    db.session.execute(
        insert(LoyaltyEntry.__table__).from_select(
            [
                "customer_id",
                "kind",
                "points",
                "at",
                "remaining",
                "pending",
                "available_at",
                "expires_at",
                "qualifying_points",
                "order_id",
                "amount_minor",
                "actor",
            ],
            select(
                o.customer_id,
                literal(EntryKind.EARN.value),
                func.floor(points),
                o.placed_at,
                func.floor(points),
                literal(True),
                available,
                _plus_days(o.placed_at, settings.return_window_days + settings.expiry_days),
                func.floor(points),
                o.order_id,
                o.amount_minor,
                literal(SYSTEM),
            ).where(live),
        )
    )
    e = LoyaltyEntry
    pending = (
        select(e.customer_id, func.sum(e.points).label("points")).group_by(e.customer_id).subquery()
    )
    db.session.execute(
        insert(LoyaltyAccount.__table__).from_select(
            [
                "customer_id",
                "tier",
                "balance",
                "pending",
                "debt",
                "tier_points",
                "qualifying_since",
                "enrolled_at",
            ],
            select(
                Customer.id,
                literal(LoyaltyTier.STANDARD.value),
                literal(0),
                func.coalesce(pending.c.points, 0),
                literal(0),
                literal(0),
                # no qualifying points yet (0 since now): the recalculation below counts them
                literal(now, UTCDateTime),
                Customer.created_at,
            ).outerjoin(pending, pending.c.customer_id == Customer.id),
        )
    )
    db.session.execute(
        insert(TierHistory.__table__).from_select(
            ["customer_id", "to_tier", "reason_code", "at", "actor"],
            select(
                Customer.id,
                literal(LoyaltyTier.STANDARD.value),
                literal(TierReason.ENROLLED.value),
                Customer.created_at,
                literal(SYSTEM),
            ),
        )
    )
    db.session.commit()
    jobs.expire_points(now)
    jobs.recalculate_tiers(now)
    return True
