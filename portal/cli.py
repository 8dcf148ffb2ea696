"""Command-line entry points: `flask --app wsgi <command>`."""

from __future__ import annotations

from functools import partial

import click
from flask import Flask, current_app

from portal.config import ConfigurationError


def register_cli(app: Flask) -> None:
    @app.cli.command("seed-demo")
    @click.option(
        "--customers",
        "customers",
        default=0,
        show_default=True,
        help="Also generate this many demo customers of all ten types.",
    )
    @click.option(
        "--if-empty",
        is_flag=True,
        help="Generate customers only when there are none yet (for `make run`).",
    )
    @click.option(
        "--duplicates",
        default=0.02,
        show_default=True,
        help="Share of the generated customers registered a second time, slightly changed.",
    )
    @click.option("--seed", default=2026, show_default=True, help="Random seed for the data.")
    def seed_demo(customers: int, if_empty: bool, duplicates: float, seed: int) -> None:
        """Load the demo accounts (idempotent), optionally customers; print how to sign in."""
        from portal.demo import DemoDataPresent, seed_demo_customers, seed_demo_users
        from portal.duplicates import demo as duplicates_demo

        if not current_app.config["DEMO_ACCOUNTS_ALLOWED"]:
            raise ConfigurationError("Demo accounts are refused in production.")
        accounts = seed_demo_users()
        if customers:
            with click.progressbar(length=customers, label="Generating customers") as bar:
                try:
                    created = seed_demo_customers(
                        customers,
                        seed=seed,
                        if_empty=if_empty,
                        duplicates=partial(duplicates_demo.inject, share=duplicates)
                        if duplicates
                        else None,
                        progress=bar.update,
                    )
                except DemoDataPresent as present:
                    raise click.ClickException(str(present)) from None
            click.echo(f"Added {created} demo customers.")
            if created:
                # Bulk-loaded rows bypass the rollups' upkeep: the dashboards count them now.
                from portal.dashboards.rollups import rebuild_all

                rebuild_all()
        from portal.organizations.demo import seed_demo_organization

        accounts += seed_demo_organization()  # once: a second run finds it and adds nothing
        from portal.approvals.demo import seed_demo_approvals

        seed_demo_approvals()
        from portal.bulk import vacuum_analyze
        from portal.extensions import db

        vacuum_analyze(db.engine)
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
