"""`flask --app wsgi dashboards …`: rebuild the rollups, take the nightly size snapshot."""

from __future__ import annotations

import time

import click

from portal.dashboards import bp
from portal.dashboards.rollups import REBUILDS, rebuild_all
from portal.extensions import db
from portal.models import utcnow
from portal.segmentation.rollups import snapshot


@bp.cli.command("rebuild")
def rebuild() -> None:
    """Recompute every dashboard rollup from the source tables."""
    started = time.perf_counter()
    with click.progressbar(length=len(REBUILDS), label="Rebuilding rollups") as bar:
        rebuild_all(progress=lambda step: bar.update(1))
    click.echo(f"Rollups rebuilt in {time.perf_counter() - started:.1f} s.")


@bp.cli.command("snapshot")
def take_snapshot() -> None:
    """Store today's segment sizes (run nightly, shortly before midnight UTC)."""
    segments = snapshot(utcnow().date())
    db.session.commit()
    click.echo(f"Sizes of {segments} segments stored.")
