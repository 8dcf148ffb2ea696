"""The schema is built only by migrations: they must create exactly what the models declare."""

from __future__ import annotations

import ast
from pathlib import Path

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from portal.customers.models import customer_search_term
from portal.extensions import db
from portal.models import UTCDateTime, utcnow


def test_models_and_migrations_agree():
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, db.metadata)
    assert differences == []


def test_migrations_are_a_single_line_of_history(app):
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(app.extensions["migrate"].migrate.get_config())
    assert len(script.get_heads()) == 1


def test_migrations_import_no_application_code():
    # A migration that imports the portal changes whenever that code does, long after it ran.
    versions = Path(__file__).parents[2] / "migrations" / "versions"
    offenders = []
    for path in sorted(versions.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""] if node.level == 0 else ["."]
            else:
                continue
            offenders += [
                f"{path.name}:{node.lineno} {name}"
                for name in names
                if name == "." or name.split(".")[0] in {"portal", "tests", "wsgi"}
            ]
    assert offenders == []


def test_search_terms_migration_indexes_the_customers_already_there():
    downgrade(revision="0009_segmentation_bulk")
    try:
        customer = sa.table(
            "customer",
            *(sa.column(name) for name in ("id", "name", "name_key", "email", "phone")),
            *(sa.column(name) for name in ("customer_type", "status", "version_id")),
            sa.column("do_not_contact", sa.Boolean),
            sa.column("marketing_opt_out", sa.Boolean),
            sa.column("type_data", sa.JSON),
            sa.column("created_at", UTCDateTime),
            sa.column("updated_at", UTCDateTime),
        )
        now = utcnow()
        with db.engine.begin() as connection:
            connection.execute(
                customer.insert(),
                [
                    {
                        "id": "cust-1",
                        "name": "Paul O'Brien-Ramírez",
                        "name_key": "paul o'brien-ramírez",
                        "email": "Paul@Hotel.example",
                        "phone": "+18765550123",
                        "customer_type": "EXPAT",
                        "status": "ACTIVE",
                        "version_id": 1,
                        "do_not_contact": False,
                        "marketing_opt_out": False,
                        "type_data": {},
                        "created_at": now,
                        "updated_at": now,
                    }
                ],
            )
    finally:
        upgrade()
    terms = db.session.scalars(
        sa.select(customer_search_term.c.term).where(customer_search_term.c.customer_id == "cust-1")
    ).all()
    assert {"n:paul", "n:o", "n:brien", "n:ramirez", "n:obrienramirez"} <= set(terms)
    assert {"e:paul@hotel.example", "d:hotel.example", "p:18765550123", "p:0123"} <= set(terms)
    assert "p:23" not in terms
