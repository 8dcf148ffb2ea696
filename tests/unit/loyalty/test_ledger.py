"""The ledger invariant under random sequences of earning, redeeming, expiry, cancellation and
adjustment: the summary always equals the ledger and nothing goes negative."""

from __future__ import annotations

import contextlib

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from portal.domain import DomainError
from portal.loyalty import jobs, services
from portal.models import utcnow
from tests.unit.loyalty.ledger import assert_summary_is_ledger, cancel, place

EARN = st.tuples(st.just("earn"), st.integers(0, 50_000), st.sampled_from([0, 40, 200, 420, 800]))
REDEEM = st.tuples(st.just("redeem"), st.integers(1, 800))
ADJUST = st.tuples(st.just("adjust"), st.integers(-300, 300).filter(bool))
CANCEL = st.tuples(st.just("cancel"), st.integers(0, 20))
EXPIRE = st.tuples(st.just("expire"))
STEPS = st.lists(st.one_of(EARN, REDEEM, ADJUST, CANCEL, EXPIRE), min_size=1, max_size=12)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=STEPS)
def test_summary_equals_ledger_and_never_negative(make_customer, staff, steps):
    customer_id = make_customer()
    orders: list[str] = []
    for step in steps:
        match step:
            case ("earn", amount, days_ago):
                orders.append(place(customer_id, amount, days_ago))
            case ("redeem", points):
                # more than is available: refused, nothing written
                with contextlib.suppress(DomainError):
                    services.redeem(staff, customer_id, points, "Voucher")
            case ("adjust", points):
                with contextlib.suppress(DomainError):
                    services.adjust(staff, customer_id, points, "Goodwill")
            case ("cancel", index):
                if orders:
                    cancel(customer_id, orders[index % len(orders)])
            case ("expire",):
                jobs.expire_points(utcnow())
        assert_summary_is_ledger(customer_id)
