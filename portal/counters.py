"""Counters kept by adding deltas: the rollup tables the dashboards read are upserted with
`counts + excluded.counts`, so an incremental refresh adds what changed and a rebuild inserts
totals through the same statement."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import ColumnElement, Date, Select, Table, func
from sqlalchemy.dialects import postgresql, sqlite

from portal.extensions import db


def upsert(table: Table):
    """An INSERT that takes ON CONFLICT, in the session's dialect."""
    dialect = postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite
    return dialect.insert(table)


def adding(table: Table, keys: Sequence[str], rows: Select):
    """The statement adding `rows` (the key columns, then the counts, in the table's column
    order) to the counters of `table`; a key not there yet starts from the row's counts."""
    names = [c.name for c in table.columns]
    insert = upsert(table)
    return insert.from_select(names, rows).on_conflict_do_update(
        index_elements=list(keys),
        set_={n: table.c[n] + insert.excluded[n] for n in names if n not in keys},
    )


def add_to(table: Table, keys: Sequence[str], rows: Select) -> None:
    """Run `adding`."""
    db.session.execute(adding(table, keys, rows))


def utc_day(moment: ColumnElement) -> ColumnElement:
    """The UTC calendar day of a stored moment (SQLite keeps UTC without the zone)."""
    if db.session.get_bind().dialect.name == "postgresql":
        return func.timezone("UTC", moment).cast(Date)
    return func.date(moment)
