"""The dashboards at a million customers: each page's p50/p95 beside the two pages they
replace the scans of, the full rebuild, and what keeping the rollups adds to registration and
to the event intake.

`python -m bench.dashboards` on a copy of the 1M-customer database ($BENCH_DASHBOARDS_URL,
default bench_dash; made with `CREATE DATABASE bench_dash TEMPLATE bench_1m`, written to) with
the SECRET_KEY its encrypted fields were written with ($BENCH_SECRET_KEY, default "x"). Migrates
it, rebuilds the rollups (timed), gives every segment a year of daily size snapshots, then
times `--requests` views of each page as an administrator, `--registrations` registrations and
`--events` OrderPlaced over HTTP, each with the rollups kept and without (the completeness
listener unhooked, the segment_history triggers disabled), and the nightly snapshot job.
Targets (issue #20): pages p95 < 200 ms, rebuild < 5 min, upkeep < 10 %.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import statistics
import time
from datetime import timedelta

import sqlalchemy as sa
from flask_migrate import upgrade

from bench.events import bench_intake_http
from bench.home_page import summary, timings
from bench.load import backend_pids, cpu_seconds
from portal import create_app
from portal.customers import acquisition_rollups, hooks
from portal.customers import rollups as customer_rollups
from portal.customers.demo import ACQUISITION, seed_verification_codes
from portal.customers.models import Customer
from portal.customers.services import register_customer
from portal.customers.values import ContactInfo, CustomerType, NewCustomer
from portal.dashboards.rollups import nightly, rebuild_all
from portal.extensions import db
from portal.idempotency import new_token
from portal.models import utcnow
from portal.security.models import AuthSession, Role, User

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/bench_dash"
PAGES = (
    "/compliance/reports",
    "/segments/report",
    "/dashboards/acquisition",
    "/dashboards/acquisition?by=day&type=TOURIST&country=us",
    "/dashboards/acquisition?by=month&from=2026-01-01&channel=SOCIAL",
    "/dashboards/acquisition?by=day&source=GOOGLE_ADS",
    "/dashboards/segments",
    "/dashboards/segments?from=2026-01-01",
    "/dashboards/quality",
    "/dashboards/quality?from=2026-01-01&by=month&type=TOURIST&country=us",
    "/dashboards/compliance",
)
TRIGGERS = ("segment_history_rollup", "segment_history_stays")
# A year of each nightly snapshot: today's copied to every day before (as after a year of nights).
SNAPSHOTS = {
    "segment_size_daily": "segment_id, members",
    "segment_performance_daily": (
        "segment_id, members, buyers, orders, revenue_minor, churn_low, churn_medium, "
        "churn_high, unscored"
    ),
    "segment_lift": "segment_id, members, buyers, revenue_minor",
    "customer_completeness_daily": (
        "customer_type, segment_id, customers, email, phone, alternative_email, "
        "alternative_phone, preferred_contact_time, address, verified_address, "
        "unverified_addresses"
    ),
}
YEAR_OF_SNAPSHOTS = """
INSERT INTO {table} (day, {columns})
SELECT earlier::date, {columns}
FROM {table}, generate_series(current_date - 365, current_date - 1, interval '1 day') AS earlier
WHERE {table}.day = (SELECT max(day) FROM {table})
ON CONFLICT DO NOTHING
"""
# Address checks of a year: a few thousand a day over 30 countries, a tenth refused.
YEAR_OF_ADDRESS_CHECKS = """
INSERT INTO address_verification_daily (day, country, outcome, attempts)
SELECT day::date, 'C' || chr(65 + c), o,
       (random() * CASE o WHEN 'verified' THEN 300 ELSE 30 END)::int
FROM generate_series(current_date - 365, current_date, interval '1 day') AS day,
     generate_series(0, 25) AS c, unnest(ARRAY['verified', 'postal_code', 'unavailable']) AS o
ON CONFLICT DO NOTHING
"""


def bench_app(variable: str, default: str):
    """The portal on the database $`variable` names (else `default`), with the SECRET_KEY its
    encrypted fields were written with ($BENCH_SECRET_KEY, default "x")."""
    url = os.environ.get(variable, default)
    secret = os.environ.get("BENCH_SECRET_KEY", "x")
    return create_app(
        {"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": secret, "LOG_LEVEL": "WARNING"}
    )


def administrator() -> User:
    user = db.session.scalar(sa.select(User).where(User.email == "bench-dashboards@efi.example"))
    if user is None:
        role = db.session.scalar(sa.select(Role).where(Role.name == "administrator"))
        user = User(email="bench-dashboards@efi.example", name="Bench Admin", roles=[role])
        db.session.add(user)
        db.session.commit()
    return user


def signed_in(app, user: User):
    session_id = f"bench-{os.urandom(6).hex()}"
    db.session.add(AuthSession(id=session_id, user=user, method="bench"))
    db.session.commit()
    client = app.test_client()
    with client.session_transaction() as session:
        session.update(_user_id=session_id, _fresh=True, seen=utcnow().isoformat())
    return client


# A database seeded before acquisition was recorded: the customers of the last 400 days (what
# the dashboard's ranges show; rewriting all million rows needs gigabytes of disk) get a source,
# by the random last digits of the id, all sources alike, and the verification funnel's audit
# entries; every source gets a year of monthly spend, as `seed-demo` makes them now.
ACQUISITION_SOURCES = """
UPDATE customer
SET acquisition_source = (CAST(:sources AS text[]))[1 + ('x' || right(id, 4))::bit(16)::int % :n]
WHERE acquisition_source IS NULL AND created_at > :since
"""
ACQUISITION_CHANNELS = """
UPDATE customer SET acquisition_channel = s.channel
FROM acquisition_source s WHERE s.code = customer.acquisition_source
AND customer.acquisition_channel IS NULL
"""
A_YEAR_OF_SPEND = """
INSERT INTO marketing_spend (source, month, currency, amount_minor, updated_at, updated_by, version)
SELECT code, month::date, 'USD', 100000 + 1000 * length(code) * extract(month FROM month), now(),
       '00000000-0000-0000-0000-000000000000', 1
FROM acquisition_source,
     generate_series(date_trunc('month', current_date) - interval '11 months',
                     date_trunc('month', current_date), interval '1 month') AS month
ON CONFLICT DO NOTHING
"""


def acquisition_data() -> None:
    recorded = sa.select(Customer.id).where(Customer.acquisition_source.is_not(None)).limit(1)
    if db.session.scalar(recorded) is None:
        started = time.perf_counter()
        since = utcnow() - timedelta(days=400)
        sources = [source for source, *_ in ACQUISITION if source]
        db.session.execute(
            sa.text(ACQUISITION_SOURCES), {"sources": sources, "n": len(sources), "since": since}
        )
        db.session.execute(sa.text(ACQUISITION_CHANNELS))
        seed_verification_codes(db.session.connection(), Customer.created_at > since)
        db.session.commit()
        took = time.perf_counter() - started
        print(f"  channels, sources and codes for the last 400 days' customers: {took:.1f} s")
    db.session.execute(sa.text(A_YEAR_OF_SPEND))
    db.session.commit()


@contextlib.contextmanager
def without_rollups():
    """Registration and intake as they were before the rollups."""
    with hooks.without(customer_rollups.refresh, acquisition_rollups.refresh):
        for trigger in TRIGGERS:
            db.session.execute(sa.text(f"ALTER TABLE segment_history DISABLE TRIGGER {trigger}"))
        db.session.commit()
        try:
            yield
        finally:
            for trigger in TRIGGERS:
                db.session.execute(sa.text(f"ALTER TABLE segment_history ENABLE TRIGGER {trigger}"))
            db.session.commit()


def registrations(user: User, count: int) -> float:
    """Registrations per second through the service (one transaction each), half of them with
    an acquisition source."""
    started = time.perf_counter()
    for n in range(count):
        tag = os.urandom(5).hex()
        register_customer(
            user,
            NewCustomer(
                name=f"Bench {tag}",
                customer_type=CustomerType.TOURIST,
                contact=ContactInfo(email=f"bench-{tag}@example.org"),
                type_data={"first_encounter": "Bench"},
                acquisition_source="INSTAGRAM" if n % 2 else None,
            ),
        )
    return count / (time.perf_counter() - started)


CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def registrations_http(client, count: int) -> float:
    """Registrations per second as staff make them: the registration form posted through the
    portal (CSRF token, the form's checks and create-once token, the service, the redirect),
    half with a source."""
    token = CSRF.search(client.get("/customers/new").get_data(as_text=True)).group(1)
    started = time.perf_counter()
    for n in range(count):
        tag = os.urandom(5).hex()
        form = {
            "csrf_token": token,
            "form_token": new_token(),  # each rendered form carries its own
            "customer_type": CustomerType.TOURIST.value,
            "name": f"Bench {tag}",
            "email": f"bench-{tag}@example.org",
            "status": "ACTIVE",
            "first_encounter": "Bench",
            "acquisition_source": "INSTAGRAM" if n % 2 else "",
        }
        response = client.post("/customers/new", data=form)
        if response.status_code != 303:
            raise RuntimeError(f"registration answered {response.status_code}")
    return count / (time.perf_counter() - started)


def intake(app, count: int, user: User) -> float:
    ids = list(db.session.scalars(sa.text("SELECT id FROM customer LIMIT 10000")))
    started = time.perf_counter()
    bench_intake_http(app, count, ids, user)
    return count / (time.perf_counter() - started)


def _cpu_seconds() -> float:
    """CPU used so far by this process and the database's backends (the work both paths do,
    without the waits for the disk that make their wall time jump from round to round)."""
    url = db.engine.url.render_as_string(hide_password=False)
    return time.process_time() + sum(cpu_seconds(backend_pids(url)).values())


def upkeep(what: str, measure, rounds: int = 2, without=without_rollups) -> float:
    """Rates without and with the rollups, alternated so that load drifting on a shared
    machine falls on both, after a warm-up; prints both, the ratio of each round's pair (run
    back to back) and the ratio of CPU (this process and the database's), and returns the
    median of the rounds' ratios: a slow commit to disk now and then moved a mean of rates by
    several per cent."""
    measure()  # a first, uncounted: the first round ran at a third of the later ones' rate
    kept, bare, cpu = [], [], {"with": 0.0, "without": 0.0}

    def timed(key: str) -> float:
        started = _cpu_seconds()
        rate = measure()
        cpu[key] += _cpu_seconds() - started
        return rate

    for _ in range(rounds):
        with without():
            bare.append(timed("without"))
        kept.append(timed("with"))
    with_, without = sum(kept) / rounds, sum(bare) / rounds
    ratios = sorted(b / k for b, k in zip(bare, kept, strict=True))
    ratio = statistics.median(ratios)
    print(
        f"  {what}: {with_:.1f} with rollups, {without:.1f} without (means); ratio per round "
        f"{' '.join(f'{r:.3f}' for r in ratios)}, median {ratio:.3f} "
        f"({100 * (ratio - 1):+.1f} % upkeep); CPU with / without "
        f"{cpu['with'] / cpu['without']:.3f}"
    )
    return ratio


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--registrations", type=int, default=100)
    parser.add_argument("--events", type=int, default=5_000)
    parser.add_argument("--skip-rebuild", action="store_true")
    args = parser.parse_args(argv)
    app = bench_app("BENCH_DASHBOARDS_URL", DEFAULT_URL)
    with app.app_context():
        upgrade()
        customers = db.session.scalar(sa.text("SELECT count(*) FROM customer"))
        print(f"dashboards, PostgreSQL {db.engine.url.database}, {customers:,} customers")
        acquisition_data()
        if not args.skip_rebuild:
            started = time.perf_counter()
            rebuild_all()
            print(f"  full rebuild of the rollups: {time.perf_counter() - started:.1f} s")
        started = time.perf_counter()
        nightly(utcnow().date())
        db.session.commit()
        print(f"  nightly snapshots: {time.perf_counter() - started:.1f} s")
        for table, columns in SNAPSHOTS.items():
            db.session.execute(sa.text(YEAR_OF_SNAPSHOTS.format(table=table, columns=columns)))
        db.session.execute(sa.text(YEAR_OF_ADDRESS_CHECKS))
        db.session.commit()
        user = administrator()
        client = signed_in(app, user)
        for page in PAGES:
            print(f"  {page:58} {summary(timings(client, page, args.requests))}")
        upkeep("registrations/s", lambda: registrations(user, args.registrations))
        upkeep(
            "registrations/s, acquisition rollup alone",
            lambda: registrations(user, args.registrations),
            without=lambda: hooks.without(acquisition_rollups.refresh),
        )
        upkeep("intake OrderPlaced/s", lambda: intake(app, args.events, user))
        db.session.remove()
        db.engine.dispose()


if __name__ == "__main__":
    main()
