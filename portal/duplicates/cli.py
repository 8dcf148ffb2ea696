"""`flask --app wsgi duplicates …`: the full scan, training the model, demo duplicates."""

from __future__ import annotations

import time

import click
from sqlalchemy import func, select

from portal.customers.models import Customer
from portal.duplicates import bp, demo, matching, services
from portal.extensions import db


def _customers() -> int:
    return db.session.scalar(select(func.count()).select_from(Customer)) or 0


@bp.cli.command("scan")
@click.option("--threshold", type=float, default=matching.THRESHOLD, show_default=True)
def scan(threshold: float) -> None:
    """Find duplicate customers among all of them; open pairs go to the review queue."""
    started = time.perf_counter()
    with click.progressbar(length=_customers(), label="Reading customers") as bar:
        found = services.scan(progress=bar.update, threshold=threshold)
    click.echo(f"{found} pairs to review; {time.perf_counter() - started:.1f} s.")


@bp.cli.command("train")
def train() -> None:
    """Re-train the model (EM, no labels) on the customers and save it to model.json."""
    with click.progressbar(length=_customers(), label="Reading customers") as bar:
        table = services.export(progress=bar.update)
    matching.train(table)
    click.echo(f"Saved {matching.MODEL_PATH}.")


@bp.cli.command("demo")
@click.option("--share", type=float, default=0.02, show_default=True)
@click.option("--seed", type=int, default=18, show_default=True)
def demo_duplicates(share: float, seed: int) -> None:
    """Add duplicates of a share of the customers (typos, swapped names, e-mail and phone
    variants, moved addresses); the same seed adds the same ones."""
    added = demo.inject(db.session.connection(), share=share, seed=seed)
    db.session.commit()
    click.echo(f"{added} duplicate customers added.")
