"""Server time of the home page, next to /healthz (one request that runs one SQL statement).

`python -m bench.home_page [--requests N]` builds the portal on a fresh SQLite file (the embedded
default; $BENCH_HOME_DATABASE_URL to use another database), signs a sales user in, and times N
requests of each through the Flask test client. The ratio shows what the page's permission
checks, navigation and template add over the cheapest request the portal answers.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time

from flask_migrate import upgrade

from bench.customer_search import signed_in_client
from portal import create_app


def timings(client, path: str, count: int) -> list[float]:
    client.get(path)  # warm up templates and the connection pool
    measured = []
    for _ in range(count):
        started = time.perf_counter()
        response = client.get(path)
        measured.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            raise RuntimeError(f"{path}: HTTP {response.status_code}")
    return sorted(measured)


def summary(values: list[float]) -> str:
    p95 = values[int(len(values) * 0.95) - 1]
    return f"p50 {statistics.median(values):6.2f} ms  p95 {p95:6.2f} ms"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=500)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        url = os.environ.get("BENCH_HOME_DATABASE_URL", f"sqlite:///{folder}/bench.sqlite3")
        app = create_app({"SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": url})
        with app.app_context():
            upgrade()
            client = signed_in_client(app)
            baseline = timings(client, "/healthz", args.requests)
            home = timings(client, "/", args.requests)
    print(f"home page, {args.requests} requests as a sales user ({url.split(':')[0]})")
    print(f"  /healthz (baseline) {summary(baseline)}")
    print(f"  / (home page)       {summary(home)}")
    print(f"  ratio p50 {statistics.median(home) / statistics.median(baseline):.2f}")


if __name__ == "__main__":
    main()
