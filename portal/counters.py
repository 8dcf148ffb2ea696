"""Counters kept by adding deltas: the rollup tables the dashboards read are upserted with
`counts + excluded.counts`, so an incremental refresh adds what changed and a rebuild inserts
totals through the same statement; `PerCustomer` keeps such sums through a row per customer."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Date, Select, Table, delete, func, select, true
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


def month_start(day: ColumnElement) -> ColumnElement:
    """The first day of a stored day's month."""
    if db.session.get_bind().dialect.name == "postgresql":
        return func.date_trunc("month", day).cast(Date)
    return func.date(day, "start of month")


def insert_rows(table: Table, rows: Select) -> None:
    """Insert `rows` (in the table's column order) into `table`."""
    db.session.execute(table.insert().from_select([c.name for c in table.columns], rows))


@dataclass(frozen=True)
class PerCustomer:
    """Counters kept through a row per customer of what it adds to them (`fact`, keyed by
    customer_id): a change to some customers subtracts their old rows from the sums,
    recomputes the rows from the source tables and adds them back, set-based."""

    fact: type  # the model of the fact rows
    customer_id: ColumnElement  # the id column of the customers the facts are about
    rows: Callable[[ColumnElement], Select]  # the fact rows of the customers selected
    add: Callable[[int, ColumnElement], None]  # adds the fact rows selected, times a sign
    sums: tuple[type, ...]  # the models `add` writes

    def chosen(
        self, customer_ids: Sequence[str] | None, where: ColumnElement | None
    ) -> ColumnElement | None:
        return self.customer_id.in_(customer_ids) if customer_ids is not None else where

    def mine(self, chosen: ColumnElement) -> ColumnElement:
        """The fact rows of the customers `chosen` selects."""
        return self.fact.customer_id.in_(select(self.customer_id).where(chosen))

    def refresh(
        self, customer_ids: Sequence[str] | None = None, *, where: ColumnElement | None = None
    ) -> None:
        """The named customers (or those matching `where`) changed: move their rows and the
        sums."""
        chosen = self.chosen(customer_ids, where)
        if chosen is None:
            return
        db.session.flush()  # what the use case just added counts
        mine = self.mine(chosen)
        self.add(-1, mine)
        db.session.execute(delete(self.fact).where(mine))
        insert_rows(self.fact.__table__, self.rows(chosen))
        self.add(1, mine)

    def rebuild(self) -> None:
        """The fact rows and their sums from the source tables."""
        for model in (self.fact, *self.sums):
            db.session.execute(delete(model))
        insert_rows(self.fact.__table__, self.rows(true()))
        self.add(1, true())
