"""`flask --app wsgi compliance ...` commands."""

from __future__ import annotations

import click

from portal.compliance import bp
from portal.compliance.retention import DESCRIPTIONS, apply_retention
from portal.models import utcnow

bp.cli.short_help = "Data-protection jobs: retention."


@bp.cli.command("apply-retention")
@click.option("--dry-run", is_flag=True, help="Only print what would change.")
def apply_retention_command(dry_run: bool) -> None:
    """Apply the retention policies (the run is stored and audited, dry runs too)."""
    run = apply_retention(utcnow(), dry_run=dry_run)
    verb = "would change" if dry_run else "changed"
    for rule, result in run.report.items():
        if result.get("disabled"):
            click.echo(f"{DESCRIPTIONS[rule]}: disabled")
            continue
        held = f", {result['skipped_on_hold']} skipped (open access request)"
        click.echo(f"{DESCRIPTIONS[rule]}: {verb} {result['count']}{held}")
