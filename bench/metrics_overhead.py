"""What the request metrics cost: the home page with and without them, in one process.

`python -m bench.metrics_overhead [--requests N] [--rounds R]` builds the portal twice on one
fresh SQLite file (the embedded default; $BENCH_HOME_DATABASE_URL for another database), once
with METRICS_ENABLED=0, signs a sales user in to each and times the home page in alternating
rounds (so drift on a busy machine hits both alike). Each request is timed in CPU time of
this thread (the test client serves it in the same thread), which other processes on a busy
machine disturb far less than wall time. Target: < 5 % added at p50.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time

from flask_migrate import upgrade

from bench.customer_search import signed_in_client
from bench.home_page import summary, timings
from portal import create_app

TARGET = 0.05


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        url = os.environ.get("BENCH_HOME_DATABASE_URL", f"sqlite:///{folder}/bench.sqlite3")
        apps = {
            enabled: create_app(
                {"SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": url, "METRICS_ENABLED": enabled}
            )
            for enabled in (False, True)
        }
        with apps[False].app_context():
            upgrade()
        clients = {}
        for enabled, app in apps.items():
            with app.app_context():
                clients[enabled] = signed_in_client(app)
        measured: dict[bool, list[float]] = {False: [], True: []}
        for _ in range(args.rounds):
            for enabled, app in apps.items():
                with app.app_context():
                    measured[enabled] += timings(
                        clients[enabled], "/", args.requests, time.thread_time
                    )
    off, on = sorted(measured[False]), sorted(measured[True])
    added = statistics.median(on) / statistics.median(off) - 1
    print(f"home page, {len(on)} requests each, alternating rounds ({url.split(':')[0]})")
    print(f"  metrics off  {summary(off)}  (CPU)")
    print(f"  metrics on   {summary(on)}  (CPU)")
    verdict = "met" if added < TARGET else "MISSED"
    print(f"  added at p50 {added:+.1%} (target < {TARGET:.0%}: {verdict})")


if __name__ == "__main__":
    main()
