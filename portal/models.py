"""Declarative base, constraint naming convention and shared column types."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Collection, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from enum import StrEnum
from operator import itemgetter

from psycopg import Copy
from psycopg.types.json import Json
from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Connection,
    DateTime,
    Enum,
    Integer,
    MetaData,
    String,
    Table,
    TypeDecorator,
    any_,
    bindparam,
    insert,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql.psycopg import PGDialect_psycopg
from sqlalchemy.orm import DeclarativeBase

# Named constraints so that migrations can drop and alter them on every backend.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def utcnow() -> datetime:
    return datetime.now(UTC)


def new_uuid() -> str:
    """Ids that appear in URLs are random, never guessable sequence numbers."""
    return str(uuid.uuid4())


class UTCDateTime(TypeDecorator):
    """Always-aware UTC timestamps, also on SQLite (which drops the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None:
            if value.tzinfo is None:
                raise ValueError("naive datetime; store UTC-aware values")
            value = value.astimezone(UTC)
            if dialect.name == "sqlite":
                value = value.replace(tzinfo=None)
        return value

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value


def string_enum(values: type[StrEnum], length: int = 40) -> Enum:
    """An enum stored as VARCHAR on every backend: adding a value later needs no ALTER TYPE."""
    return Enum(
        values,
        native_enum=False,
        length=length,
        validate_strings=True,
        values_callable=lambda members: [m.value for m in members],
    )


def among(column: ColumnElement, values: Collection) -> ColumnElement[bool]:
    """`column IN values` for long lists (a batch's ids): on PostgreSQL `= ANY(array)`, one
    parameter, where a placeholder per value cost more to render and parse than the look-up."""
    from portal.extensions import db  # the session's database; extensions imports this module

    if db.session.get_bind().dialect.name == "postgresql":
        return column == any_(bindparam(None, list(values), type_=ARRAY(column.type)))
    return column.in_(list(values))


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


def _prepared(table: Table, first: dict, dialect) -> tuple[tuple[str, ...], Callable, bool]:
    """The columns of `first`, a function of a row giving their values as the database takes
    them, and whether any column has a processor. The values come in one C call; only columns
    with a processor cost a Python call per row, where a comprehension called through every
    column."""
    columns = tuple(column.name for column in table.columns if column.name in first)
    values = itemgetter(*columns) if len(columns) > 1 else lambda row: (row[columns[0]],)
    processors = [
        (at, process)
        for at, column in enumerate(table.columns[name] for name in columns)
        if (process := column.type._cached_bind_processor(dialect))
    ]
    if not processors:
        return columns, values, False

    def record(row: dict) -> list:
        processed = list(values(row))
        for at, process in processors:
            processed[at] = process(processed[at])
        return processed

    return columns, record, True


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


UUID_LENGTH = 36
Uuid = String(UUID_LENGTH)
# 64-bit ids for tables that grow without bound; SQLite only auto-increments an INTEGER
# PRIMARY KEY.
BigId = BigInteger().with_variant(Integer, "sqlite")
