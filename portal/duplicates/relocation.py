"""Moving every row of a merged (secondary) customer to the survivor, and back.

The references are found by reflecting the metadata: every column with a foreign key to
customer.id, and every column named customer_id (the derived tables that keep no foreign key,
such as the segment history), so a table added later is covered without touching this module;
`tests/unit/duplicates/test_references.py` fails when a reference is neither moved nor listed in
NOT_MOVED. A row that cannot move because the survivor has its counterpart (a second preference
row, a second metrics row: a primary key or unique constraint with the customer in it) is kept
in the undo record and deleted; the survivor keeps its own. Rows are kept as stored (ciphertext
stays ciphertext), so an undo writes back exactly what was there.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from functools import cache

from sqlalchemy import (
    Column,
    ColumnElement,
    MetaData,
    Table,
    TypeDecorator,
    and_,
    delete,
    exists,
    insert,
    or_,
    select,
    true,
    tuple_,
    update,
)
from sqlalchemy.types import TypeEngine

from portal.extensions import db

# Columns naming a customer that a merge leaves alone, and why.
# (This area's own tables name customers in columns of other names, resolved by the merge.)
NOT_MOVED = {
    "customer_search_term.customer_id": "derived from the customer row: re-indexed instead",
    "dsar_export.customer_id": "an export already given to the person, about that record",
}
# Tables where a row of each customer cannot be resolved by keeping the survivor's: refuse.
REFUSE_ON_CONFLICT = {
    "org_node": "Both customers are organisation members; move one out of its organisation first."
}


@dataclass(frozen=True)
class Reference:
    table: Table
    column: Column
    # Column sets, besides `column`, that are unique together with it.
    unique_with: tuple[tuple[Column, ...], ...]

    @property
    def name(self) -> str:
        return f"{self.table.name}.{self.column.name}"


def names_customer(column: Column) -> bool:
    return column.name == "customer_id" or any(
        fk.target_fullname == "customer.id" for fk in column.foreign_keys
    )


def _unique_sets(table: Table, column: Column) -> tuple[tuple[Column, ...], ...]:
    sets = [tuple(table.primary_key.columns)]
    sets += [
        tuple(c.columns) for c in table.constraints if c.__class__.__name__ == "UniqueConstraint"
    ]
    sets += [tuple(i.columns) for i in table.indexes if i.unique]
    return tuple(tuple(c for c in s if c is not column) for s in sets if column in s)


def customer_columns() -> list[str]:
    """Every column that names a customer ("table.column")."""
    return [
        f"{t.name}.{c.name}"
        for t in db.metadata.sorted_tables
        for c in t.columns
        if names_customer(c)
    ]


def references() -> list[Reference]:
    """The columns a merge moves, in dependency order."""
    return [
        Reference(table, column, _unique_sets(table, column))
        for table in db.metadata.sorted_tables
        for column in table.columns
        if names_customer(column) and f"{table.name}.{column.name}" not in NOT_MOVED
    ]


def _stored_type(type_: TypeEngine) -> TypeEngine:
    return type_.impl_instance if isinstance(type_, TypeDecorator) else type_


@cache
def stored(table_name: str) -> Table:
    """The table with its columns' storage types: ciphertext in, ciphertext out."""
    table = db.metadata.tables[table_name]
    return Table(
        table.name,
        MetaData(),
        *(Column(c.name, _stored_type(c.type), primary_key=c.primary_key) for c in table.columns),
    )


def to_json(value: object) -> object:
    if isinstance(value, datetime | date):
        return {"$t": value.isoformat()}
    if isinstance(value, Decimal):
        return {"$d": str(value)}
    if isinstance(value, bytes):
        return {"$b": base64.b64encode(value).decode()}
    return value


def from_json(value: object) -> object:
    if isinstance(value, dict) and len(value) == 1:
        ((kind, text),) = value.items()
        if kind == "$t":
            return datetime.fromisoformat(text) if "T" in text else date.fromisoformat(text)
        if kind == "$d":
            return Decimal(text)
        if kind == "$b":
            return base64.b64decode(text)
    return value


def dump(table_name: str, where: Callable[[Table], ColumnElement]) -> list[dict]:
    """The rows `where(table)` picks, as stored, JSON-ready."""
    table = stored(table_name)
    query = select(table).where(where(table))
    return [{k: to_json(v) for k, v in row._mapping.items()} for row in db.session.execute(query)]


def restore(table_name: str, rows: list[dict]) -> None:
    if rows:
        db.session.execute(
            insert(stored(table_name)), [{k: from_json(v) for k, v in r.items()} for r in rows]
        )


def _key(ref: Reference) -> list[Column]:
    """What identifies a moved row once moved: its primary key without the customer column
    (empty when the customer is the whole key: the survivor's only row of that table)."""
    return [c for c in ref.table.primary_key.columns if c is not ref.column]


def conflicting(ref: Reference, secondary_id: str, primary_id: str):
    """The secondary's rows whose move would collide with a row of the primary, as a
    condition on `table` (the table itself or its stored form); None when none can."""
    if not ref.unique_with:
        return None

    def where(table: Table) -> ColumnElement:
        other = ref.table.alias("survivor")
        clashes = []
        for columns in ref.unique_with:
            same = [other.c[ref.column.name] == primary_id]
            same += [other.c[c.name] == table.c[c.name] for c in columns]
            clashes.append(exists().where(and_(*same)))
        return and_(table.c[ref.column.name] == secondary_id, or_(*clashes))

    return where


def move(secondary_id: str, primary_id: str) -> tuple[dict, dict]:
    """Move every reference; the undo record's parts: the moved rows' keys and the rows that
    were deleted because the primary has their counterpart. Raises ValueError(table) when a
    table of REFUSE_ON_CONFLICT has a row of each."""
    moved: dict[str, list] = {}
    removed: dict[str, list] = {}
    for ref in references():
        clash = conflicting(ref, secondary_id, primary_id)
        if clash is not None:
            rows = dump(ref.table.name, clash)
            if rows and ref.table.name in REFUSE_ON_CONFLICT:
                raise ValueError(ref.table.name)
            if rows:
                removed.setdefault(ref.table.name, []).extend(rows)
                db.session.execute(delete(ref.table).where(clash(ref.table)))
        key = _key(ref)
        keys = [
            [to_json(v) for v in row]
            for row in db.session.execute(
                select(*key, ref.column).where(ref.column == secondary_id)
            )
        ]
        if keys:
            moved[ref.name] = keys
            db.session.execute(
                update(ref.table).where(ref.column == secondary_id).values({ref.column: primary_id})
            )
    return moved, removed


def move_back(secondary_id: str, primary_id: str, moved: dict, removed: dict) -> None:
    """Reverse `move`: the moved rows that still exist go back, the deleted rows return."""
    by_name = {ref.name: ref for ref in references()}
    for name, keys in moved.items():
        ref = by_name[name]
        key = _key(ref)
        for chunk in range(0, len(keys), 500):
            values = [tuple(from_json(v) for v in k[:-1]) for k in keys[chunk : chunk + 500]]
            if not key:
                match = true()
            elif len(key) == 1:
                match = key[0].in_([v[0] for v in values])
            else:
                match = tuple_(*key).in_(values)
            db.session.execute(
                update(ref.table)
                .where(match, ref.column == primary_id)
                .values({ref.column: secondary_id})
            )
    for table in db.metadata.sorted_tables:  # parents before children
        restore(table.name, removed.get(table.name, []))


def single_rows(customer_id: str) -> dict[str, dict]:
    """The customer's row of each table holding one row per customer (the customer is its whole
    key: metrics, a points account), as stored."""
    found = {}
    for ref in references():
        if not _key(ref):
            rows = dump(ref.table.name, lambda t, ref=ref: t.c[ref.column.name] == customer_id)
            if rows:
                found[ref.table.name] = rows[0]
    return found


def rewritten(before: dict[str, dict], after: dict[str, dict]) -> dict[str, list]:
    """The rows a merge's listeners rewrote (customers.hooks.on_customers_merged: the survivor's
    metrics now those of both), table → [row before or None, row after], for the undo."""
    return {
        name: [before.get(name), after[name]] for name in after if before.get(name) != after[name]
    }


def _number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def restore_rewritten(customer_id: str, rows: dict[str, list]) -> None:
    """Undo `rewritten`: a row unchanged since the merge is written back as it was before; a row
    changed since keeps what happened meanwhile — a number gets its value before the merge plus
    what it gained since, any other column its new value if it has one, else its old one."""
    by_table = {ref.table.name: ref for ref in references()}
    for name, (before, after) in rows.items():
        column = by_table[name].column.name
        table = stored(name)
        now = dump(name, lambda t, column=column: t.c[column] == customer_id)
        if not now:
            continue  # gone since (erased): nothing to give back
        (now,) = now
        if now == after:
            values = before
        else:
            old = before or {}
            values = {
                c: (old.get(c) or 0) + now[c] - after[c]
                if _number(now[c]) and _number(after[c])
                else (old[c] if now[c] == after[c] and c in old else now[c])
                for c in now
            }
        db.session.execute(delete(table).where(table.c[column] == customer_id))
        if values:
            restore(name, [values])
