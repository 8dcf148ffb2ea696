"""Counters kept by adding deltas: the rollup tables the dashboards read are upserted with
`counts + excluded.counts`, so an incremental refresh adds what changed and a rebuild inserts
totals through the same statement; `PerCustomer` keeps such sums through a row per customer."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from sqlalchemy import (
    ARRAY,
    ColumnElement,
    Date,
    Integer,
    Select,
    Table,
    any_,
    bindparam,
    delete,
    func,
    literal,
    or_,
    select,
    true,
    union_all,
)
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
class Sum:
    """A table of sums over the fact rows: per value of the fact columns `keys` (the table's
    first columns, in order), the number of customers and the sum of each of `counts` (the
    table's other columns, in order)."""

    model: type
    keys: tuple[str, ...]
    counts: tuple[str, ...] = ()

    def adding(self, rows: Select, *, sign: ColumnElement | int, having: bool):
        """The statement adding to the table the fact rows of `rows` (a select or CTE of
        fact columns), times `sign` (a column of the rows, or a number); `having` leaves out
        the keys whose counts do not move."""
        table = self.model.__table__
        keys = [rows.c[name] for name in self.keys]
        sums = [
            func.sum(sign).cast(Integer)
            if isinstance(sign, ColumnElement)
            else (func.count() * sign).cast(Integer),
            *[func.sum(rows.c[name] * sign).cast(Integer) for name in self.counts],
        ]
        query = select(*keys, *sums).group_by(*keys)
        if having:
            query = query.having(or_(*[total != 0 for total in sums]))
        else:
            # Stored in key order by a rebuild: a range of days then reads adjacent pages,
            # not one page per row (an 11-month range read 40,000 scattered rows in 0.5 s
            # at 1M customers).
            query = query.order_by(*keys)
        names = [c.name for c in table.columns][: len(self.keys)]
        return adding(table, names, query)


@dataclass(frozen=True, eq=False)
class PerCustomer:
    """Counters kept through a row per customer of what it adds to them (`fact`, keyed by
    customer_id): a change to some customers subtracts their old rows from the sums,
    recomputes the rows from the source tables and adds them back, set-based; on PostgreSQL
    in one statement (a registration's upkeep was six)."""

    fact: type  # the model of the fact rows
    customer_id: ColumnElement  # the id column of the customers the facts are about
    rows: Callable[[ColumnElement], Select]  # the fact rows of the customers selected
    sums: tuple[Sum, ...]
    _compiled: dict = field(default_factory=dict)  # the statements for one id, for a list

    def _chosen(
        self, customer_ids: Sequence[str] | None, where: ColumnElement | None
    ) -> ColumnElement | None:
        return self.customer_id.in_(customer_ids) if customer_ids is not None else where

    def _mine(self, chosen: ColumnElement) -> ColumnElement:
        """The fact rows of the customers `chosen` selects."""
        return self.fact.customer_id.in_(select(self.customer_id).where(chosen))

    def add(self, sign: int, selection: ColumnElement) -> None:
        """Add the fact rows `selection` selects, times `sign`, to every sum."""
        rows = select(self.fact).where(selection).subquery("facts")
        for total in self.sums:
            db.session.execute(total.adding(rows, sign=sign, having=False))

    def refresh(
        self, customer_ids: Sequence[str] | None = None, *, where: ColumnElement | None = None
    ) -> None:
        """The named customers (or those matching `where`) changed: move their rows and the
        sums."""
        chosen = self._chosen(customer_ids, where)
        if chosen is None:
            return
        db.session.flush()  # what the use case just added counts
        if db.session.get_bind().dialect.name == "postgresql":
            if customer_ids is None:
                db.session.execute(self._moving(chosen))
            else:
                sql, params = self._named(len(customer_ids) == 1)
                ids = customer_ids[0] if len(customer_ids) == 1 else list(customer_ids)
                connection = db.session.connection()
                connection.exec_driver_sql(sql, {**params, "customer_ids": ids})
            return
        mine = self._mine(chosen)
        self.add(-1, mine)
        db.session.execute(delete(self.fact).where(mine))
        insert_rows(self.fact.__table__, self.rows(chosen))
        self.add(1, mine)

    def _moving(self, chosen: ColumnElement):
        """PostgreSQL: `refresh` as one statement: the old fact rows and the new ones are read
        from the statement's snapshot, the new ones written over the old, and their difference
        added to every sum, skipping the counters it leaves as they were."""
        table = self.fact.__table__
        names = [c.name for c in table.columns]
        new = self.rows(chosen).cte("new")
        old = select(table).where(self._mine(chosen)).cte("old")
        insert = upsert(table)
        written = (
            insert.from_select(names, select(new))
            .on_conflict_do_update(
                index_elements=["customer_id"],
                set_={n: insert.excluded[n] for n in names if n != "customer_id"},
            )
            .cte("written")
        )
        delta = union_all(select(new, literal(1).label("sign")), select(old, literal(-1))).cte(
            "delta"
        )
        *first, last = [total.adding(delta, sign=delta.c.sign, having=True) for total in self.sums]
        return last.add_cte(written, *[s.cte(f"sum_{n}") for n, s in enumerate(first)])

    def _named(self, one: bool) -> tuple[str, dict]:
        """`_moving` for one customer id or a list of them, compiled once per process:
        SQLAlchemy caches no PostgreSQL INSERT (its ON CONFLICT form), so it compiled the
        statement on every registration, which cost as much as running it. One id is compared
        with `=`, not `= ANY`: psycopg prepares a statement run often, and PostgreSQL then
        keeps a generic plan for `id = $1`, but planned `= ANY($1)` afresh each time (it costs
        a generic array at ten ids): 0.26 against 0.8 ms a statement (1M customers)."""
        if one not in self._compiled:
            if one:
                chosen = self.customer_id == bindparam("customer_ids", type_=self.customer_id.type)
            else:
                ids = bindparam("customer_ids", type_=ARRAY(self.customer_id.type))
                chosen = self.customer_id == any_(ids)
            compiled = self._moving(chosen).compile(dialect=db.session.get_bind().dialect)
            self._compiled[one] = (str(compiled), dict(compiled.params))
        return self._compiled[one]

    @property
    def models(self) -> tuple[type, ...]:
        """The fact rows' model and the sums' models."""
        return (self.fact, *(total.model for total in self.sums))

    def rebuild(self) -> None:
        """The fact rows and their sums from the source tables."""
        for model in self.models:
            db.session.execute(delete(model))
        insert_rows(self.fact.__table__, self.rows(true()))
        self.add(1, true())
