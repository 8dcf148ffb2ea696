"""Demo order lines and the recommendations made from them, at the size of the demo database.

`python -m bench.order_lines` on a PostgreSQL database that holds customers and their orders
($BENCH_DATABASE_URL, default bench_recommend: a copy of the 1M-customer demo's customer,
customer_order, customer_segment, segment and customer_preference tables, migrated to head;
$SECRET_KEY the demo's, default x).
Prints, each with its ratio to the baseline measured first in the same process (one pass over
the orders: every order copied into a temporary table):
  - the demo lines step (one INSERT ... SELECT, index built after);
  - the recommendations (the grouped read of every customer's products, the rules per segment,
    the suggestions in chunks, the rows stored by COPY), with the process's peak memory.
Nothing is committed: the lines and recommendations are rolled back at the end.
"""

from __future__ import annotations

import argparse
import os
import resource
import time

import sqlalchemy as sa

from portal import create_app
from portal.extensions import db
from portal.insights.demo import seed_demo_order_lines
from portal.insights.recommendations import store_recommendations
from portal.models import utcnow

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/bench_recommend"


def _timed(label: str, work, baseline: float | None = None) -> tuple[float, object]:
    wall, cpu = time.perf_counter(), time.process_time()
    result = work()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    ratio = f"  {wall / baseline:5.1f}x the baseline" if baseline else ""
    print(f"{label:<52} {wall:7.1f} s wall, {cpu:6.1f} s CPU here{ratio}")
    return wall, result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.parse_args(argv)
    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "LOG_LEVEL": "WARNING"}
    )
    with app.app_context():
        connection = db.session.connection()
        customers, orders = connection.execute(
            sa.text("SELECT (SELECT count(*) FROM customer), (SELECT count(*) FROM customer_order)")
        ).one()
        print(f"{customers:,} customers, {orders:,} orders, PostgreSQL {db.engine.url.database}")
        baseline, _ = _timed(
            "baseline: the orders copied once",
            lambda: connection.execute(
                sa.text("CREATE TEMP TABLE bench_orders AS SELECT * FROM customer_order")
            ),
        )
        _wall, lines = _timed(
            "demo lines (INSERT ... SELECT, index after)",
            lambda: seed_demo_order_lines(connection),
            baseline,
        )
        print(f"{'':<52} {lines:,} lines")
        _wall, recommended = _timed(
            "recommendations (read, rules, suggestions, COPY)",
            lambda: store_recommendations(connection, utcnow()),
            baseline,
        )
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"{'':<52} {recommended:,} customers recommended; peak memory {peak:,.0f} MB")
        db.session.rollback()


if __name__ == "__main__":
    main()
