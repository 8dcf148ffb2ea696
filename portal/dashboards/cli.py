"""`flask --app wsgi dashboards …`: rebuild the rollups, take the nightly snapshots."""

from __future__ import annotations

import time

import click

from portal.dashboards import bp
from portal.dashboards.rollups import REBUILDS, nightly, rebuild_all
from portal.extensions import db
from portal.models import utcnow


@bp.cli.command("rebuild")
def rebuild() -> None:
    """Recompute every dashboard rollup from the source tables."""
    started = time.perf_counter()
    with click.progressbar(length=len(REBUILDS), label="Rebuilding rollups") as bar:
        rebuild_all(progress=lambda step: bar.update(1))
    click.echo(f"Rollups rebuilt in {time.perf_counter() - started:.1f} s.")


@bp.cli.command("snapshot")
def take_snapshot() -> None:
    """Store today's segment sizes, performance and completeness, and the lift of 90 days ago
    (run nightly, shortly before midnight UTC)."""
    segments = nightly(utcnow().date())
    db.session.commit()
    click.echo(f"Snapshots of {segments} segments stored.")
