"""`flask --app wsgi customers ...` commands (available once the blueprint is registered)."""

from __future__ import annotations

import click

from portal.customers import bp
from portal.extensions import db
from portal.security.crypto import rotate_encrypted_fields


@bp.cli.command("rotate-keys")
@click.option("--batch-size", default=500, show_default=True)
def rotate_keys(batch_size: int) -> None:
    """Re-encrypt every encrypted field under the current FIELD_ENCRYPTION_KEYS key.

    Run after putting a new key first in the list; remove the old key once this reports 0.
    """
    count = rotate_encrypted_fields(db.engine, db.metadata, batch_size=batch_size)
    click.echo(f"Re-encrypted {count} values.")


@bp.cli.command("flag-inactive")
def flag_inactive() -> None:
    """Flag for review every open account without activity for over 24 months."""
    # Imported here: the services import other areas that import this package back.
    from portal.customers.services import flag_inactive_customers

    count = flag_inactive_customers()
    click.echo(f"Flagged {count} inactive customers for review.")


@bp.cli.command("reindex-search")
def reindex_search() -> None:
    """Rebuild the directory's search terms of every customer (after customers were written
    outside the portal, or when what is indexed changed)."""
    from portal.bulk import vacuum_analyze
    from portal.customers import search_index
    from portal.customers.models import customer_search_term

    count = search_index.rebuild(db.session.connection())
    db.session.commit()
    vacuum_analyze(db.engine, customer_search_term)
    click.echo(f"Indexed {count} customers for search.")
