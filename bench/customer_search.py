"""Customer directory search at scale: the list endpoint against the bare query it runs.

`python -m bench.customer_search [--customers N]` on PostgreSQL ($BENCH_DATABASE_URL, created if
missing). Loads N demo customers unless exactly N are there already, runs ANALYZE, then sends
200 representative list requests (name fragments, e-mail and phone pieces, ids, filters, sorts,
later pages) through the Flask test client, signed in, once to warm up and once measured. Each
is timed as a request (server work: view, form, audit entry, template) and as the bare query
function it calls; the ratio shows what the page adds over the SQL.
"""

from __future__ import annotations

import argparse
import gc
import os
import random
import statistics
import time
from collections import defaultdict
from urllib.parse import urlencode

import psycopg
import sqlalchemy as sa
from flask import Flask, request
from flask_migrate import upgrade
from sqlalchemy.engine import make_url

from portal import create_app
from portal.customers.forms.directory import DirectoryForm
from portal.customers.models import Customer
from portal.customers.queries import directory
from portal.demo import seed_demo_customers
from portal.extensions import db
from portal.models import utcnow
from portal.security.models import AuthSession, Role, User

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/bench_customers"
BENCH_USER = "bench.{role}@staff.efi.example"
TARGET_P95_MS = 50


def ensure_database(url: str) -> None:
    target = make_url(url)
    server = target.set(drivername="postgresql", database="postgres").render_as_string(False)
    with psycopg.connect(server, autocommit=True) as connection:
        found = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", (target.database,)
        ).fetchone()
        if not found:
            connection.execute(f'CREATE DATABASE "{target.database}"')


def load(count: int) -> float | None:
    """Seconds spent loading, or None when exactly `count` customers were there already."""
    existing = db.session.scalar(sa.select(sa.func.count()).select_from(Customer))
    if existing == count:
        return None
    if existing:
        db.session.execute(sa.text("TRUNCATE customer CASCADE"))
        db.session.commit()
    started = time.perf_counter()
    seed_demo_customers(count, seed=2026)
    elapsed = time.perf_counter() - started
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        # Fresh statistics for the planner; the visibility map for index-only counts.
        connection.execute(sa.text("VACUUM ANALYZE"))
    return elapsed


def sample(column, count: int, rng: random.Random) -> list[str]:
    """`count` values of `column` from random rows, cheaply (no ORDER BY random())."""
    rows = db.session.scalars(
        sa.select(column)
        .where(column.is_not(None))
        .limit(count)
        .offset(rng.randint(0, 50_000))
        .order_by(Customer.created_at)
    ).all()
    return list(rows)


def piece(text: str, rng: random.Random, shortest: int, longest: int) -> str:
    size = rng.randint(shortest, min(longest, len(text)))
    start = rng.randint(0, len(text) - size)
    return text[start : start + size]


def beginning(word: str, rng: random.Random, shortest: int, longest: int) -> str:
    """What people type for a name: the start of one of its words (the search matches words
    from their start, see portal.customers.search_index)."""
    return word[: rng.randint(shortest, min(longest, len(word)))]


def representative_queries(rng: random.Random) -> list[tuple[str, dict]]:
    """200 (kind, query args) in the proportions people search with."""
    names = sample(Customer.name_key, 60, rng)
    emails = sample(Customer.email, 30, rng)
    phones = sample(Customer.phone, 30, rng)
    ids = sample(Customer.id, 15, rng)
    words = [w for name in names for w in name.split() if len(w) >= 3]
    types = ["DIASPORA_COMMUNITY", "FOOD_TRUCK", "HOTEL_RESTAURANT", "EXPAT", "TOURIST"]
    statuses = ["ACTIVE", "SUSPENDED", "CLOSED", "PENDING_VERIFICATION"]
    countries = ["US", "JM", "GB", "BB", "FR"]
    sorts = ["name", "-name", "type", "-type", "status", "-status", "created", "-created"]
    queries: list[tuple[str, dict]] = []
    queries += [("name", {"q": beginning(rng.choice(words), rng, 3, 7)}) for _ in range(40)]
    queries += [("name 1-2", {"q": rng.choice(names)[: rng.randint(1, 2)]}) for _ in range(10)]
    queries += [("email", {"q": e[: e.index("@") + 1 + rng.randint(0, 4)]}) for e in emails[:25]]
    queries += [("email", {"q": e[e.index("@") :]}) for e in emails[25:]]
    queries += [("phone", {"q": piece(p.lstrip("+"), rng, 4, 8)}) for p in phones[:25]]
    queries += [("id", {"q": i[: rng.randint(9, 14)]}) for i in ids]
    queries += [("filter", {"type": rng.choice(types)}) for _ in range(10)]
    queries += [("filter", {"status": rng.choice(statuses)}) for _ in range(10)]
    queries += [("filter", {"country": rng.choice(countries)}) for _ in range(10)]
    queries += [
        ("filters", {"type": rng.choice(types), "status": rng.choice(statuses)}) for _ in range(5)
    ]
    queries += [("sort", {"sort": s}) for s in sorts]
    queries += [("sort", {"sort": rng.choice(sorts), "status": "ACTIVE"}) for _ in range(7)]
    queries += [
        (
            "name+filter",
            {"q": beginning(rng.choice(words), rng, 3, 6), "country": rng.choice(countries)},
        )
        for _ in range(10)
    ]
    queries += [
        ("page 2-5", {**rng.choice(queries)[1], "page": rng.randint(2, 5)}) for _ in range(20)
    ]
    return queries


def signed_in_client(app: Flask, role: str = "sales"):
    email = BENCH_USER.format(role=role)
    user = db.session.scalar(sa.select(User).where(User.email == email))
    if user is None:
        held = db.session.scalar(sa.select(Role).where(Role.name == role))
        user = User(email=email, name=f"Bench {held.label}", roles=[held])
        db.session.add(user)
    session_id = f"bench-{os.urandom(6).hex()}"
    db.session.add(AuthSession(id=session_id, user=user, method="bench"))
    db.session.commit()
    client = app.test_client()
    with client.session_transaction() as session:
        session.update(_user_id=session_id, _fresh=True, seen=utcnow().isoformat())
    return client


def time_page(client, args: dict) -> float:
    started = time.perf_counter()
    response = client.get(f"/customers/?{urlencode(args)}")
    elapsed = time.perf_counter() - started
    if response.status_code != 200:
        raise RuntimeError(f"{args}: HTTP {response.status_code}")
    return elapsed


def time_query(app: Flask, args: dict) -> float:
    """The query function the view calls, with the filters the view's form would build."""
    with app.test_request_context(query_string=args):
        form = DirectoryForm(request.args)
        form.validate()
        filters, page, per_page = form.filters(), form.page.data or 1, form.per_page.data
        started = time.perf_counter()
        directory.customer_list(filters, page, per_page)
        elapsed = time.perf_counter() - started
        db.session.remove()
    return elapsed


def p95(seconds: list[float]) -> float:
    ordered = sorted(seconds)
    return ordered[max(0, round(len(ordered) * 0.95) - 1)]


def summary(label: str, seconds: list[float]) -> str:
    ms = [s * 1000 for s in (statistics.median(seconds), p95(seconds), max(seconds))]
    return f"{label:<22}" + "".join(f"{value:>9.1f}" for value in ms)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=7)
    options = parser.parse_args(argv)

    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
    ensure_database(url)
    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "WTF_CSRF_ENABLED": False}
    )
    with app.app_context():
        upgrade()
        loaded = load(options.customers)
        rng = random.Random(options.seed)
        queries = representative_queries(rng)
        client = signed_in_client(app)
        for _, args in queries:  # warm-up: caches, plans, templates
            time_page(client, args)
        gc.collect()  # the warm-up's garbage, so that no measured request pays for it
        pages, sqls = [], []
        by_kind: dict[str, list[float]] = defaultdict(list)
        slowest = []
        for kind, args in queries:
            page_s, sql_s = time_page(client, args), time_query(app, args)
            pages.append(page_s)
            sqls.append(sql_s)
            by_kind[kind].append(page_s)
            slowest.append((page_s, sql_s, args))
        db.engine.dispose()

    load_text = "reused" if loaded is None else f"loaded in {loaded:.0f} s"
    print(
        f"\nCustomer search: {options.customers:,} customers ({load_text}), {len(queries)} queries"
    )
    print(f"{'ms':<22}{'p50':>9}{'p95':>9}{'max':>9}")
    print(summary("list page (request)", pages))
    print(summary("bare query", sqls))
    ratio50 = statistics.median(pages) / statistics.median(sqls)
    print(f"ratio page/query:     p50 {ratio50:.2f}, p95 {p95(pages) / p95(sqls):.2f}")
    verdict = "met" if p95(pages) * 1000 < TARGET_P95_MS else "MISSED"
    print(f"target p95 < {TARGET_P95_MS} ms: {verdict}")
    print("\np95 by kind (request, ms):")
    for kind, seconds in by_kind.items():
        print(f"  {kind:<14}{p95(seconds) * 1000:>8.1f}  ({len(seconds)})")
    print("\nslowest requests (request ms, query ms, args):")
    for page_s, sql_s, args in sorted(slowest, key=lambda s: -s[0])[:12]:
        print(f"  {page_s * 1000:>7.1f} {sql_s * 1000:>7.1f}  {args}")


if __name__ == "__main__":
    main()
