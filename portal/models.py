"""Declarative base, constraint naming convention, shared column types and the small helpers
every area's models and queries use (utcnow, new_uuid, among). Bulk loading is portal.bulk."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from datetime import UTC, datetime
from enum import StrEnum

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    DateTime,
    Enum,
    Integer,
    MetaData,
    String,
    TypeDecorator,
    any_,
    bindparam,
)
from sqlalchemy.dialects.postgresql import ARRAY
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


UUID_LENGTH = 36
Uuid = String(UUID_LENGTH)
# 64-bit ids for tables that grow without bound; SQLite only auto-increments an INTEGER
# PRIMARY KEY.
BigId = BigInteger().with_variant(Integer, "sqlite")
