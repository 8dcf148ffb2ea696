"""Segmentation at scale: full recompute, 1% rerun, editor preview, and a naive loop.

`python -m bench.segmentation` on PostgreSQL ($BENCH_DATABASE_URL, default bench_seg). Loads
`--customers` demo customers unless that many exist (reused between runs), generates orders and
metrics in SQL when there are none, defines 8 segments with realistic rules (plus the two
fallbacks), clears earlier assignments, and prints:
  - the full recompute, first run (every customer gets a first assignment and history row);
  - a rerun after 1% of customers placed new orders (only they are written);
  - the editor preview (count, moves in/out, sample) for a nested rule;
  - the same recompute as a per-customer loop (one evaluation per customer) on a 10,000
    customer sample, extrapolated, and its ratio to the set-based run.
"""

from __future__ import annotations

import argparse
import os
import time

import sqlalchemy as sa

from portal import create_app
from portal.demo import seed_demo_customers
from portal.extensions import db
from portal.models import utcnow
from portal.security.models import User
from portal.segmentation.demo import BUSY_BIG, SEGMENTS, cond, group
from portal.segmentation.engine import evaluate
from portal.segmentation.models import Segment
from portal.segmentation.queries import preview
from portal.segmentation.rules import validate
from portal.segmentation.services import SegmentInput, recompute_all, save_segment

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/bench_seg"
TARGETS = {"full": 60.0, "rerun": 10.0, "preview": 2.0}


ORDERS_SQL = """
INSERT INTO customer_order (order_id, customer_id, amount_minor, currency, placed_at)
SELECT c.id || '-' || n, c.id, (1500 + random() * 60000)::bigint, 'USD',
       now() - (random() * 540) * interval '1 day'
FROM customer c, generate_series(1, (abs(hashtext(c.id)) % 9)) AS n
"""
METRICS_SQL = """
INSERT INTO customer_metrics (customer_id, order_count, order_total_minor, last_order_at,
  active_subscription, email_opens, email_clicks, campaign_conversions, review_count,
  support_ticket_count, payment_method_count, updated_at)
SELECT c.id, count(o.order_id), coalesce(sum(o.amount_minor), 0), max(o.placed_at),
  abs(hashtext(c.id || 's')) % 4 = 0, abs(hashtext(c.id || 'o')) % 20,
  abs(hashtext(c.id || 'c')) % 8, abs(hashtext(c.id || 'v')) % 3,
  abs(hashtext(c.id || 'r')) % 4, abs(hashtext(c.id || 't')) % 3, 1 + abs(hashtext(c.id)) % 2,
  now()
FROM customer c LEFT JOIN customer_order o ON o.customer_id = c.id
GROUP BY c.id
"""
# 1% of customers place two big orders today; their metrics follow, as the intake would do.
CHANGE_SQL = """
WITH picked AS (SELECT id FROM customer WHERE abs(hashtext(id || :salt)) % 100 = 0)
INSERT INTO customer_order (order_id, customer_id, amount_minor, currency, placed_at)
SELECT p.id || '-' || :salt || '-' || n, p.id, 150000, 'USD', now()
FROM picked p, generate_series(1, 2) AS n
"""
CHANGE_METRICS_SQL = """
UPDATE customer_metrics m SET order_count = m.order_count + 2,
  order_total_minor = m.order_total_minor + 300000, last_order_at = now()
WHERE abs(hashtext(m.customer_id || :salt)) % 100 = 0
"""


def timed(label: str, function, target: float | None = None):
    started = time.perf_counter()
    result = function()
    elapsed = time.perf_counter() - started
    verdict = "" if target is None else (" OK" if elapsed < target else f" OVER {target:.0f} s")
    print(f"{label:<58} {elapsed:8.2f} s{verdict}", flush=True)
    return result, elapsed


def prepare(customers: int, seed: int) -> None:
    count = db.session.scalar(sa.text("SELECT count(*) FROM customer"))
    if count < customers:
        timed(
            f"load {customers - count:,} demo customers",
            lambda: seed_demo_customers(customers - count, seed=seed + count),
        )
    if not db.session.scalar(sa.text("SELECT EXISTS (SELECT 1 FROM customer_order)")):
        timed("generate orders (SQL)", lambda: db.session.execute(sa.text(ORDERS_SQL)))
        timed("generate metrics (SQL)", lambda: db.session.execute(sa.text(METRICS_SQL)))
        db.session.commit()
    for table in (
        "segment_history",
        "customer_segment",
        "segment_change",
        "segment_rule_version",
        "segment",
        "segment_recompute_run",
    ):
        db.session.execute(sa.text(f"TRUNCATE {table} CASCADE"))
    db.session.execute(sa.text("DELETE FROM outbox_event WHERE type = 'CustomerSegmentChanged'"))
    db.session.commit()
    db.session.execute(sa.text("ANALYZE"))
    db.session.commit()


def bench_user() -> User:
    user = db.session.scalar(sa.select(User).where(User.email == "bench.marketing@efi.example"))
    if user is None:
        user = User(email="bench.marketing@efi.example", name="Bench Marketing")
        db.session.add(user)
        db.session.commit()
    return user


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--sample", type=int, default=10_000, help="0 skips the naive loop")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench"})
    with app.app_context():
        prepare(args.customers, args.seed)
        user = bench_user()
        for name, segment_type, rule in SEGMENTS:
            save_segment(user, None, SegmentInput(name, "", segment_type, rule))
        total = db.session.scalar(sa.text("SELECT count(*) FROM customer"))
        orders = db.session.scalar(sa.text("SELECT count(*) FROM customer_order"))
        print(f"{total:,} customers, {orders:,} orders, {len(SEGMENTS)} segments + 2 fallbacks")
        print("load average (1, 5, 15 min): {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
        run, full = timed(
            "full recompute, first run", lambda: recompute_all("bench"), TARGETS["full"]
        )
        print(f"  {run.changed:,} moves (first assignments are history rows, not moves)")
        salt = str(int(time.time()))
        db.session.execute(sa.text(CHANGE_SQL), {"salt": salt})
        db.session.execute(sa.text(CHANGE_METRICS_SQL), {"salt": salt})
        db.session.commit()
        run, _ = timed(
            "rerun after 1% of customers changed", lambda: recompute_all("bench"), TARGETS["rerun"]
        )
        print(f"  {run.changed:,} customers moved")
        busy = db.session.scalar(sa.select(Segment).where(Segment.name == SEGMENTS[0][0]))
        draft = Segment(
            id=busy.id,
            segment_type=busy.segment_type,
            priority=busy.priority,
            is_fallback=False,
            rule=validate(group("and", *BUSY_BIG["children"][:1], cond("order_count", "gte", "4"))),
        )
        result, _ = timed(
            "editor preview (count, moves in/out, sample)",
            lambda: preview(draft, user.id),
            TARGETS["preview"],
        )
        db.session.rollback()
        print(f"  {result.matching:,} match, {result.moving_in:,} in, {result.moving_out:,} out")
        if args.sample:
            naive(args.sample, total, full)
        print("load average (1, 5, 15 min): {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))


def naive(sample: int, total: int, full: float) -> None:
    """The recompute as a loop of one-customer evaluations over a sample, extrapolated."""
    ids = list(
        db.session.scalars(
            sa.text("SELECT id FROM customer TABLESAMPLE SYSTEM (2) LIMIT :n"), {"n": sample}
        )
    )
    db.session.execute(
        sa.text("DELETE FROM customer_segment WHERE customer_id = ANY(:ids)"), {"ids": ids}
    )
    db.session.commit()

    def loop():
        for customer_id in ids:
            evaluate([customer_id], actor_id="bench", now=utcnow())
        db.session.commit()

    _, looped = timed(f"naive per-customer loop, {len(ids):,} customers", loop)
    estimate = looped * total / len(ids)
    print(
        f"  extrapolated to {total:,}: {estimate:,.0f} s; set-based is "
        f"{estimate / full:,.0f}x faster"
    )


if __name__ == "__main__":
    main()
