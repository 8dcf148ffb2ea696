"""Every limit has one source: the column a value is stored in.

Forms, service rules, the CSV import and the API schemas ask here for a column's longest text or
its integer range, so that a value the database would refuse (a 500 on PostgreSQL, or kept as it
is by SQLite) is refused first, with a message at the field. No Flask or WTForms here: the rules
layer uses it too.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import BigInteger, Column, Integer, SmallInteger
from sqlalchemy.types import TypeDecorator, TypeEngine

NUL_MESSAGE = "Remove the NUL character: it cannot be stored."
EXCERPT = 40

# Signed ranges of the integer column types, widest first (BigInteger subclasses Integer).
_BITS = ((BigInteger, 64), (SmallInteger, 16), (Integer, 32))


def _type(column: Any) -> TypeEngine:
    """The type of a mapped attribute (`Customer.city`), a Column or a type itself."""
    if isinstance(column, TypeEngine):
        kind = column
    elif isinstance(column, Column):
        kind = column.type
    else:
        kind = column.property.columns[0].type
    return kind.impl_instance if isinstance(kind, TypeDecorator) else kind


def max_length(column: Any) -> int | None:
    """The most characters the column holds, or None for unbounded text."""
    return getattr(_type(column), "length", None)


def integer_range(column: Any) -> tuple[int, int]:
    """The smallest and largest value of an integer column (its type's, on every database)."""
    kind = _type(column)
    for base, bits in _BITS:
        if isinstance(kind, base):
            return -(2 ** (bits - 1)), 2 ** (bits - 1) - 1
    raise TypeError(f"{kind!r} is not an integer type")


# Integers kept inside JSON (customers' type data) are compared as INTEGER by the segment rules.
INTEGER = integer_range(Integer())


def excerpt(value: str, length: int = EXCERPT) -> str:
    """A rejected value as a message may quote it: never the whole of a long one."""
    return value if len(value) <= length else f"{value[:length]}… ({len(value):,} characters)"


def text_error(value: str | None, maximum: int | None) -> str | None:
    """Why `value` cannot be stored in a text of at most `maximum` characters, or None."""
    if value is None:
        return None
    if "\x00" in value:
        return NUL_MESSAGE
    if maximum is not None and len(value) > maximum:
        return f"Use at most {maximum:,} characters (this has {len(value):,})."
    return None


def column_text_error(column: Any, value: str | None) -> str | None:
    return text_error(value, max_length(column))


def range_error(value: int, low: int, high: int) -> str | None:
    if low <= value <= high:
        return None
    return f"Enter a whole number from {low:,} to {high:,}."


def column_range_error(column: Any, value: int | None) -> str | None:
    return None if value is None else range_error(value, *integer_range(column))


def whole_number(text: str) -> int | None:
    """The integer that `text` writes in ASCII digits, or None: `str.isdigit` also accepts
    "²" and other digits that `int` refuses."""
    text = text.strip()
    return int(text) if text.isascii() and text.isdigit() else None


# Deeper JSON than this is refused: no API body nests more than a few levels, and a deep one
# would exhaust the recursion of whatever walks it next (schema checks, encoders).
JSON_DEPTH = 32


def json_loads(text: str | bytes) -> object:
    """`json.loads`, refusing (ValueError) what no column or schema could take: nesting deeper
    than JSON_DEPTH and strings holding a NUL character."""
    try:
        value = json.loads(text)
    except RecursionError:
        raise ValueError(f"nested deeper than {JSON_DEPTH} levels") from None
    pending = [(value, 1)]
    while pending:
        item, depth = pending.pop()
        if isinstance(item, str):
            if "\x00" in item:
                raise ValueError("a string holds a NUL character (\\u0000)")
        elif isinstance(item, dict | list):
            if depth > JSON_DEPTH:
                raise ValueError(f"nested deeper than {JSON_DEPTH} levels")
            children = [*item, *item.values()] if isinstance(item, dict) else item
            pending.extend((child, depth + 1) for child in children)
    return value
