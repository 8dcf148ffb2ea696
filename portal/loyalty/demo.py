"""Demo loyalty data: every demo customer enrolled and their orders replayed into the ledger as
the intake and the daily and monthly runs would have left them, set-based: one INSERT ... SELECT
writes each order's batch already released or expired (no second pass rewriting millions of
rows), one more the expiry rows, one the accounts summed from them; then the monthly
recalculation gives the tiers. On PostgreSQL at scale the ledger's indexes are built after.

Orders earn by the programme in force (points per unit of each currency, segment and campaign
multipliers) at the STANDARD tier every account starts in; `order_points_sql` is
rules.order_points in SQL, exactly (integer arithmetic, no floating point).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Date, Numeric, case, cast, delete, func, insert, literal, select, text

from portal.customers.demo import BULK, indexes_built_after
from portal.customers.models import Customer
from portal.events.outbox import SYSTEM
from portal.extensions import db
from portal.loyalty import jobs, rules, services
from portal.loyalty.models import LoyaltyAccount, LoyaltyEntry, LoyaltyRun, TierHistory
from portal.loyalty.values import EntryKind, LoyaltyTier, Programme, TierReason
from portal.models import UTCDateTime, utcnow
from portal.segmentation.models import CustomerOrder, CustomerSegment


def _plus_days(column, days: int):
    if jobs.on_postgresql():
        return column + text(f"interval '{int(days)} days'")
    return func.strftime("%Y-%m-%d %H:%M:%f", column, f"+{int(days)} days")


def order_points_sql(settings: Programme, amount, currency, placed_at, segment_id):
    """rules.order_points at the STANDARD tier as SQL: amount * numerator // denominator, both
    whole numbers (numeric on PostgreSQL, where they outgrow 64 bits); 0 in a currency that
    earns nothing."""
    currencies = {c: rules.points_per_unit(settings, c) for c in settings.currency_points}
    currencies[rules.BASE_CURRENCY] = rules.points_per_unit(settings, rules.BASE_CURRENCY)
    numerator = case(
        {code: rate.numerator for code, rate in currencies.items()}, value=currency, else_=0
    )
    denominator = case(
        {
            code: rate.denominator * 10 ** rules.minor_digits(code)
            for code, rate in currencies.items()
        },
        value=currency,
        else_=1,
    )
    percents = [
        literal(settings.tier_percent.get(LoyaltyTier.STANDARD, 100)),
        case(settings.segment_percent, value=segment_id, else_=100)
        if settings.segment_percent
        else literal(100),
        *(
            case((placed_at.between(c.starts, c.ends), c.percent), else_=100)
            for c in settings.campaigns
        ),
    ]
    whole = (lambda v: cast(v, Numeric)) if jobs.on_postgresql() else (lambda v: v)
    points = whole(amount) * whole(numerator)
    divisor = whole(denominator)
    for percent in percents:
        points = points * percent
        divisor = divisor * 100
    if jobs.on_postgresql():
        return func.div(points, divisor)
    return points // divisor  # SQLite: integer division, exact below 2**63 (`/` is true division)


def seed_demo_loyalty() -> bool:
    """Enrol the demo customers and replay their orders; False if accounts exist already."""
    if db.session.scalar(select(LoyaltyAccount.customer_id).limit(1)):
        return False
    settings = services.programme()
    now = utcnow()
    postgresql = jobs.on_postgresql()
    db.session.close()
    tables = (LoyaltyEntry.__table__, LoyaltyAccount.__table__, TierHistory.__table__)
    with db.engine.begin() as connection:
        count = connection.scalar(select(func.count()).select_from(Customer))
        with indexes_built_after(connection, tables, postgresql and count >= BULK):
            _replay(connection, settings, now)
        if postgresql:
            connection.execute(text("ANALYZE loyalty_entry, loyalty_account, loyalty_tier_history"))
    jobs.recalculate_tiers(now)
    return True


def _replay(connection, settings: Programme, now: datetime) -> None:
    o, s, e = CustomerOrder, CustomerSegment, LoyaltyEntry
    # The placed day as a date for the campaigns: SQLite compares the ISO text.
    day = cast(o.placed_at, Date) if jobs.on_postgresql() else func.date(o.placed_at)
    points = order_points_sql(settings, o.amount_minor, func.upper(o.currency), day, s.segment_id)
    earned = (
        select(o.customer_id, o.order_id, o.amount_minor, o.placed_at, points.label("points"))
        .outerjoin(s, s.customer_id == o.customer_id)
        .where(o.cancelled_at.is_(None))
        .subquery("earned")
    )
    placed = earned.c.placed_at
    available = _plus_days(placed, settings.return_window_days)
    expires = _plus_days(placed, settings.return_window_days + settings.expiry_days)
    is_pending = available > literal(now, UTCDateTime)
    expired = ~is_pending & (expires <= literal(now, UTCDateTime))
    connection.execute(
        jobs.insert_selected(
            LoyaltyEntry.__table__,
            earned.c.points >= 1,
            customer_id=earned.c.customer_id,
            kind=literal(EntryKind.EARN.value),
            points=earned.c.points,
            at=placed,
            remaining=case((expired, 0), else_=earned.c.points),
            pending=is_pending,
            available_at=available,
            expires_at=expires,
            qualifying_points=earned.c.points,
            order_id=earned.c.order_id,
            amount_minor=earned.c.amount_minor,
            actor=literal(SYSTEM),
        )
    )
    # What the daily run did to the batches that expired: an EXPIRE row each, on its date.
    expired_batch = (e.kind == EntryKind.EARN) & (e.remaining == 0) & e.pending.is_(False)
    connection.execute(
        jobs.expiry_entries(e.customer_id, e.points, e.expires_at, e.id, where=expired_batch)
    )
    since = now - rules.QUALIFYING_PERIOD
    sums = (
        select(
            e.customer_id,
            func.sum(case((e.pending.is_(False), e.remaining), else_=0)).label("balance"),
            func.sum(case((e.pending, e.remaining), else_=0)).label("pending"),
            func.sum(case((e.at >= since, e.qualifying_points), else_=0)).label("tier_points"),
            func.max(e.at).label("last"),
        )
        .where(e.kind == EntryKind.EARN)
        .group_by(e.customer_id)
        .subquery("sums")
    )
    connection.execute(
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
                "last_activity_at",
            ],
            select(
                Customer.id,
                literal(LoyaltyTier.STANDARD.value),
                func.coalesce(sums.c.balance, 0),
                func.coalesce(sums.c.pending, 0),
                literal(0),
                func.coalesce(sums.c.tier_points, 0),
                literal(since, UTCDateTime),
                Customer.created_at,
                sums.c.last,
            ).outerjoin(sums, sums.c.customer_id == Customer.id),
        )
    )
    # Every batch due by now has its EXPIRE row: the daily run starts from here.
    connection.execute(delete(LoyaltyRun.__table__))
    connection.execute(insert(LoyaltyRun.__table__).values(job=jobs.EXPIRY, until=now))
    connection.execute(
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
