"""Bulk loading: many rows at once, by COPY on PostgreSQL and one multi-row INSERT elsewhere.

Values go through each column type's bind processor (encryption, JSON, UTC) exactly as an
INSERT would send them; only SQLAlchemy's public type API is used to find those processors.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from operator import itemgetter

import numpy as np
from psycopg import Copy
from psycopg.types.json import Json
from sqlalchemy import Connection, Engine, String, Table, insert, text
from sqlalchemy.dialects.postgresql.psycopg import PGDialect_psycopg
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeEngine


@dataclass(frozen=True)
class CopyText:
    """Rows in PostgreSQL's COPY text format, as `copy_text` makes them for `bulk_insert`."""

    columns: tuple[str, ...]
    data: bytes
    count: int

    def __len__(self) -> int:
        return self.count


def bulk_insert(connection: Connection, table: Table, rows: Sequence[dict] | CopyText) -> None:
    """Many rows at once: COPY on PostgreSQL (several times faster than INSERT), one multi-row
    INSERT elsewhere. COPY sends the columns of the first row (the others take their server
    default or NULL), each value through its column type's bind processor first (encryption,
    JSON, UTC), exactly as an INSERT would send it; or the text `copy_text` made of them."""
    if not rows:
        return
    if isinstance(rows, CopyText):
        with _copy(connection, table, rows.columns) as copy:
            copy.write(rows.data)
        return
    if connection.dialect.name != "postgresql":
        connection.execute(insert(table), list(rows))
        return
    columns, record, _processed = _prepared(table, rows[0], connection.dialect)
    with _copy(connection, table, columns) as copy:
        for row in rows:
            copy.write_row(record(row))


COLUMN_BATCH = 50_000  # rows made into Python values at a time by bulk_insert_columns


def bulk_insert_columns(
    connection: Connection, table: Table, columns: dict[str, Sequence | np.ndarray]
) -> None:
    """Many rows given column by column, each a list or a numpy array of values as the database
    takes them (no bind processor runs: enum values as strings, aware UTC datetimes): COPY on
    PostgreSQL, multi-row INSERTs elsewhere. Made from arrays, a million rows cost no dict and
    no Python call per value, and only COLUMN_BATCH rows of Python values are held at once."""
    count = len(next(iter(columns.values()), ()))
    if connection.dialect.name != "postgresql":
        for start in range(0, count, COLUMN_BATCH):
            rows = _column_batch(columns, start)
            connection.execute(
                insert(table), [dict(zip(columns, row, strict=True)) for row in rows]
            )
        return
    with _copy(connection, table, tuple(columns)) as copy:
        for start in range(0, count, COLUMN_BATCH):
            for row in _column_batch(columns, start):
                copy.write_row(row)


def _column_batch(columns: dict[str, Sequence | np.ndarray], start: int) -> Iterator[tuple]:
    part = slice(start, start + COLUMN_BATCH)
    values = [c[part].tolist() if isinstance(c, np.ndarray) else c[part] for c in columns.values()]
    return zip(*values, strict=True)


def vacuum_analyze(engine: Engine, *tables: Table) -> None:
    """After a bulk load, outside any transaction: on PostgreSQL VACUUM as well as ANALYZE, so
    the visibility map is set and index-only scans read no table pages (the duplicate check's
    name look-up: 46 → 12 ms at 1M customers; autovacuum may take hours to come round)."""
    with engine.connect() as connection:
        if connection.dialect.name != "postgresql":
            analyze(connection, *tables)
            connection.commit()
            return
        names = ", ".join(connection.dialect.identifier_preparer.format_table(t) for t in tables)
        connection.execution_options(isolation_level="AUTOCOMMIT").execute(
            text(f"VACUUM (ANALYZE) {names}".strip())
        )


def analyze(connection: Connection, *tables: Table) -> None:
    """Fresh planner statistics for what was just loaded (every table when none are named):
    before them PostgreSQL plans a million rows as if the tables were empty, and autovacuum
    may take minutes to come round."""
    names = [connection.dialect.identifier_preparer.format_table(t) for t in tables]
    if connection.dialect.name != "postgresql":  # SQLite's ANALYZE takes one name
        for name in names or [""]:
            connection.execute(text(f"ANALYZE {name}".strip()))
        return
    connection.execute(text(f"ANALYZE {', '.join(names)}".strip()))


def copy_text(table: Table, rows: Sequence[dict]) -> CopyText:
    """The rows as `bulk_insert` would send them to PostgreSQL, made without a connection, so
    that another process can format rows while the loading one sends earlier ones. In a
    process without the app, not for a column whose processor needs it (EncryptedString)."""
    if not rows:
        return CopyText((), b"", 0)
    columns, record, processed = _prepared(table, rows[0], _PSYCOPG)
    # Rows of strings (the search terms) are joined as they are when they can be: a few times
    # faster than value by value.
    strings = not processed and all(isinstance(table.c[name].type, String) for name in columns)
    tabs = len(columns) - 1
    lines = []
    for row in rows:
        values = record(row)
        line = strings and _plain_line(values, tabs)
        lines.append(line or "\t".join(map(_copy_field, values)))
    lines.append("")
    return CopyText(columns, "\n".join(lines).encode(), len(rows))


_PSYCOPG = PGDialect_psycopg()
_NUMBERS = (int, float, Decimal)
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _prepared(
    table: Table, first: dict, dialect: Dialect
) -> tuple[tuple[str, ...], Callable, bool]:
    """The columns of `first`, a function of a row giving their values as the database takes
    them, and whether any column has a processor. The values come in one C call; only columns
    with a processor cost a Python call per row, where a comprehension called through every
    column."""
    columns = tuple(column.name for column in table.columns if column.name in first)
    values = itemgetter(*columns) if len(columns) > 1 else lambda row: (row[columns[0]],)
    processors = [
        (at, process)
        for at, column in enumerate(table.columns[name] for name in columns)
        if (process := _bind_processor(column.type, dialect))
    ]
    if not processors:
        return columns, values, False

    def record(row: dict) -> list:
        processed = list(values(row))
        for at, process in processors:
            processed[at] = process(processed[at])
        return processed

    return columns, record, True


def _bind_processor(type_: TypeEngine, dialect: Dialect) -> Callable | None:
    """What the dialect does to a value of this type before sending it: the dialect's own
    implementation of the type (PostgreSQL's JSON for JSON, say), whose processor also runs a
    TypeDecorator's `process_bind_param`; None when the value is sent as it is."""
    return type_.dialect_impl(dialect).bind_processor(dialect)


@contextmanager
def _copy(connection: Connection, table: Table, columns: Sequence[str]) -> Iterator[Copy]:
    quoted = ", ".join(connection.dialect.identifier_preparer.quote(name) for name in columns)
    cursor = connection.connection.driver_connection.cursor()
    with cursor, cursor.copy(f"COPY {table.name} ({quoted}) FROM STDIN") as copy:
        yield copy


def _plain_line(record: Sequence, tabs: int) -> str | None:
    """The record's values joined, if all are strings that COPY reads as they are."""
    try:
        line = "\t".join(record)
    except TypeError:  # a NULL, or not a string
        return None
    if "\\" in line or "\n" in line or "\r" in line or line.count("\t") != tabs:
        return None
    return line


def _copy_field(value) -> str:
    """One value in COPY's text format; psycopg's own formatter needs a connection."""
    if value is None:
        return "\\N"
    if isinstance(value, Json):
        value = (value.dumps or json.dumps)(value.obj)
    if isinstance(value, str):
        if "\\" in value or "\t" in value or "\n" in value or "\r" in value:
            return value.translate(_COPY_ESCAPES)
        return value
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, _NUMBERS):
        return str(value)
    raise TypeError(f"no COPY text for {type(value).__name__}")
