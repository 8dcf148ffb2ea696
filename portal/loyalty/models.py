"""Loyalty tables: the ledger (one immutable row per movement of points), the summary row per
account kept in the same transaction as its ledger rows, the tier history and the programme's
versioned settings.

No foreign keys to `customer`, as in segmentation: seeding and the monthly jobs write a row
per account, which PostgreSQL would check one by one; erasure finds the rows by customer id.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, BigInteger, Boolean, Date, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import db
from portal.loyalty.values import EntryKind, LoyaltyTier, TierReason
from portal.models import BigId, UTCDateTime, string_enum, utcnow


class LoyaltyAccount(db.Model):
    """The summary of a customer's ledger: O(1) reads of what the ledger adds up to.

    `balance` is what can be redeemed, `pending` what waits for the return window, `debt` the
    points clawed back from an order cancelled after they were spent (paid from the next
    credits; shown, never a negative balance). `tier_points` are the tier-qualifying points
    of the rows since `qualifying_since` (the recalculation moves it to 12 months back).
    Changed by every movement and job: its pages keep room for HOT updates (fillfactor)."""

    __tablename__ = "loyalty_account"
    __table_args__ = (Index("ix_loyalty_account_tier", "tier"),)

    customer_id: Mapped[str] = mapped_column(String(41), primary_key=True)
    tier: Mapped[LoyaltyTier] = mapped_column(string_enum(LoyaltyTier, 20))
    balance: Mapped[int] = mapped_column(BigInteger, default=0)
    pending: Mapped[int] = mapped_column(BigInteger, default=0)
    debt: Mapped[int] = mapped_column(BigInteger, default=0)
    tier_points: Mapped[int] = mapped_column(BigInteger, default=0)
    qualifying_since: Mapped[datetime] = mapped_column(UTCDateTime)
    enrolled_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_activity_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Set when the recalculation found the customer below their tier: the downgrade happens
    # when it passes (the grace period) unless they qualify again first.
    downgrade_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class LoyaltyEntry(db.Model):
    """One movement of points. `points` is signed (credits positive). A credit is a batch:
    `remaining` is what of it is not yet consumed (the one column that changes, as debits
    consume it oldest-expiring first), `expires_at` its expiry, `pending` whether it still
    waits for `available_at` (the end of the order's return window).

    No index mentions `remaining`, so consuming or expiring a batch is a HOT update on
    PostgreSQL (the table keeps room in its pages for it: fillfactor, revision 0034)."""

    __tablename__ = "loyalty_entry"
    __table_args__ = (
        # The tab's ledger, newest first, and a customer's open batches.
        Index("ix_loyalty_entry_customer_at", "customer_id", "at"),
        # The expiry run: credits by expiry date, read from the last run's mark (LoyaltyRun).
        Index(
            "ix_loyalty_entry_credit_expiry",
            "expires_at",
            postgresql_where="points > 0",
            sqlite_where="points > 0",
        ),
        # The daily release: pending batches by the end of their return window.
        Index(
            "ix_loyalty_entry_pending",
            "available_at",
            postgresql_where="pending",
            sqlite_where="pending",
        ),
        Index("ix_loyalty_entry_order", "order_id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    customer_id: Mapped[str] = mapped_column(String(41))
    kind: Mapped[EntryKind] = mapped_column(string_enum(EntryKind, 10))
    points: Mapped[int] = mapped_column(BigInteger)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    remaining: Mapped[int] = mapped_column(BigInteger, default=0)
    pending: Mapped[bool] = mapped_column(Boolean, default=False)
    available_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # What the row adds to the tier-qualifying points: an order's earning and its reversal,
    # and the qualifying points a merge moves between accounts.
    qualifying_points: Mapped[int] = mapped_column(BigInteger, default=0)
    # The batch an EXPIRE row ended.
    batch_id: Mapped[int | None] = mapped_column(BigId)
    order_id: Mapped[str | None] = mapped_column(String(80))
    amount_minor: Mapped[int | None] = mapped_column(BigInteger)
    reason: Mapped[str | None] = mapped_column(String(1000))
    # The staff user's id or "system"; no foreign key, the ledger outlives staff accounts.
    actor: Mapped[str] = mapped_column(String(80))


class TierHistory(db.Model):
    """Every change of a customer's tier, with its reason."""

    __tablename__ = "loyalty_tier_history"
    __table_args__ = (
        Index("ix_loyalty_tier_history_customer_at", "customer_id", "at"),
        Index("ix_loyalty_tier_history_at", "at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    customer_id: Mapped[str] = mapped_column(String(41))
    from_tier: Mapped[LoyaltyTier | None] = mapped_column(string_enum(LoyaltyTier, 20))
    to_tier: Mapped[LoyaltyTier] = mapped_column(string_enum(LoyaltyTier, 20))
    reason_code: Mapped[TierReason] = mapped_column(string_enum(TierReason, 20))
    note: Mapped[str | None] = mapped_column(String(1000))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor: Mapped[str] = mapped_column(String(80))


class ProgrammeVersion(db.Model):
    """Every save of the programme's settings (values.Programme as JSON); the highest version
    is in force. Like segment rules, a change is a new version, never an edit."""

    __tablename__ = "loyalty_programme_version"

    version: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    settings: Mapped[dict] = mapped_column(JSON)
    note: Mapped[str] = mapped_column(String(200), default="")
    created_by: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class LoyaltyRun(db.Model):
    """How far a daily job has got: the expiry run has expired every batch due `until` then,
    so the next one reads the credits expiring after it only."""

    __tablename__ = "loyalty_run"

    job: Mapped[str] = mapped_column(String(20), primary_key=True)
    until: Mapped[datetime] = mapped_column(UTCDateTime)


# The rollups the programme's report and index read (revision 0035_loyalty_rollups): kept by
# triggers on the ledger, the summary rows and the tier history in the writing transaction;
# loyalty.rollups.rebuild recomputes them from those tables.


class PointsMonthly(db.Model):
    """The points of the ledger's rows per month (UTC) of `at` and kind."""

    __tablename__ = "loyalty_points_monthly"

    month: Mapped[date] = mapped_column(Date, primary_key=True)
    kind: Mapped[EntryKind] = mapped_column(string_enum(EntryKind, 10), primary_key=True)
    points: Mapped[int] = mapped_column(BigInteger)


class ExpiryDaily(db.Model):
    """The points left in credits per day (UTC) of their expiry: the expiry schedule."""

    __tablename__ = "loyalty_expiry_daily"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    points: Mapped[int] = mapped_column(BigInteger)


class TierTotalRow(db.Model):
    """Per tier, the accounts in it and the sums of their summary rows."""

    __tablename__ = "loyalty_tier_total"

    tier: Mapped[LoyaltyTier] = mapped_column(string_enum(LoyaltyTier, 20), primary_key=True)
    members: Mapped[int] = mapped_column(BigInteger)
    balance: Mapped[int] = mapped_column(BigInteger)
    pending: Mapped[int] = mapped_column(BigInteger)
    debt: Mapped[int] = mapped_column(BigInteger)


class TierMovesMonthly(db.Model):
    """Per month (UTC) and tier, the customers the tier history moved into it less those it
    moved out: their running sum is the tier's size at each month's end."""

    __tablename__ = "loyalty_tier_moves_monthly"

    month: Mapped[date] = mapped_column(Date, primary_key=True)
    tier: Mapped[LoyaltyTier] = mapped_column(string_enum(LoyaltyTier, 20), primary_key=True)
    members: Mapped[int] = mapped_column(BigInteger)
