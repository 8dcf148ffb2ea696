"""The set-based jobs: the monthly recalculation upgrades at once and downgrades after the grace
period, the daily run releases and expires batches; each keeps the summary equal to the ledger
(test_merge.py: a merge moves the points with their expiry). And what an order earns."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from sqlalchemy import select

from portal.events.models import OutboxEvent
from portal.extensions import db
from portal.loyalty import jobs, rules, services
from portal.loyalty.models import LoyaltyAccount, TierHistory
from portal.loyalty.values import LoyaltyTier, Programme, TierReason
from portal.models import utcnow
from tests.unit.loyalty.ledger import assert_summary_is_ledger, cancel, place


def tier(customer_id: str) -> LoyaltyTier:
    db.session.expire_all()
    return db.session.get(LoyaltyAccount, customer_id).tier


def test_upgrades_at_once_and_downgrades_after_the_grace_period(make_customer):
    customer_id = make_customer()
    place(customer_id, 6_000_00, days_ago=40)  # 6,000 points: GOLD
    assert jobs.recalculate_tiers().upgraded == 1
    assert tier(customer_id) is LoyaltyTier.GOLD
    later = utcnow() + timedelta(days=400)  # the order no longer counts
    assert jobs.recalculate_tiers(later).due == 1
    assert tier(customer_id) is LoyaltyTier.GOLD  # grace period
    assert jobs.recalculate_tiers(later + timedelta(days=31)).downgraded == 1
    assert tier(customer_id) is LoyaltyTier.STANDARD
    reasons = db.session.scalars(
        select(TierHistory.reason_code)
        .where(TierHistory.customer_id == customer_id)
        .order_by(TierHistory.id)
    ).all()
    assert reasons == [TierReason.ENROLLED, TierReason.QUALIFIED, TierReason.DOWNGRADED]
    changed = db.session.scalars(
        select(OutboxEvent.payload)
        .where(OutboxEvent.type == "LoyaltyTierChanged")
        .order_by(OutboxEvent.seq)
    ).all()
    assert [p["newTier"] for p in changed] == ["GOLD", "STANDARD"]
    assert_summary_is_ledger(customer_id)


def test_expiry_run_releases_then_expires_oldest_batches(make_customer):
    customer_id = make_customer()
    place(customer_id, 100_00, days_ago=500)  # expired
    place(customer_id, 50_00, days_ago=40)  # available
    place(customer_id, 20_00)  # pending
    done = jobs.expire_points()
    assert done.expired == 100
    account = assert_summary_is_ledger(customer_id)
    assert (account.balance, account.pending) == (50, 20)
    expired = db.session.scalars(
        select(OutboxEvent.payload).where(OutboxEvent.type == "LoyaltyPointsExpired")
    ).all()
    assert [(p["points"], p["balance"]) for p in expired] == [(100, 50)]


def test_each_run_expires_what_came_due_since_the_last_and_late_orders_too(make_customer, staff):
    customer_id = make_customer()
    place(customer_id, 30_00, days_ago=40)  # available, expires in about 11 months
    assert jobs.expire_points().expired == 0
    place(customer_id, 100_00, days_ago=500)  # taken in late: released and due at once
    assert jobs.expire_points().expired == 100
    assert assert_summary_is_ledger(customer_id).balance == 30
    year_later = utcnow() + timedelta(days=365)
    assert jobs.expire_points(year_later).expired == 30
    assert jobs.expire_points(year_later - timedelta(days=1)).expired == 0  # never back
    account = assert_summary_is_ledger(customer_id)
    assert (account.balance, account.pending) == (0, 0)
    # The run a year ahead did not hide a credit made since, due before that year is out.
    services.adjust(staff, customer_id, 7, "Goodwill")
    assert jobs.expire_points(year_later + timedelta(days=1)).expired == 7


def test_a_late_cancellation_claws_back_into_a_visible_debt(make_customer, staff):
    customer_id = make_customer()
    order = place(customer_id, 100_00, days_ago=40)
    services.redeem(staff, customer_id, 80, "Voucher")
    cancel(customer_id, order)
    account = assert_summary_is_ledger(customer_id)
    assert (account.balance, account.debt) == (0, 80)
    services.adjust(staff, customer_id, 100, "Goodwill")  # pays the debt first
    account = assert_summary_is_ledger(customer_id)
    assert (account.balance, account.debt) == (20, 0)


def test_points_per_order_with_multipliers():
    programme = services.programme()
    placed = utcnow()
    assert rules.order_points(programme, 45_99, "USD", placed, LoyaltyTier.STANDARD, None) == 45
    assert rules.order_points(programme, 45_99, "USD", placed, LoyaltyTier.PLATINUM, None) == 68


def test_orders_earn_in_the_currencies_the_programme_sets(make_customer, staff):
    services.save_programme(
        staff,
        Programme(currency_points={"EUR": Decimal("1.5"), "JPY": Decimal("0.01")}),
        "Europe and Japan",
    )
    customer_id = make_customer()
    place(customer_id, 10_00, currency="EUR")  # 10 euros at 1.5 points each
    place(customer_id, 12_345, currency="JPY")  # a point per 100 yen
    place(customer_id, 99_00, currency="CHF")  # francs earn nothing
    place(customer_id, 3_00)  # 3 dollars at the base rate
    account = assert_summary_is_ledger(customer_id)
    assert account.pending == 15 + 123 + 3
