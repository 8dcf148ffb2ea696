"""Command-line entry points: `flask --app wsgi <command>`."""

from __future__ import annotations

import click
from flask import Flask, current_app

from portal.config import ConfigurationError


def register_cli(app: Flask) -> None:
    @app.cli.command("seed-demo")
    def seed_demo() -> None:
        """Load the demo accounts (idempotent) and print how to sign in."""
        from portal.demo import seed_demo_users

        if not current_app.config["DEMO_ACCOUNTS_ALLOWED"]:
            raise ConfigurationError("Demo accounts are refused in production.")
        accounts = seed_demo_users()
        click.echo("Demo sign-in accounts (local passwords):")
        for account in accounts:
            click.echo(f"  {account.role:<20} {account.email:<40} {account.password}")

    docs = click.Group("docs", help="Documents generated from the code.")
    app.cli.add_command(docs)

    @docs.command("write")
    def write_docs() -> None:
        """Regenerate docs/*.md that are derived from the code."""
        from portal.docs import write_all

        for path in write_all(current_app):
            click.echo(f"wrote {path.name}")
