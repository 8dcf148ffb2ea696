"""Loyalty at 1M customers: the demo replay of the orders into the ledger, the monthly tier
recalculation, the daily expiry run over ~10 batches per account, the Loyalty tab (p95) and
the intake of OrderPlaced with earning on.

`python -m bench.loyalty` on a copy of bench_1m ($BENCH_DATABASE_URL, default bench_loyalty;
`createdb -T bench_1m bench_loyalty`; never bench_1m itself: it writes) with the SECRET_KEY its
encrypted fields were written with ($BENCH_SECRET_KEY, default "x"). About 10 minutes at 1M
with `--keep-ledger` (the copy's ledger from seed-demo kept, its replay not timed again).
Each target's verdict is a line "target X: measured Y (ok/over)", all repeated at the end.
Migrates the copy, then:
  - the baseline: a plain copy of the orders table (CREATE TEMP TABLE AS), timed at the start
    and at the end; each bulk figure is printed with its ratio to it, which says more than the
    seconds on a shared machine;
  - seed-demo's loyalty replay, from empty loyalty tables (the seed's other steps are not
    loyalty's: the whole seed's time is in its own log); skipped with `--keep-ledger` when
    the copy has accounts already;
  - ~10 batches per account: `--batches` credits per account on top of the demo's earnings, one
    of them due in the expiry run below, the others a month apart after it;
  - the monthly recalculation a month later (target < 60 s);
  - the Loyalty tab, `--samples` random accounts: its queries alone and the whole HTTP panel as
    an administrator (target p95 < 50 ms), beside the p95 of a primary-key read (`SELECT` of
    one account) as the floor;
  - the programme's index and report pages over HTTP (target p95 < 200 ms: they read the
    rollups of revision 0035, never the ledger or the accounts);
  - OrderPlaced over HTTP with earning on and, as the baseline, with loyalty's handler taken
    out (target ≥ 1,000/s with earning on);
  - the daily expiry run the next day: a batch of every account expires (target < 60 s);
  - with `--everything`: the run 18 months ahead, when every batch expires (no target).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import random
import statistics
import time
from datetime import timedelta

import sqlalchemy as sa
from flask_migrate import upgrade

from bench.dashboards import administrator, signed_in
from bench.events import bench_intake_http
from portal import create_app
from portal.events.handlers import CONSUMERS, Batch
from portal.extensions import db
from portal.loyalty import jobs, queries
from portal.loyalty.demo import seed_demo_loyalty
from portal.models import utcnow
from portal.segmentation import handlers as segmentation_handlers

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/bench_loyalty"
TARGET_SECONDS = 60
TARGET_TAB_MS = 50
TARGET_PAGE_MS = 200  # the programme's index and report, from the rollups
TARGET_INTAKE = 1_000
TARGET_SEED_SECONDS = 600  # the whole seed-demo's budget at 1M
BATCHES = """
INSERT INTO loyalty_entry (customer_id, kind, points, at, remaining, pending, expires_at,
  qualifying_points, actor, reason)
SELECT a.customer_id, 'ADJUST', 10 + n, :now - interval '1 day' * (20 + n), 10 + n, false,
  CASE WHEN n = 1 THEN :run - interval '1 hour' ELSE :run + interval '30 days' * n END,
  0, 'bench', 'Bench batch'
FROM loyalty_account a, generate_series(1, :batches) AS n
ORDER BY a.customer_id, n
"""
BALANCES = """
UPDATE loyalty_account SET balance = balance + :added
"""


def _seconds(run) -> tuple[float, object]:
    started = time.perf_counter()
    result = run()
    return time.perf_counter() - started, result


VERDICTS: list[str] = []


def verdict(target: str, measured: str, ok: bool) -> None:
    """A target's line, as the closing note quotes it; repeated together at the end."""
    line = f"target {target}: measured {measured} ({'ok' if ok else 'over'})"
    VERDICTS.append(line)
    print(line)


class Report:
    """Prints each figure with its ratio to the baseline and its verdict against the target."""

    def __init__(self, baseline: float):
        self.baseline = baseline

    def timed(self, label: str, run, target: tuple[str, float] | None = None):
        seconds, result = _seconds(run)
        print(f"{label:<46} {seconds:7.1f} s = {seconds / self.baseline:5.1f}x baseline")
        print(f"{'':<46} {result}")
        if target:
            name, limit = target
            verdict(f"{name} < {limit:.0f} s", f"{seconds:.1f} s", seconds < limit)
        return result


def _baseline() -> float:
    def copy() -> None:
        db.session.execute(sa.text("CREATE TEMP TABLE bench_copy AS SELECT * FROM customer_order"))
        db.session.execute(sa.text("DROP TABLE bench_copy"))
        db.session.commit()

    seconds, _ = _seconds(copy)
    print(f"{'baseline: copy of customer_order':<46} {seconds:7.1f} s  (load {_load()})")
    return seconds


def _load() -> str:
    return " ".join(f"{n:.1f}" for n in os.getloadavg())


def _count(table: str) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(sa.table(table)))


def _replay() -> str:
    db.session.execute(
        sa.text(
            "TRUNCATE loyalty_entry, loyalty_account, loyalty_tier_history, loyalty_run,"
            " loyalty_points_monthly, loyalty_expiry_daily, loyalty_tier_total,"
            " loyalty_tier_moves_monthly RESTART IDENTITY"
        )
    )
    db.session.commit()
    assert seed_demo_loyalty()
    return (
        f"{_count('loyalty_account'):,} accounts, {_count('loyalty_entry'):,} ledger rows,"
        f" {_count('loyalty_tier_history'):,} tier history rows"
    )


def _build_batches(batches: int, now, run_at) -> str:
    params = {"now": now, "run": run_at, "batches": batches}
    db.session.execute(sa.text(BATCHES), params)
    added = sum(10 + n for n in range(1, batches + 1))
    db.session.execute(sa.text(BALANCES), {"added": added})
    db.session.commit()
    db.session.execute(sa.text("ANALYZE loyalty_entry, loyalty_account"))
    db.session.commit()
    per_account = db.session.scalar(
        sa.text(
            "SELECT count(*)::float / (SELECT count(*) FROM loyalty_account) FROM loyalty_entry"
            " WHERE kind IN ('EARN', 'ADJUST')"
        )
    )
    return f"{_count('loyalty_entry'):,} ledger rows, {per_account:.1f} batches per account"


def _p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=20)[-1]


def _tab(app, ids: list[str]) -> None:
    floor, alone, panel = [], [], []
    client = signed_in(app, administrator())
    for customer_id in ids:
        started = time.perf_counter()
        db.session.execute(
            sa.text("SELECT * FROM loyalty_account WHERE customer_id = :c"), {"c": customer_id}
        ).all()
        floor.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        queries.account_view(customer_id)
        queries.ledger(customer_id, queries.LedgerFilter())
        queries.tier_history(customer_id)
        alone.append((time.perf_counter() - started) * 1000)
        db.session.rollback()
        started = time.perf_counter()
        response = client.get(f"/loyalty/customers/{customer_id}", headers={"HX-Request": "true"})
        panel.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.status_code
    base = _p95(floor)
    print(f"{'one account by primary key p95 (the floor)':<46} {base:7.1f} ms")
    for label, samples in (
        ("Loyalty tab queries p95", alone),
        ("Loyalty tab over HTTP p95", panel),
    ):
        p95 = _p95(samples)
        print(
            f"{label:<46} {p95:7.1f} ms = {p95 / base:5.1f}x the floor"
            f"  (p50 {statistics.median(samples):.1f} ms, {len(samples)} accounts)"
        )
        verdict(f"{label} < {TARGET_TAB_MS} ms", f"{p95:.1f} ms", p95 < TARGET_TAB_MS)


def _programme_pages(app, samples: int) -> None:
    """The programme's index and report pages, read from the rollups (target p95 < 200 ms)."""
    client = signed_in(app, administrator())
    for url in ("/loyalty/", "/loyalty/report"):
        times = []
        for _ in range(samples):
            started = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, response.status_code
        p95 = _p95(times)
        label = f"GET {url} p95"
        print(f"{label:<46} {p95:7.1f} ms  (p50 {statistics.median(times):.1f} ms)")
        verdict(f"{label} < {TARGET_PAGE_MS} ms", f"{p95:.1f} ms", p95 < TARGET_PAGE_MS)


@contextlib.contextmanager
def _earning_off():
    """OrderPlaced as segmentation alone takes it in: loyalty's follower taken out."""
    entry = CONSUMERS["OrderPlaced"]
    on = entry.batch
    entry.batch = Batch(
        segmentation_handlers._unknown_customers, segmentation_handlers._record_orders
    )
    try:
        yield
    finally:
        entry.batch = on


def _intake(app, count: int, ids: list[str]) -> None:
    user = administrator()
    print("OrderPlaced intake, earning off (the baseline):")
    with _earning_off():
        off = bench_intake_http(app, count, ids, user)
    print("OrderPlaced intake, earning on:")
    on = bench_intake_http(app, count, ids, user)
    print(f"{'':<46} earning on = {on / off:.2f}x earning off")
    verdict(
        f"intake with earning >= {TARGET_INTAKE:,}/s",
        f"{on:,.0f}/s (earning off {off:,.0f}/s)",
        on >= TARGET_INTAKE,
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batches", type=int, default=6, help="credits added per account")
    parser.add_argument("--samples", type=int, default=300, help="accounts the tab is read for")
    parser.add_argument("--events", type=int, default=10_000, help="OrderPlaced taken in")
    parser.add_argument("--everything", action="store_true", help="also the 18-month run")
    parser.add_argument(
        "--keep-ledger",
        action="store_true",
        help="keep the ledger seed-demo wrote (when there are accounts) instead of replaying",
    )
    args = parser.parse_args(argv)
    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
    assert not url.endswith("/bench_1m"), "copy bench_1m first: this benchmark writes"
    secret = os.environ.get("BENCH_SECRET_KEY", "x")
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": secret, "LOG_LEVEL": "WARNING"})
    with app.app_context():
        upgrade()
        print(f"PostgreSQL {db.engine.url.database}: {_count('customer'):,} customers")
        report = Report(_baseline())
        if args.keep_ledger and _count("loyalty_account"):
            print(f"seed-demo's ledger kept: {_count('loyalty_entry'):,} ledger rows")
        else:
            report.timed(
                "seed-demo: enrol and replay the orders",
                _replay,
                ("seed-demo's loyalty replay (within the seed's 10 min)", TARGET_SEED_SECONDS),
            )
        now = utcnow()
        run_at = now + timedelta(days=1)
        report.timed(
            f"build {args.batches} more batches per account",
            lambda: _build_batches(args.batches, now, run_at),
        )
        month_later = now + timedelta(days=31)
        report.timed(
            "recalculate-tiers, a month later",
            lambda: jobs.recalculate_tiers(month_later),
            ("recalculate-tiers", TARGET_SECONDS),
        )
        ids = list(
            db.session.scalars(
                sa.text("SELECT customer_id FROM loyalty_account ORDER BY random() LIMIT 5000")
            )
        )
        _tab(app, random.sample(ids, min(args.samples, len(ids))))
        _programme_pages(app, min(args.samples, 50))
        _intake(app, args.events, ids)
        report.timed(
            "expire-points, the next day",
            lambda: jobs.expire_points(run_at),
            ("expire-points", TARGET_SECONDS),
        )
        if args.everything:
            later = now + timedelta(days=540)
            report.timed(
                "expire-points 18 months ahead (everything)", lambda: jobs.expire_points(later)
            )
        _baseline()
        print("\n".join(["", *VERDICTS]))
        db.session.remove()
        db.engine.dispose()


if __name__ == "__main__":
    main()
