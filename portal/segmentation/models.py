"""Segmentation tables: the behaviour the consumed events keep up to date (orders, metrics),
the segments with their versioned rules, each customer's one primary segment and its history.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import db
from portal.labels import Labelled
from portal.models import BigId, UTCDateTime, Uuid, new_uuid, string_enum, utcnow


class SegmentType(Labelled):
    B2C = "B2C", "Consumer"
    B2B = "B2B", "Business"


class ReasonCode(Labelled):
    # the rule of a non-fallback segment matched
    RULE_MATCHED = "RULE_MATCHED", "Rule matched"
    # no rule of the customer's segment type matched
    FALLBACK = "FALLBACK", "No rule matched (fallback segment)"
    ADMIN_OVERRIDE = "ADMIN_OVERRIDE", "Set by an administrator"
    OVERRIDE_EXPIRED = "OVERRIDE_EXPIRED", "Administrator's override expired"


class CustomerOrder(db.Model):
    """One order as OrderPlaced reported it; OrderCancelled stamps `cancelled_at`."""

    __tablename__ = "customer_order"
    # Spend and order counts in the last N days: one index range per customer.
    __table_args__ = (
        Index("ix_customer_order_customer_placed", "customer_id", "placed_at"),
        # The order windows of a full recompute: an index-only range over recent orders.
        Index(
            "ix_customer_order_placed",
            "placed_at",
            postgresql_include=["customer_id", "amount_minor", "currency", "cancelled_at"],
        ),
    )

    order_id: Mapped[str] = mapped_column(String(80), primary_key=True)
    customer_id: Mapped[str] = mapped_column(ForeignKey("customer.id", ondelete="CASCADE"))
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    placed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


# An order has at most this many lines (the OrderPlaced schema's maxItems).
ORDER_LINES_MAX = 500


class CustomerOrderLine(db.Model):
    """One line of an order, as an OrderPlaced event of version 2 reported it. The customer and
    the order's time ride along from the order: the recommendations read a customer's products
    from one index, and erasure keeps the lines as long as it keeps their order. The customer
    has no foreign key of its own: the order's stands for it (a deleted customer's orders take
    their lines with them), and a second check per line slowed the intake."""

    __tablename__ = "customer_order_line"
    __table_args__ = (
        # A customer's products and favourite categories: one index range per customer.
        Index("ix_customer_order_line_customer", "customer_id", "product_id"),
    )

    order_id: Mapped[str] = mapped_column(
        ForeignKey("customer_order.order_id", ondelete="CASCADE"), primary_key=True
    )
    line_no: Mapped[int] = mapped_column(Integer, primary_key=True)
    customer_id: Mapped[str] = mapped_column(String(41))
    product_id: Mapped[str] = mapped_column(String(80))
    category: Mapped[str] = mapped_column(String(60))
    quantity: Mapped[int] = mapped_column(Integer)
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    placed_at: Mapped[datetime] = mapped_column(UTCDateTime)


class CustomerMetrics(db.Model):
    """Running behaviour totals per customer; a missing row means all zero."""

    __tablename__ = "customer_metrics"

    customer_id: Mapped[str] = mapped_column(
        ForeignKey("customer.id", ondelete="CASCADE"), primary_key=True
    )
    order_count: Mapped[int] = mapped_column(Integer, default=0)
    # Orders in the base currency only (behaviour.BASE_CURRENCY): sums never mix currencies.
    order_total_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    last_order_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    active_subscription: Mapped[bool] = mapped_column(Boolean, default=False)
    subscription_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    email_opens: Mapped[int] = mapped_column(Integer, default=0)
    email_clicks: Mapped[int] = mapped_column(Integer, default=0)
    campaign_conversions: Mapped[int] = mapped_column(Integer, default=0)
    last_engagement_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    review_count: Mapped[int] = mapped_column(Integer, default=0)
    support_ticket_count: Mapped[int] = mapped_column(Integer, default=0)
    payment_method_count: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Segment(db.Model):
    """A specific segment of one segment type. Rules are tried by `priority`, 1 first; the
    fallback of each type catches everyone no rule matched."""

    __tablename__ = "segment"

    id: Mapped[str] = mapped_column(Uuid, primary_key=True, default=new_uuid)
    segment_type: Mapped[SegmentType] = mapped_column(string_enum(SegmentType, 20))
    name: Mapped[str] = mapped_column(String(100), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    priority: Mapped[int] = mapped_column(Integer)
    is_fallback: Mapped[bool] = mapped_column(Boolean, default=False)
    rule: Mapped[dict] = mapped_column(JSON)
    # SegmentRuleVersion.id of `rule`; no foreign key, the two tables point at each other.
    rule_version_id: Mapped[int | None] = mapped_column(BigId)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SegmentRuleVersion(db.Model):
    """Every save of a segment: who, when, the rule as saved and the diff from the previous."""

    __tablename__ = "segment_rule_version"
    __table_args__ = (UniqueConstraint("segment_id", "version"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    segment_id: Mapped[str] = mapped_column(ForeignKey("segment.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(Text, default="")
    rule: Mapped[dict] = mapped_column(JSON)
    diff: Mapped[list] = mapped_column(JSON, default=list)
    # The staff user's id; no foreign key, the history outlives staff accounts.
    created_by: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CustomerSegment(db.Model):
    """The one primary segment of a customer, and the admin override holding it, if any.

    No foreign keys: a recompute writes up to a row per customer, and PostgreSQL would check
    each one row by row (migration 0009 says why that is safe)."""

    __tablename__ = "customer_segment"

    customer_id: Mapped[str] = mapped_column(String(41), primary_key=True)
    segment_id: Mapped[str] = mapped_column(Uuid, index=True)
    since: Mapped[datetime] = mapped_column(UTCDateTime)
    override_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    override_justification: Mapped[str | None] = mapped_column(Text)
    override_by: Mapped[str | None] = mapped_column(String(80))


MOVES = "from_segment_id IS NOT NULL AND from_segment_id != to_segment_id"


class SegmentHistory(db.Model):
    """One row per assignment change, override and override expiry: the trend data."""

    __tablename__ = "segment_history"
    __table_args__ = (
        Index("ix_segment_history_customer_at", "customer_id", "at"),
        # The notifications: moves between segments, newest first (migration 0019).
        Index(
            "ix_segment_history_moves",
            "id",
            postgresql_where=text(MOVES),
            sqlite_where=text(MOVES),
        ),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    customer_id: Mapped[str] = mapped_column(String(41))  # no foreign key: see CustomerSegment
    from_segment_id: Mapped[str | None] = mapped_column(Uuid)
    to_segment_id: Mapped[str] = mapped_column(Uuid)
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    rule_version_id: Mapped[int | None] = mapped_column(BigId)
    reason_code: Mapped[ReasonCode] = mapped_column(string_enum(ReasonCode, 20))
    # The values of the fields the new segment's rule looks at, when the customer moved.
    metrics: Mapped[dict] = mapped_column(JSON, default=dict)
    justification: Mapped[str | None] = mapped_column(Text)
    override_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    actor: Mapped[str] = mapped_column(String(80))


class SegmentChange(db.Model):
    """Formerly the staging rows of an evaluation run; the engine no longer writes it (one
    statement per run, see engine). Kept until the compliance registry stops listing it."""

    __tablename__ = "segment_change"

    run_id: Mapped[str] = mapped_column(Uuid, primary_key=True)
    customer_id: Mapped[str] = mapped_column(String(41), primary_key=True)
    from_segment_id: Mapped[str | None] = mapped_column(Uuid)
    to_segment_id: Mapped[str] = mapped_column(Uuid)
    reason_code: Mapped[ReasonCode] = mapped_column(string_enum(ReasonCode, 20))
    override_expired: Mapped[bool] = mapped_column(Boolean, default=False)


class RecomputeRun(db.Model):
    """A full recompute: when, by whom, how many customers evaluated and moved."""

    __tablename__ = "segment_recompute_run"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime] = mapped_column(UTCDateTime)
    changed: Mapped[int] = mapped_column(Integer)
    actor: Mapped[str] = mapped_column(String(80))


class NotificationCursor(db.Model):
    """Segment-change notifications are the history rows; each reader keeps how far they read."""

    __tablename__ = "segment_notification_cursor"

    user_id: Mapped[str] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True
    )
    last_seen_id: Mapped[int] = mapped_column(BigId, default=0)


# The rollups the segment report and the segmentation dashboard read instead of the history.
# A trigger on segment_history (migration 0023_dashboards) keeps moves and sizes in the
# inserting statement's transaction, so every write path counts: the engine's set-based runs,
# overrides and their expiry. rollups.rebuild recomputes them from the history.
FIRST_ASSIGNMENT = ""  # from_segment_id of a customer's first assignment (keys cannot be NULL)


class SegmentMovesDaily(db.Model):
    """Customers who moved from → to on a day (UTC)."""

    __tablename__ = "segment_moves_daily"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    from_segment_id: Mapped[str] = mapped_column(Uuid, primary_key=True)
    to_segment_id: Mapped[str] = mapped_column(Uuid, primary_key=True)
    moves: Mapped[int] = mapped_column(BigInteger)


class SegmentSize(db.Model):
    """Members of each segment now."""

    __tablename__ = "segment_size"

    segment_id: Mapped[str] = mapped_column(Uuid, primary_key=True)
    members: Mapped[int] = mapped_column(BigInteger)


class SegmentSizeDaily(db.Model):
    """Members of each segment at the end of a day: the nightly snapshot of SegmentSize."""

    __tablename__ = "segment_size_daily"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    segment_id: Mapped[str] = mapped_column(Uuid, primary_key=True)
    members: Mapped[int] = mapped_column(BigInteger)


class SegmentStayDays(db.Model):
    """Moves out of a segment after `days` whole days in it (since the move into it): the
    histogram the velocity (median days before moving) is read from. Kept by a second trigger
    on segment_history (migration 0027_segdash)."""

    __tablename__ = "segment_stay_days"

    segment_id: Mapped[str] = mapped_column(Uuid, primary_key=True)
    days: Mapped[int] = mapped_column(Integer, primary_key=True)
    moves: Mapped[int] = mapped_column(BigInteger)


class SegmentPerformanceDaily(db.Model):
    """What a segment's members at the end of a day did in the 90 days up to it, and their
    churn bands then: the nightly snapshot (rollups.snapshot), one row per segment and day."""

    __tablename__ = "segment_performance_daily"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    segment_id: Mapped[str] = mapped_column(Uuid, primary_key=True)
    members: Mapped[int] = mapped_column(BigInteger)
    buyers: Mapped[int] = mapped_column(BigInteger)  # members with an order in the 90 days
    orders: Mapped[int] = mapped_column(BigInteger)
    revenue_minor: Mapped[int] = mapped_column(BigInteger)  # base currency, cancelled left out
    churn_low: Mapped[int] = mapped_column(BigInteger)
    churn_medium: Mapped[int] = mapped_column(BigInteger)
    churn_high: Mapped[int] = mapped_column(BigInteger)
    unscored: Mapped[int] = mapped_column(BigInteger)


class SegmentLift(db.Model):
    """The members a segment had at the end of `day` and what they spent in the 90 days after
    it: written by the nightly snapshot once those 90 days are over (lift = a segment's revenue
    per member over everyone's)."""

    __tablename__ = "segment_lift"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    segment_id: Mapped[str] = mapped_column(Uuid, primary_key=True)
    members: Mapped[int] = mapped_column(BigInteger)
    buyers: Mapped[int] = mapped_column(BigInteger)
    revenue_minor: Mapped[int] = mapped_column(BigInteger)
