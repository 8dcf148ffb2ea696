"""`flask --app wsgi loyalty …`: the monthly tier recalculation and the daily expiry (cron)."""

from __future__ import annotations

import time
from dataclasses import asdict

import click

from portal.loyalty import bp, jobs


def _timed(run, say: str) -> None:
    """Run a job and say what it did (`say` formatted with its result's fields) and how long."""
    started = time.perf_counter()
    done = asdict(run())
    click.echo(f"{say.format(**done)}; {time.perf_counter() - started:.1f} s.")


@bp.cli.command("recalculate-tiers")
def recalculate_tiers() -> None:
    """Monthly: upgrade at once, downgrade by the policy after the grace period."""
    _timed(
        jobs.recalculate_tiers,
        "{upgraded} upgraded, {downgraded} downgraded, {due} entered their grace period",
    )


@bp.cli.command("expire-points")
def expire_points() -> None:
    """Daily: release points past their return window, expire batches past their date."""
    _timed(
        jobs.expire_points,
        "{released} accounts got pending points; {expired} points expired in {accounts} accounts",
    )
