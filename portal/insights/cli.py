"""`flask --app wsgi insights refresh`: the nightly fit and score."""

from __future__ import annotations

import time

import click

from portal.insights import bp
from portal.insights.services import STEPS, refresh


@bp.cli.command("refresh")
def refresh_command() -> None:
    """Fit the models and score every customer; exit 1 when the fit does not converge."""
    started = time.perf_counter()
    with click.progressbar(length=len(STEPS), label="Scoring customers") as bar:
        run = refresh(progress=lambda step: bar.update(1))
    elapsed = time.perf_counter() - started
    if not run.converged:
        click.echo(f"Model v{run.id}: {run.message}", err=True)
        raise SystemExit(1)
    click.echo(f"Model v{run.id} scored {run.customers_scored} customers; {elapsed:.1f} s.")
    if run.message:
        click.echo(run.message)
