"""The demo's order histories come from a buy-till-you-die process: fitting the models on them
finds the population they were drawn from again."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pytest

from portal.insights import clv
from portal.models import utcnow
from portal.segmentation import demo


@pytest.fixture(scope="module")
def made():
    rng = np.random.default_rng(11)
    age = rng.uniform(1, 6 * 365, 20_000)
    return age, demo.histories(rng, age)


def _per_customer(age, made):
    bought = np.flatnonzero(~np.isnan(made.first_order_day))
    count = np.bincount(made.customer, minlength=len(age))
    last = np.zeros(len(age))
    np.maximum.at(last, made.customer, made.day)
    spend = np.bincount(made.customer, weights=made.amount_minor, minlength=len(age))
    first = made.amount_minor[np.searchsorted(made.customer, bought)]
    frequency = count[bought] - 1
    with np.errstate(invalid="ignore"):
        repeat_mean = (spend[bought] - first) / frequency / 100
    return frequency, last[bought], (age - made.first_order_day)[bought], repeat_mean


def test_histories_are_ordered_and_end_before_now(made):
    age, made = made
    assert np.all(np.diff(made.customer) >= 0)
    same = np.diff(made.customer) == 0
    assert np.all(np.diff(made.day)[same] > 0)
    ends = (age - made.first_order_day)[made.customer]
    assert np.all((made.day >= 0) & (made.day <= ends))
    assert made.amount_minor.min() >= 1


def test_the_models_find_the_population_again(made):
    frequency, recency, age, repeat_mean = _per_customer(*made)
    population = demo.DEMO_POPULATION
    orders = clv.fit_bg_nbd(frequency, recency, age)
    for name in clv.BG_NBD_PARAMS:
        assert orders.params[name] == pytest.approx(getattr(population, name), rel=0.1), name
    spend = clv.fit_gamma_gamma(frequency, repeat_mean)
    # Gamma-Gamma's scale is in dollars; its shapes are harder to pin down than the mean.
    mean = spend.params["p"] * spend.params["v"] / (spend.params["q"] - 1)
    assert mean == pytest.approx(population.p * population.gamma / (population.q - 1), rel=0.05)
    assert spend.params["p"] == pytest.approx(population.p, rel=0.15)


def test_behaviour_rows_follow_the_histories():
    now = utcnow()
    customers = [(f"cust-{n:04d}", now - timedelta(days=30 + 7 * n)) for n in range(300)]
    orders, metrics = demo.behaviour(5, now, customers)
    assert (orders, metrics) == demo.behaviour(5, now, customers)  # reproducible
    by_customer = {}
    for order in orders:
        by_customer.setdefault(order["customer_id"], []).append(order)
    for (customer_id, signed_up), row in zip(customers, metrics, strict=True):
        mine = by_customer.get(customer_id, [])
        assert row["order_count"] == len(mine)
        assert row["order_total_minor"] == sum(o["amount_minor"] for o in mine)
        assert [o["order_id"] for o in mine] == [f"{customer_id}-{k}" for k in range(len(mine))]
        placed = [o["placed_at"] for o in mine]
        assert placed == sorted(placed)
        assert all(signed_up <= moment <= now for moment in placed)
        assert row["last_order_at"] == (placed[-1] if placed else None)
