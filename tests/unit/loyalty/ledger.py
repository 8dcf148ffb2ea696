"""What the loyalty tests share: orders taken in through the intake, and the check that an
account's summary row is what its ledger adds up to."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from portal.events import intake
from portal.extensions import db
from portal.loyalty.models import LoyaltyAccount, LoyaltyEntry
from portal.models import utcnow
from tests.unit.events.messages import message


def place(
    customer_id: str, amount_minor: int, days_ago: int = 0, order_id=None, currency="USD"
) -> str:
    """An OrderPlaced through the intake, placed `days_ago`; its order id."""
    placed = (utcnow() - timedelta(days=days_ago)).isoformat()
    event = message(
        "OrderPlaced", customer_id, amountMinor=amount_minor, placedAt=placed, currency=currency
    )
    if order_id:
        event["payload"]["orderId"] = order_id
    intake.consume(event, "test")
    db.session.commit()
    return event["payload"]["orderId"]


def cancel(customer_id: str, order_id: str) -> None:
    event = message(
        "OrderCancelled", customer_id, orderId=order_id, cancelledAt=utcnow().isoformat()
    )
    intake.consume(event, "test")
    db.session.commit()


def assert_summary_is_ledger(customer_id: str) -> LoyaltyAccount | None:
    db.session.expire_all()
    account = db.session.get(LoyaltyAccount, customer_id)
    e = LoyaltyEntry
    mine = e.customer_id == customer_id
    if account is None:  # not enrolled: nothing earned yet
        assert db.session.scalar(select(func.count()).where(mine)) == 0
        return None

    def total(column, *where):
        return db.session.scalar(select(func.coalesce(func.sum(column), 0)).where(mine, *where))

    assert account.balance == total(e.remaining, e.pending.is_(False))
    assert account.pending == total(e.remaining, e.pending.is_(True))
    assert total(e.points) == account.balance + account.pending - account.debt
    assert account.tier_points == total(e.qualifying_points, e.at >= account.qualifying_since)
    assert account.balance >= 0
    assert account.pending >= 0
    assert account.debt >= 0
    assert account.debt == 0 or account.balance == 0
    assert db.session.scalar(select(func.count()).where(mine, e.remaining < 0)) == 0
    assert (
        db.session.scalar(select(func.count()).where(mine, e.remaining > 0, e.remaining > e.points))
        == 0
    )
    return account


def entries_count() -> int:
    return db.session.scalar(select(func.count()).select_from(LoyaltyEntry))
