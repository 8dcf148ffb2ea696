"""The demo replay earns what the intake would: points per unit of each currency, the segment's
and the campaigns' multipliers, exactly as rules.order_points; batches past their return window
available, past their expiry expired; every summary equal to its ledger."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from sqlalchemy import select

from portal.extensions import db
from portal.loyalty import rules, services
from portal.loyalty.demo import seed_demo_loyalty
from portal.loyalty.models import LoyaltyEntry
from portal.loyalty.values import Campaign, EntryKind, LoyaltyTier, Programme
from portal.models import utcnow
from portal.segmentation.models import CustomerOrder, CustomerSegment
from tests.unit.loyalty.ledger import assert_summary_is_ledger

ORDERS = [  # amount, currency, days ago, cancelled
    (45_99, "USD", 0, False),
    (120_00, "EUR", 40, False),
    (98_765, "JPY", 10, False),
    (300_00, "CHF", 40, False),  # CHF earns nothing
    (77_77, "usd", 500, False),  # expired
    (50_00, "USD", 40, True),  # cancelled: earns nothing
    (33_33, "BHD", 5, False),
]


def test_replay_follows_the_programme(make_customer, staff):
    customers = [make_customer(), make_customer()]
    segment = db.session.scalar(
        select(CustomerSegment.segment_id).where(CustomerSegment.customer_id == customers[0])
    )
    today = utcnow().date()
    services.save_programme(
        staff,
        Programme(
            points_per_unit=2,
            currency_points={"EUR": Decimal("1.1"), "JPY": Decimal("0.01"), "BHD": Decimal("3")},
            segment_percent={segment: 150} if segment else {},
            campaigns=(Campaign("Week", today - timedelta(days=7), today, 300),),
        ),
        "demo test",
    )
    now = utcnow()
    for n, customer_id in enumerate(customers):
        for i, (amount, currency, days_ago, cancelled) in enumerate(ORDERS):
            placed = now - timedelta(days=days_ago, hours=n)
            db.session.add(
                CustomerOrder(
                    order_id=f"{customer_id}-{i}",
                    customer_id=customer_id,
                    amount_minor=amount,
                    currency=currency,
                    placed_at=placed,
                    cancelled_at=placed if cancelled else None,
                )
            )
    db.session.commit()
    assert seed_demo_loyalty()
    settings = services.programme()
    earned = {}
    for n, customer_id in enumerate(customers):
        segment_of = db.session.scalar(
            select(CustomerSegment.segment_id).where(CustomerSegment.customer_id == customer_id)
        )
        for i, (amount, currency, days_ago, cancelled) in enumerate(ORDERS):
            placed = now - timedelta(days=days_ago, hours=n)
            expected = rules.order_points(
                settings, amount, currency, placed, LoyaltyTier.STANDARD, segment_of
            )
            if expected and not cancelled:
                earned[f"{customer_id}-{i}"] = expected
        assert_summary_is_ledger(customer_id)
    rows = db.session.execute(
        select(LoyaltyEntry.order_id, LoyaltyEntry.points).where(
            LoyaltyEntry.kind == EntryKind.EARN
        )
    ).all()
    assert dict(rows) == earned
    assert len(set(earned.values())) > 3  # the rates and multipliers differ
    expired = db.session.scalars(
        select(LoyaltyEntry.points).where(LoyaltyEntry.kind == EntryKind.EXPIRE)
    ).all()
    assert sorted(expired) == sorted(-earned[f"{c}-4"] for c in customers)
    assert not seed_demo_loyalty()  # once
