"""Server time of the home page, next to /healthz (one request that runs one SQL statement).

`python -m bench.home_page [--requests N] [--roles sales,finance,...]` builds the portal on a
fresh SQLite file (the embedded default; $BENCH_HOME_DATABASE_URL to use another database, such
as a copy of the million-customer one), signs a user of each role in (sales by default), and
times N requests of each through the Flask test client. The ratio shows what the page's
permission checks, panels of what waits for that role, navigation and template add over the
cheapest request the portal answers.
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


def timings(client, path: str, count: int, clock=time.perf_counter) -> list[float]:
    """Milliseconds per request, sorted; `clock=time.thread_time` counts this thread's CPU."""
    client.get(path)  # warm up templates and the connection pool
    measured = []
    for _ in range(count):
        started = clock()
        response = client.get(path)
        measured.append((clock() - started) * 1000)
        if response.status_code != 200:
            raise RuntimeError(f"{path}: HTTP {response.status_code}")
    return sorted(measured)


def summary(values: list[float]) -> str:
    p95 = values[int(len(values) * 0.95) - 1]
    return f"p50 {statistics.median(values):6.2f} ms  p95 {p95:6.2f} ms"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--roles", default="sales", help="comma-separated staff roles")
    args = parser.parse_args(argv)
    roles = args.roles.split(",")
    with tempfile.TemporaryDirectory() as folder:
        url = os.environ.get("BENCH_HOME_DATABASE_URL", f"sqlite:///{folder}/bench.sqlite3")
        # $SECRET_KEY: the one a copied database's encrypted fields were written under
        secret = os.environ.get("SECRET_KEY", "bench")
        app = create_app({"SECRET_KEY": secret, "SQLALCHEMY_DATABASE_URI": url})
        with app.app_context():
            upgrade()
            clients = {role: signed_in_client(app, role) for role in roles}
            baseline = timings(clients[roles[0]], "/healthz", args.requests)
            homes = {role: timings(client, "/", args.requests) for role, client in clients.items()}
    print(f"home page, {args.requests} requests per role ({url.split(':')[0]})")
    print(f"  /healthz (baseline)  {summary(baseline)}")
    for role, home in homes.items():
        ratio = statistics.median(home) / statistics.median(baseline)
        print(f"  / as {role:<18}{summary(home)}  ratio p50 {ratio:.2f}")


if __name__ == "__main__":
    main()
