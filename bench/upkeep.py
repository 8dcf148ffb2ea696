"""What keeping the dashboards' rollups adds to the two write paths issue #20 bounds (< 10 %):
OrderPlaced intake and registration, each measured with the upkeep on and off in one process.

`python -m bench.upkeep` on $BENCH_UPKEEP_URL (default bench_upkeep, migrated to head; seeded
with `--customers` demo customers when empty) with the SECRET_KEY its encrypted fields were
written with ($BENCH_SECRET_KEY, default "x"). Rebuilds the rollups, then alternates rounds
with the upkeep off (the customers_changed listeners of the completeness and acquisition
rollups unhooked, the segment_history triggers disabled: bench.dashboards.without_rollups)
and on, and prints both rates and their ratio. The nightly snapshots (segment sizes,
performance, completeness and new customers per segment) run once a night, off these paths.
"""

from __future__ import annotations

import argparse
import time

import sqlalchemy as sa
from flask_migrate import upgrade

from bench.dashboards import (
    administrator,
    bench_app,
    intake,
    registrations,
    registrations_http,
    signed_in,
    upkeep,
)
from portal.dashboards.rollups import rebuild_all
from portal.demo import seed_demo_customers
from portal.extensions import db

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/bench_upkeep"
TARGET = 1.10  # the rate without upkeep over the rate with it


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=100_000, help="seeded when empty")
    parser.add_argument("--registrations", type=int, default=200)
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args(argv)
    app = bench_app("BENCH_UPKEEP_URL", DEFAULT_URL)
    with app.app_context():
        upgrade()
        seed_demo_customers(args.customers, seed=7, if_empty=True)
        customers = db.session.scalar(sa.text("SELECT count(*) FROM customer"))
        print(f"rollup upkeep, PostgreSQL {db.engine.url.database}, {customers:,} customers")
        started = time.perf_counter()
        rebuild_all()
        print(f"  rebuild of the rollups first: {time.perf_counter() - started:.1f} s")
        user = administrator()
        client = signed_in(app, user)
        ratios = [
            upkeep(
                "registrations/s (service)",
                lambda: registrations(user, args.registrations),
                rounds=args.rounds,
            ),
            upkeep(
                "registrations/s (form post)",
                lambda: registrations_http(client, args.registrations),
                rounds=args.rounds,
            ),
            upkeep("intake OrderPlaced/s", lambda: intake(app, args.events, user), args.rounds),
        ]
        verdict = "met" if max(ratios) < TARGET else "NOT met"
        print(f"  target: without / with < {TARGET:.2f} on both paths: {verdict}")
        db.session.remove()
        db.engine.dispose()


if __name__ == "__main__":
    main()
