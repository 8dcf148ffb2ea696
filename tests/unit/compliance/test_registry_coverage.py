"""Every table and every text/JSON column of the model is either in the erasure registry or
declared free of personal data, so a new one cannot escape erasure unnoticed."""

from __future__ import annotations

from sqlalchemy import JSON, Enum, String, TypeDecorator

from portal.compliance.registry import free_tables, locations
from portal.extensions import db


def _holds_text(column) -> bool:
    kind = column.type.impl_instance if isinstance(column.type, TypeDecorator) else column.type
    return isinstance(kind, String | JSON) and not isinstance(kind, Enum)


def _declarable(table) -> set[str]:
    """Text/JSON columns other than keys: ids are references, not personal values."""
    return {c.name for c in table.c if _holds_text(c) and not c.primary_key and not c.foreign_keys}


def _customer_linked(table) -> bool:
    return "customer_id" in table.c or any(
        fk.column.table.name == "customer" for fk in table.foreign_keys
    )


def test_every_table_is_registered_or_declared_free(app):
    registered = {location.table for location in locations()}
    free = free_tables()
    tables = set(db.metadata.tables)
    assert tables - registered - set(free) == set()
    assert (registered | set(free)) - tables == set()  # no declaration of a dropped table


def test_no_table_linked_to_customers_is_declared_free(app):
    linked = {t.name for t in db.metadata.tables.values() if _customer_linked(t)}
    assert linked & set(free_tables()) == set()


def test_every_text_and_json_column_is_declared(app):
    undeclared = {}
    for location in locations():
        declared = {f.column for f in location.fields} | set(location.plain)
        table = location.table_
        assert declared <= set(table.c.keys()), location.table
        if missing := _declarable(table) - declared:
            undeclared[location.table] = missing
    for name, free in free_tables().items():
        table = db.metadata.tables[name]
        assert set(free.columns) <= set(table.c.keys()), name
        if missing := _declarable(table) - set(free.columns):
            undeclared[name] = missing
    assert undeclared == {}


def test_the_walk_sees_text_json_and_encrypted_columns(app):
    customer = db.metadata.tables["customer"]
    found = _declarable(customer)
    assert {"name", "type_data", "tax_id"} <= found
    assert "customer_type" not in found  # a vocabulary
    assert "id" not in found
