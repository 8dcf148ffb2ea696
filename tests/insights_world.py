"""Customers with order histories for the insight tests: a buy-till-you-die cohort (so the
models have something to learn) and the awkward cases the refresh must survive."""

from __future__ import annotations

from datetime import timedelta

import numpy as np

from portal.customers.services import register_customer
from portal.customers.values import ContactInfo
from portal.extensions import db
from portal.insights.models import CustomerInsight, InsightModelRun
from portal.insights.values import ChurnBand, LifecycleStage
from portal.models import new_uuid, utcnow
from portal.segmentation.models import CustomerOrder, CustomerOrderLine
from tests.factories import new_customer


def customer(staff, name: str) -> str:
    email = name.lower().replace(" ", ".") + "@example.org"
    return register_customer(staff, new_customer(name=name, contact=ContactInfo(email=email))).id


def orders(customer_id: str, *placed: tuple[int, int], currency: str = "USD", **extra) -> None:
    """Orders (days ago, amount in cents); negative days ago are in the future."""
    now = utcnow()
    db.session.add_all(
        CustomerOrder(
            order_id=new_uuid(),
            customer_id=customer_id,
            amount_minor=amount,
            currency=currency,
            placed_at=now - timedelta(days=days_ago),
            **extra,
        )
        for days_ago, amount in placed
    )
    db.session.commit()


def bought(customer_id: str, *products: tuple[str, str], days_ago: int = 10) -> str:
    """An order with a line of each (product id, category), 500 cents each; its id."""
    placed_at = utcnow() - timedelta(days=days_ago)
    order = CustomerOrder(
        order_id=new_uuid(),
        customer_id=customer_id,
        amount_minor=500 * len(products),
        currency="USD",
        placed_at=placed_at,
    )
    db.session.add(order)
    db.session.flush()
    db.session.add_all(
        CustomerOrderLine(
            order_id=order.order_id,
            line_no=n,
            customer_id=customer_id,
            product_id=product,
            category=category,
            quantity=1,
            amount_minor=500,
            placed_at=placed_at,
        )
        for n, (product, category) in enumerate(products, 1)
    )
    db.session.commit()
    return order.order_id


def cohort(staff, size: int = 60, seed: int = 7) -> list[str]:
    """Customers who order at a Poisson rate until they drop out (geometric after each order),
    with gamma-distributed spend, over the last two years."""
    rng = np.random.default_rng(seed)
    ids = []
    for n in range(size):
        cid = customer(staff, f"Cohort Customer {n}")
        ids.append(cid)
        rate, drop, scale = rng.gamma(2, 1 / 60), rng.beta(1, 4), rng.gamma(4, 1000)
        day, history = float(rng.uniform(60, 720)), []
        while day > 0:
            history.append((int(day), int(rng.gamma(3, scale / 3)) + 100))
            if rng.random() < drop:
                break
            day -= rng.exponential(1 / rate)
        orders(cid, *history)
    return ids


def scores(customer_id: str, *, run_id: int, **overrides) -> CustomerInsight:
    """A stored score row, as a refresh would leave it (page tests need no fit)."""
    now = utcnow()
    fields = {
        "customer_id": customer_id,
        "currency": "USD",
        "other_currencies": 0,
        "order_days": 5,
        "first_order_at": now - timedelta(days=300),
        "last_order_at": now - timedelta(days=94),
        "cadence_days": 21.0,
        "average_order_minor": 4200,
        "expected_spend_minor": 4000,
        "clv_minor": 125_000,
        "expected_orders_90d": 0.4,
        "p_alive": 0.2,
        "churn_band": ChurnBand.HIGH,
        "explanation": "Usually orders every 21 days; last order 94 days ago",
        "stage": LifecycleStage.AT_RISK,
        "stage_since": now - timedelta(days=3),
        "model_run_id": run_id,
        "scored_at": now - timedelta(hours=5),
    }
    row = CustomerInsight(**(fields | overrides))
    db.session.add(row)
    db.session.commit()
    return row


def good_run() -> InsightModelRun:
    run = InsightModelRun(
        converged=True,
        params={"bg_nbd": {"r": 0.24, "alpha": 4.4, "a": 0.79, "b": 2.4}},
        message="",
        customers_scored=1,
        finished_at=utcnow(),
    )
    db.session.add(run)
    db.session.commit()
    return run
