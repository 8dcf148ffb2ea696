"""`flask --app wsgi approvals escalate`: run by cron every few minutes (docs/operations.md)."""

from __future__ import annotations

from datetime import datetime

import click

from portal.approvals import bp, services
from portal.approvals.ports import LogNotifier
from portal.models import utcnow


@bp.cli.command("escalate")
@click.option(
    "--now",
    "now",
    default=None,
    help="Run as of this ISO-8601 time with zone (catching up after an outage; tests).",
)
def escalate_command(now: str | None) -> None:
    """Remind approvers before a tier's deadline; escalate or expire overdue requests."""
    moment = datetime.fromisoformat(now) if now else utcnow()
    if moment.tzinfo is None:
        raise click.BadParameter(
            "give a time zone, e.g. 2026-12-01T09:00:00+00:00", param_hint="--now"
        )
    outcome = services.escalate(moment, LogNotifier())
    click.echo(
        f"{outcome.reminded} reminded, {outcome.escalated} escalated, {outcome.expired} expired"
    )
