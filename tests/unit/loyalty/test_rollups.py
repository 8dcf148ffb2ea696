"""The rollups the report and index read are kept by the triggers in every write: after random
sequences of earning, redeeming, expiry, cancellation, adjustment, tier changes and merges they
equal a rebuild from the ledger, the summary rows and the tier history."""

from __future__ import annotations

import contextlib
from datetime import timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from portal.compliance.erasure import erase
from portal.compliance.values import DataCategory
from portal.domain import DomainError
from portal.extensions import db
from portal.loyalty import jobs, queries, rollups, services
from portal.loyalty.demo import seed_demo_loyalty
from portal.loyalty.values import LoyaltyTier
from portal.models import utcnow
from portal.segmentation.models import CustomerOrder
from tests.unit.loyalty.ledger import cancel, place
from tests.unit.loyalty.test_merge import merge

WHO = st.integers(0, 1)
EARN = st.tuples(st.just("earn"), WHO, st.integers(0, 50_000), st.sampled_from([0, 40, 400]))
REDEEM = st.tuples(st.just("redeem"), WHO, st.integers(1, 800))
ADJUST = st.tuples(st.just("adjust"), WHO, st.integers(-300, 300).filter(bool))
CANCEL = st.tuples(st.just("cancel"), st.integers(0, 20))
EXPIRE = st.tuples(st.just("expire"), st.sampled_from([0, 400]))
STEPS = st.lists(
    st.one_of(
        EARN,
        REDEEM,
        ADJUST,
        CANCEL,
        EXPIRE,
        st.tuples(st.just("tiers")),
        st.tuples(st.just("ambassador"), WHO),
        st.tuples(st.just("merge")),
    ),
    min_size=1,
    max_size=12,
)


def stored() -> dict[str, set[tuple]]:
    """Every rollup's rows, leaving out counters at zero (a rebuild writes none)."""
    rows = {}
    for model in rollups.ROLLUPS:
        table = model.__table__
        counts = [c for c in table.columns if not c.primary_key]
        found = db.session.execute(select(table)).all()
        rows[table.name] = {
            tuple(row) for row in found if any(row._mapping[c.name] for c in counts)
        }
    return rows


def assert_rollups_are_rebuilt() -> None:
    kept = stored()
    rollups.rebuild()
    assert kept == stored()
    db.session.rollback()


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=STEPS)
def test_the_rollups_equal_a_rebuild(make_customer, staff, steps):
    customers = [make_customer(), make_customer()]
    orders: list[tuple[str, str]] = []
    for step in steps:
        match step:
            case ("earn", who, amount, days_ago):
                customer_id = customers[who]
                orders.append((customer_id, place(customer_id, amount, days_ago)))
            case ("redeem", who, points):
                with contextlib.suppress(DomainError):
                    services.redeem(staff, customers[who], points, "Voucher")
            case ("adjust", who, points):
                with contextlib.suppress(DomainError):
                    services.adjust(staff, customers[who], points, "Goodwill")
            case ("cancel", index):
                if orders:
                    cancel(*orders[index % len(orders)])
            case ("expire", days_ahead):
                jobs.expire_points(utcnow() + timedelta(days=days_ahead))
            case ("tiers",):
                jobs.recalculate_tiers(utcnow())
            case ("ambassador", who):
                with contextlib.suppress(DomainError):
                    services.grant_ambassador(staff, customers[who], "Food blogger")
            case ("merge",):
                merge(staff, *customers)
                customers[1] = make_customer()
        db.session.commit()
    assert_rollups_are_rebuilt()


def test_the_report_and_index_read_the_rollups(make_customer, staff):
    customer_id = make_customer()
    place(customer_id, 30_00, days_ago=40)
    jobs.expire_points()  # past the return window: available
    services.redeem(staff, customer_id, 10, "Voucher")
    services.grant_ambassador(staff, customer_id, "Food blogger")
    db.session.commit()
    glance = queries.glance()
    [ambassadors] = [t for t in glance.tiers if t.tier is LoyaltyTier.AMBASSADOR]
    assert (ambassadors.members, ambassadors.points) == (1, 20)
    report = queries.report()
    assert report.movements["redeemed"][-1] == 10
    assert report.tiers_by_month[LoyaltyTier.AMBASSADOR][-1] == 1
    assert sum(points for _, points in report.schedule) == 20
    assert_rollups_are_rebuilt()


def test_an_erasure_keeps_the_rollups(make_customer, staff):
    customer_id = make_customer()
    place(customer_id, 30_00, days_ago=40)
    services.adjust(staff, customer_id, 5, "Apology to Ada Lovelace")
    services.grant_ambassador(staff, customer_id, "Food blogger")
    db.session.commit()
    erase(customer_id, list(DataCategory), utcnow())
    db.session.commit()
    assert_rollups_are_rebuilt()


def test_the_demo_replay_keeps_the_rollups(make_customer):
    now = utcnow()
    for n, customer_id in enumerate([make_customer(), make_customer()]):
        for i, days_ago in enumerate((3, 100, 500)):
            placed = now - timedelta(days=days_ago, hours=n)
            db.session.add(
                CustomerOrder(
                    order_id=f"{customer_id}-{i}",
                    customer_id=customer_id,
                    amount_minor=40_00,
                    currency="USD",
                    placed_at=placed,
                )
            )
    db.session.commit()
    assert seed_demo_loyalty()
    assert_rollups_are_rebuilt()
