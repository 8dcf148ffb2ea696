"""Loyalty at 1M customers: the demo replay of the orders into the ledger, the monthly tier
recalculation, the daily expiry run, the Loyalty tab's queries (p95) and the intake of
OrderPlaced with earning on.

`python -m bench.loyalty` on a copy of bench_1m migrated to head ($BENCH_DATABASE_URL, default
bench_loyalty; never bench_1m itself: it writes). Targets (issue #17): recalculation < 60 s,
expiry < 60 s, tab p95 < 50 ms, intake ≥ 1,000 OrderPlaced/s. The expiry run is measured last,
a year and a half ahead, so that most batches expire in it.
"""

from __future__ import annotations

import os
import random
import statistics
import time
from datetime import timedelta

import sqlalchemy as sa

from bench.events import bench_intake_http
from portal import create_app
from portal.extensions import db
from portal.loyalty import jobs, queries
from portal.loyalty.demo import seed_demo_loyalty
from portal.models import utcnow
from portal.security.models import User

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/bench_loyalty"
TAB_SAMPLES = 300
INTAKE_EVENTS = 10_000


def _timed(label: str, run, target: float | None = None):
    started = time.perf_counter()
    result = run()
    seconds = time.perf_counter() - started
    goal = (
        f"  (target < {target:.0f} s: {'met' if seconds < target else 'MISSED'})" if target else ""
    )
    print(f"{label:<44} {seconds:8.1f} s  {result}{goal}")
    return result


def _tab(customer_id: str) -> None:
    queries.account_view(customer_id)
    queries.ledger(customer_id, queries.LedgerFilter())
    queries.tier_history(customer_id)


def main() -> None:
    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
    assert not url.endswith("/bench_1m"), "copy bench_1m first: this benchmark writes"
    # The SECRET_KEY bench_1m's encrypted fields were written with ($BENCH_SECRET_KEY).
    secret = os.environ.get("BENCH_SECRET_KEY", "x")
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": secret, "LOG_LEVEL": "WARNING"})
    with app.app_context():

        def count(table: str) -> int:
            return db.session.scalar(sa.select(sa.func.count()).select_from(sa.table(table)))

        print(f"PostgreSQL {db.engine.url.database}: {count('customer'):,} customers")
        _timed("seed-demo: enrol and replay the orders", seed_demo_loyalty)
        print(f"  {count('loyalty_account'):,} accounts, {count('loyalty_entry'):,} ledger rows")
        _timed("recalculate-tiers (monthly)", jobs.recalculate_tiers, 60)
        ids = list(
            db.session.scalars(
                sa.text("SELECT customer_id FROM loyalty_account TABLESAMPLE SYSTEM (1) LIMIT 1000")
            )
        )
        samples = []
        for customer_id in random.sample(ids, min(TAB_SAMPLES, len(ids))):
            started = time.perf_counter()
            _tab(customer_id)
            samples.append((time.perf_counter() - started) * 1000)
            db.session.rollback()
        p95 = statistics.quantiles(samples, n=20)[-1]
        verdict = "met" if p95 < 50 else "MISSED"
        print(f"{'Loyalty tab queries p95':<44} {p95:8.1f} ms  (target < 50 ms: {verdict})")
        admin = db.session.scalar(sa.select(User).limit(1))
        bench_intake_http(app, INTAKE_EVENTS, ids, admin)
        later = utcnow() + timedelta(days=540)
        _timed("expire-points (daily), 18 months ahead", lambda: jobs.expire_points(later), 60)
        db.session.remove()
        db.engine.dispose()


if __name__ == "__main__":
    main()
