"""`flask --app wsgi loyalty …`: the monthly tier recalculation and the daily expiry (cron)."""

from __future__ import annotations

import time

import click

from portal.loyalty import bp, jobs


@bp.cli.command("recalculate-tiers")
def recalculate_tiers() -> None:
    """Monthly: upgrade at once, downgrade by the policy after the grace period."""
    started = time.perf_counter()
    done = jobs.recalculate_tiers()
    elapsed = time.perf_counter() - started
    click.echo(
        f"{done.upgraded} upgraded, {done.downgraded} downgraded, {done.due} entered their"
        f" grace period; {elapsed:.1f} s."
    )


@bp.cli.command("expire-points")
def expire_points() -> None:
    """Daily: release points past their return window, expire batches past their date."""
    started = time.perf_counter()
    done = jobs.expire_points()
    elapsed = time.perf_counter() - started
    click.echo(
        f"{done.released} accounts got pending points; {done.expired} points expired in"
        f" {done.accounts} accounts; {elapsed:.1f} s."
    )
