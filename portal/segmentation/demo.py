"""Demo segmentation: behaviour for the generated customers, eight segments with realistic
rules, and a first recompute. Run once: nothing happens when segments are already defined."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial

import numpy as np
from sqlalchemy import Connection, select

from portal.bulk import CopyText, bulk_insert, copy_text
from portal.customers import demo as customer_demo
from portal.customers.models import Customer
from portal.events.outbox import SYSTEM
from portal.extensions import db
from portal.models import utcnow
from portal.security.models import User
from portal.segmentation.models import CustomerMetrics, CustomerOrder, Segment, SegmentType
from portal.segmentation.services import SegmentInput, recompute_all, save_segment

BATCH = 2_000
DAY = timedelta(days=1)


def cond(field: str, operator: str, value=None, **extra) -> dict:
    return {"kind": "condition", "field": field, "operator": operator, "value": value, **extra}


def group(op: str, *children) -> dict:
    return {"kind": "group", "op": op, "children": list(children)}


BUSY_BIG = group(
    "and",
    cond("seating_capacity", "gte", "80"),
    group(
        "or",
        cond("orders_in_window", "gte", "3", days="90"),
        cond("spend_in_window", "gte", "2,000.00", days="90"),
    ),
)
SEGMENTS = [
    ("Busy big restaurants", SegmentType.B2B, BUSY_BIG),
    (
        "Hotel accounts",
        SegmentType.B2B,
        group(
            "and",
            cond("customer_type", "in", ["HOTEL_RESTAURANT"]),
            cond("star_rating", "gte", "4"),
        ),
    ),
    (
        "Lapsed businesses",
        SegmentType.B2B,
        group("and", cond("last_order_at", "more_than_ago", "6", unit="months")),
    ),
    (
        "Growing trucks and chefs",
        SegmentType.B2B,
        group(
            "and",
            cond("customer_type", "in", ["FOOD_TRUCK", "PRIVATE_CHEF"]),
            cond("orders_in_window", "gte", "2", days="30"),
        ),
    ),
    (
        "VIP households",
        SegmentType.B2C,
        group(
            "or",
            cond("lifetime_spend", "gte", "1,500.00"),
            group(
                "and",
                cond("active_subscription", "is_true"),
                cond("order_count", "gte", "5"),
            ),
        ),
    ),
    (
        "Engaged subscribers",
        SegmentType.B2C,
        group(
            "and",
            cond("active_subscription", "is_true"),
            cond("email_clicks", "gte", "3"),
        ),
    ),
    (
        "New customers",
        SegmentType.B2C,
        group("and", cond("created_at", "within_last", "90", unit="days")),
    ),
    (
        "Dormant consumers",
        SegmentType.B2C,
        group(
            "or",
            cond("last_order_at", "more_than_ago", "12", unit="months"),
            cond("status", "in", ["INACTIVE", "SUSPENDED"]),
        ),
    ),
]


def seed_behaviour(connection: Connection, *, seed: int) -> int:
    """Orders and metrics for every customer that has no metrics yet (COPY on PostgreSQL)."""
    now = utcnow()
    have = select(CustomerMetrics.customer_id)
    # In key order: each order's key and customer index entry then go to the end of the index.
    customers = connection.execute(
        select(Customer.id, Customer.created_at)
        .where(Customer.id.not_in(have))
        .order_by(Customer.id)
    ).all()
    chunks = [
        [tuple(row) for row in customers[start : start + BATCH]]
        for start in range(0, len(customers), BATCH)
    ]
    bulk = connection.dialect.name == "postgresql" and len(customers) >= customer_demo.BULK
    make = partial(_helper_behaviour if bulk else behaviour, seed, now)
    made = customer_demo.made_ahead(make, chunks, workers=2) if bulk else map(make, chunks)
    tables = (CustomerOrder.__table__, CustomerMetrics.__table__)
    with customer_demo.indexes_built_after(connection, tables, bulk):
        for orders, metrics in made:
            bulk_insert(connection, CustomerOrder.__table__, orders)
            bulk_insert(connection, CustomerMetrics.__table__, metrics)
    return len(customers)


def _helper_behaviour(
    seed: int, now: datetime, customers: list[tuple[str, datetime]]
) -> tuple[CopyText, CopyText]:
    # As COPY text, for the reason given at portal.customers.demo._helper_batch.
    orders, metrics = behaviour(seed, now, customers)
    return (
        copy_text(CustomerOrder.__table__, orders),
        copy_text(CustomerMetrics.__table__, metrics),
    )


@dataclass(frozen=True)
class BuyTillYouDie:
    """The population the demo's order histories are drawn from (days, US dollars): BG/NBD
    (Fader, Hardie & Lee 2005) for when customers order and stop, Gamma-Gamma (Fader & Hardie
    2013) for how much. Each customer's order rate is Gamma(r, alpha); after each order they
    stop for good with their own probability, Beta(a, b); their orders' amounts are Gamma(p,
    nu) with nu Gamma(q, gamma). A refresh fitted on the demo finds these numbers again."""

    r: float = 0.5
    alpha: float = 55.0  # a mean rate of one order every 110 days; about 4 orders per customer
    a: float = 0.9
    b: float = 3.0
    p: float = 6.0
    q: float = 4.0
    gamma: float = 60.0  # mean order: p * gamma / (q - 1) = 120 dollars
    first_order_days: float = 20.0  # mean wait from sign-up to the first order
    never_order: float = 0.06  # signed up and never ordered


DEMO_POPULATION = BuyTillYouDie()


@dataclass(frozen=True)
class Histories:
    """Generated orders as parallel arrays: whose (index into the customers), how many days
    after each customer's first order, the amount in cents."""

    customer: np.ndarray
    day: np.ndarray
    amount_minor: np.ndarray
    first_order_day: np.ndarray  # days after sign-up; NaN for customers without orders


def histories(
    rng: np.random.Generator, age_days: np.ndarray, population: BuyTillYouDie = DEMO_POPULATION
) -> Histories:
    """Order histories of customers signed up `age_days` ago, drawn from `population`.

    Vectorised: repeat orders happen at the Poisson rate until the customer's geometric number
    K of repeat orders is reached (BG/NBD's dropout follows a repeat order, never the first),
    so of the N ~ Poisson(rate * T) arrivals in the T days since the first order they make
    the first min(N, K); those are the first order statistics of N
    uniforms on [0, T], drawn as exponential spacings scaled by the sum of all N + 1 of them."""
    n, pop = len(age_days), population
    first = rng.exponential(pop.first_order_days, n)
    buys = (first < age_days) & (rng.random(n) >= pop.never_order)
    span = np.where(buys, age_days - first, 0.0)
    rate = rng.gamma(pop.r, 1 / pop.alpha, n)
    stops = rng.geometric(rng.beta(pop.a, pop.b, n))  # repeat orders made before stopping
    arrivals = rng.poisson(rate * span)
    repeats = np.where(buys, np.minimum(stops, arrivals), 0)
    whose_repeat = np.repeat(np.arange(n), repeats)
    spacings = rng.exponential(1.0, len(whose_repeat))
    sums = np.concatenate(([0.0], np.cumsum(spacings)))
    ends = np.cumsum(repeats)
    before = sums[ends - repeats]  # each customer's spacings are sums[before:end] - before
    within = sums[1:] - np.repeat(before, repeats)
    # The N + 1 - repeats spacings after theirs, summed: one gamma draw.
    scale = span / (sums[ends] - before + rng.gamma(arrivals + 1 - repeats))
    buyers = np.flatnonzero(buys)
    customer = np.concatenate((buyers, whose_repeat))
    day = np.concatenate((np.zeros(len(buyers)), within * scale[whose_repeat]))
    order = np.lexsort((day, customer))
    customer, day = customer[order], day[order]
    spend_rate = rng.gamma(pop.q, 1 / pop.gamma, n)
    amount = rng.gamma(pop.p, 1 / spend_rate[customer])
    return Histories(
        customer=customer,
        day=day,
        amount_minor=np.maximum(np.rint(amount * 100), 1).astype(np.int64),
        first_order_day=np.where(buys, first, np.nan),
    )


def behaviour(
    seed: int, now: datetime, customers: list[tuple[str, datetime]]
) -> tuple[list[dict], list[dict]]:
    """Orders and metrics rows of these customers (id, signed up at), from the seed and the
    ids alone: their order histories drawn from the demo population."""
    ids = [customer_id for customer_id, _ in customers]
    rng = np.random.default_rng(random.Random(f"{seed}:{ids[0]}").getrandbits(64))  # noqa: S311
    signed_up = np.array([(now - created) / DAY for _, created in customers])
    made = histories(rng, signed_up)
    ago = signed_up[made.customer] - made.first_order_day[made.customer] - made.day
    placed = [now - timedelta(days=days) for days in ago.tolist()]
    amounts = made.amount_minor.tolist()
    whose = made.customer.tolist()
    starts = np.searchsorted(made.customer, np.arange(len(ids) + 1)).tolist()
    orders = [
        {
            "order_id": f"{ids[i]}-{k - starts[i]}",
            "customer_id": ids[i],
            "amount_minor": amounts[k],
            "currency": "USD",
            "placed_at": placed[k],
        }
        for k, i in enumerate(whose)
    ]
    totals = np.bincount(made.customer, weights=made.amount_minor, minlength=len(ids))
    subscribed = (rng.random(len(ids)) < 0.25).tolist()
    counts = rng.integers((0, 0, 0, 0, 0, 1), (21, 9, 3, 4, 3, 3), size=(len(ids), 6)).tolist()
    metrics = [
        {
            "customer_id": customer_id,
            "order_count": starts[i + 1] - starts[i],
            "order_total_minor": int(totals[i]),
            "last_order_at": placed[starts[i + 1] - 1] if starts[i + 1] > starts[i] else None,
            "active_subscription": subscribed[i],
            "email_opens": counts[i][0],
            "email_clicks": counts[i][1],
            "campaign_conversions": counts[i][2],
            "review_count": counts[i][3],
            "support_ticket_count": counts[i][4],
            "payment_method_count": counts[i][5],
            "updated_at": now,
        }
        for i, customer_id in enumerate(ids)
    ]
    return orders, metrics


def seed_demo_segments(*, seed: int) -> bool:
    """Behaviour, the demo segments and a first recompute; False if segments already exist."""
    if db.session.scalar(select(Segment.id).where(Segment.is_fallback.is_(False)).limit(1)):
        return False
    db.session.close()
    with db.engine.begin() as connection:
        seed_behaviour(connection, seed=seed)
    author = db.session.scalar(select(User).where(User.email.like("marketing@%")))
    if author is None:  # segments are saved by someone: the demo marketing account
        return False
    for name, segment_type, rule in SEGMENTS:
        save_segment(author, None, SegmentInput(name, "", segment_type, rule))
    recompute_all(SYSTEM)
    return True
