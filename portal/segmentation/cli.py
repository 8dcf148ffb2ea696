"""`flask --app wsgi segments …`: the full recompute."""

from __future__ import annotations

import time

import click

from portal.events.outbox import SYSTEM
from portal.segmentation import bp
from portal.segmentation.services import recompute_all

STEPS = ("evaluated", "history", "events", "assigned")


@bp.cli.command("recompute")
def recompute() -> None:
    """Re-evaluate every customer's primary segment in set-based SQL."""
    started = time.perf_counter()
    with click.progressbar(length=len(STEPS), label="Recomputing segments") as bar:
        run = recompute_all(SYSTEM, progress=lambda step: bar.update(1))
    elapsed = time.perf_counter() - started
    click.echo(f"{run.changed} customers moved; {elapsed:.1f} s.")
