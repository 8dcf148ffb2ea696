"""The schema is built only by migrations: they must create exactly what the models declare."""

from __future__ import annotations

import ast
import importlib.util
from pathlib import Path
from types import ModuleType

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from portal.customers import services
from portal.customers.models import customer_search_term
from portal.customers.values import ContactInfo
from portal.extensions import db
from tests.factories import new_customer

VERSIONS = Path(__file__).parents[2] / "migrations" / "versions"


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
    offenders = []
    for path in sorted(VERSIONS.glob("*.py")):
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


def test_search_terms_migration_indexes_the_customers_already_there(staff):
    customer = services.register_customer(
        staff,
        new_customer(
            name="Paul O'Brien-Ramírez",
            contact=ContactInfo(email="Paul@Hotel.example", phone="+18765550123"),
        ),
    )
    migration = _migration("0010_customer_search_terms.py")
    with db.engine.begin() as connection:
        connection.execute(sa.delete(customer_search_term))
        migration._index_existing_customers(connection)
        terms = connection.scalars(
            sa.select(customer_search_term.c.term).where(
                customer_search_term.c.customer_id == customer.id
            )
        ).all()
    assert {"n:paul", "n:o", "n:brien", "n:ramirez", "n:obrienramirez"} <= set(terms)
    assert {"e:paul@hotel.example", "d:hotel.example", "p:18765550123", "p:123"} <= set(terms)
    assert "p:23" not in terms


def _migration(name: str) -> ModuleType:
    """A migration module loaded from its file, as Alembic loads it."""
    spec = importlib.util.spec_from_file_location(name.removesuffix(".py"), VERSIONS / name)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
