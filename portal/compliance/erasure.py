"""Erasing a customer's personal data everywhere the registry says it lives.

Set-wise per table: NULL/REWRITE columns in one UPDATE, rows deleted in one DELETE; SCRUB
columns (free text, JSON payloads) are rewritten row by row with the customer's own values
masked. Rows under a retention exception stay and are reported with their legal basis and the
date until which they are kept. Then every SCRUB column of every registered table is searched
for the person's quoted values (names, e-mails, phones, streets, tax ids) that staff may have
typed anywhere, and those rows are masked too. Runs inside the caller's transaction.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta

from sqlalchemy import Text, and_, cast, delete, func, or_, select, update

from portal.compliance.locations import ERASED
from portal.compliance.registry import Location, Strategy, locations
from portal.compliance.values import DataCategory
from portal.customers import rollups as customer_rollups
from portal.extensions import db

# Short values ("NY", "US") identify no one and would mask unrelated text.
MIN_SCRUB_LENGTH = 3
# Categories whose text quotes values of all the others: always scrubbed of the erased values.
CONTAINERS = frozenset({DataCategory.EVENTS, DataCategory.ACCESS_LOG})


def _strings(value) -> Iterable[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _strings(item)


def _erased_columns(location: Location) -> list[str]:
    if location.delete_rows:
        return [f.column for f in location.fields]
    return [f.column for f in location.fields if f.strategy in (Strategy.NULL, Strategy.REWRITE)]


def _variants(values: set[str]) -> set[str]:
    """The values and their JSON-escaped spelling, as event bodies stored as text hold them."""
    return values | {json.dumps(v)[1:-1] for v in values}


def personal_values(customer_id: str, scope: Iterable[Location]) -> tuple[set[str], set[str]]:
    """Every string the erasure removes (masked where the person's rows quote it), and the
    quoted ones among them (masked wherever any free text repeats them)."""
    found: set[str] = set()
    quoted: set[str] = set()
    for location in scope:
        columns = _erased_columns(location)
        if not columns:
            continue
        table = location.table_
        identifying = {f.column for f in location.fields if f.quoted}
        rows = db.session.execute(
            select(*(table.c[c] for c in columns)).where(location.rows_of(customer_id))
        )
        for row in rows:
            for column, value in zip(columns, row, strict=True):
                strings = {s.strip() for s in _strings(value) if len(s.strip()) >= MIN_SCRUB_LENGTH}
                found |= strings
                if column in identifying:
                    quoted |= strings
    return found, quoted


def scrubber(values: set[str]) -> Callable[[object], object]:
    if not values:
        return lambda value: value
    pattern = re.compile(
        "|".join(re.escape(v) for v in sorted(_variants(values), key=len, reverse=True)),
        re.IGNORECASE,
    )

    def scrub(value):
        if isinstance(value, str):
            return pattern.sub(ERASED, value)
        if isinstance(value, dict):
            return {k: scrub(v) for k, v in value.items()}
        if isinstance(value, list):
            return [scrub(v) for v in value]
        return value

    return scrub


def _line(location: Location, column: str, action: str, rows: int, **extra) -> dict:
    return {
        "table": location.table,
        "column": column,
        "category": location.category.value,
        "action": action,
        "rows": rows,
        **extra,
    }


def _retained(location: Location, customer_id: str, now: datetime) -> tuple[list[dict], object]:
    """Lines for rows kept under the retention exception, and the where-clause of the rest."""
    retention = location.retention
    where = location.rows_of(customer_id)
    if retention is None:
        return [], where
    since = location.table_.c[retention.since]
    cutoff = now - timedelta(days=365 * retention.years)
    kept = and_(where, since >= cutoff)
    count, latest = db.session.execute(select(func.count(), func.max(since)).where(kept)).one()
    lines = []
    if count:
        until = latest + timedelta(days=365 * retention.years)
        lines.append(
            _line(
                location,
                "*",
                "retained",
                count,
                basis=retention.basis,
                retained_until=until.date().isoformat(),
            )
        )
    return lines, and_(where, since < cutoff)


def _scrub_rows(location: Location, where, columns: list[str], scrub) -> int:
    table = location.table_
    keys = list(table.primary_key.columns)
    changed = 0
    for row in db.session.execute(select(*keys, *(table.c[c] for c in columns)).where(where)):
        key_values, current = row[: len(keys)], row[len(keys) :]
        new = {c: scrub(v) for c, v in zip(columns, current, strict=True)}
        if new != dict(zip(columns, current, strict=True)):
            db.session.execute(
                update(table)
                .where(*(k == v for k, v in zip(keys, key_values, strict=True)))
                .values(new)
            )
            changed += 1
    return changed


def _erase_location(location: Location, customer_id: str, scrub, now: datetime) -> list[dict]:
    lines, where = _retained(location, customer_id, now)
    table = location.table_
    if location.delete_rows or location.retention is not None:
        deleted = db.session.execute(delete(table).where(where)).rowcount
        if deleted or not lines:
            lines.append(_line(location, "*", "deleted", deleted))
        return lines
    rewrites = {
        f.column: f.placeholder
        for f in location.fields
        if f.strategy in (Strategy.NULL, Strategy.REWRITE)
    }
    if location.version_column:
        rewrites[location.version_column] = table.c[location.version_column] + 1
    if rewrites:
        count = db.session.execute(update(table).where(where).values(rewrites)).rowcount
        for f in location.fields:
            if f.column in rewrites:
                action = "nulled" if f.strategy is Strategy.NULL else "anonymized"
                lines.append(_line(location, f.column, action, count))
    scrubbed = [f.column for f in location.fields if f.strategy is Strategy.SCRUB]
    if scrubbed:
        count = _scrub_rows(location, where, scrubbed, scrub)
        lines.extend(_line(location, c, "masked", count) for c in scrubbed)
    for f in location.fields:
        if f.strategy is Strategy.KEEP:
            lines.append(_line(location, f.column, "retained", 0, basis=f.why))
    return lines


def _quoting(location: Location, columns: list[str], values: set[str]):
    """Rows whose `columns` contain one of `values` (case-insensitive, in SQL)."""
    table = location.table_
    return or_(
        *(
            func.lower(cast(table.c[column], Text)).contains(value.lower(), autoescape=True)
            for column in columns
            for value in _variants(values)
        )
    )


def _scrub_quotes(quoted: set[str]) -> list[dict]:
    """Mask the person's quoted values in the free text of every registered table."""
    if not quoted:
        return []
    scrub = scrubber(quoted)
    lines = []
    for location in locations():
        columns = [f.column for f in location.fields if f.strategy is Strategy.SCRUB]
        if not columns:
            continue
        count = _scrub_rows(location, _quoting(location, columns, quoted), columns, scrub)
        if count:
            lines.extend(_line(location, c, "masked where quoted", count) for c in columns)
    return lines


def erase(customer_id: str, categories: Iterable[DataCategory], now: datetime) -> list[dict]:
    """Erase the customer's data of `categories`; returns the receipt lines, one per field."""
    chosen = set(categories)
    scope = locations(chosen)
    values, quoted = personal_values(customer_id, scope)
    scrub = scrubber(values)
    containers = [loc for loc in locations(CONTAINERS) if loc.category not in chosen]
    lines: list[dict] = []
    for location in [*scope, *containers]:
        lines.extend(_erase_location(location, customer_id, scrub, now))
    # Erased contact details and addresses count as missing in the data-quality sums.
    customer_rollups.refresh([customer_id])
    return lines + _scrub_quotes(quoted)
