"""The registry of where personal data lives: every table that holds data about a customer
declares here how it links to the customer and what erasure does to each of its columns.

Erasure, access exports and the "every table is covered" test all read this registry, so a new
table is handled correctly the moment it is registered, and is caught by the test until it is.
Areas register their own tables (`register(Location(...))` next to their models); the customer
area, segmentation, the outbox, the audit log and compliance itself are in `locations.py`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import ColumnElement, Table

from portal.compliance.values import DataCategory
from portal.extensions import db


class Strategy(StrEnum):
    NULL = "NULL"  # set to NULL
    REWRITE = "REWRITE"  # replace by a fixed placeholder
    DELETE = "DELETE"  # the whole row is deleted (declared on the Location)
    SCRUB = "SCRUB"  # text/JSON kept, but the customer's own values inside it are masked
    KEEP = "KEEP"  # kept as is: holds no personal data, or a legal basis requires it


@dataclass(frozen=True)
class Field:
    column: str
    strategy: Strategy
    placeholder: object = None
    # Secret identifiers (tax ids, codes) are never exported in clear (CCPA §7024(d)).
    exported: bool = True
    why: str = ""


@dataclass(frozen=True)
class Retention:
    """Rows kept despite an erasure, for `years` after the date in column `since`."""

    basis: str
    years: int
    since: str


@dataclass(frozen=True)
class Location:
    table: str
    category: DataCategory
    key: str = "customer_id"
    fields: tuple[Field, ...] = ()
    delete_rows: bool = False
    retention: Retention | None = None
    # A where-clause other than `key == customer id` (e.g. audit entries of a customer).
    link: Callable[[Table, str], ColumnElement] | None = None
    # Bumped by erasure so that an edit form opened before it cannot write old values back.
    version_column: str | None = None

    @property
    def table_(self) -> Table:
        return db.metadata.tables[self.table]

    def rows_of(self, customer_id: str) -> ColumnElement:
        table = self.table_
        if self.link is not None:
            return self.link(table, customer_id)
        return table.c[self.key] == customer_id


_REGISTRY: dict[str, Location] = {}


def register(location: Location) -> Location:
    if location.table in _REGISTRY:
        raise ValueError(f"{location.table} is registered twice")
    _REGISTRY[location.table] = location
    return location


def locations(categories: Iterable[DataCategory] | None = None) -> list[Location]:
    """The registered locations (of `categories`, or all), parents before children."""
    import portal.compliance.locations  # noqa: F401  (registers the built-in locations)

    wanted = set(categories) if categories is not None else None
    order = {t.name: i for i, t in enumerate(db.metadata.sorted_tables)}
    found = [loc for loc in _REGISTRY.values() if wanted is None or loc.category in wanted]
    return sorted(found, key=lambda loc: order.get(loc.table, len(order)))


def registered_tables() -> set[str]:
    return {location.table for location in locations()}


def customer_linked_tables() -> set[str]:
    """Tables that point at a customer: a foreign key to customer.id or a customer_id column."""
    linked = set()
    for table in db.metadata.tables.values():
        if "customer_id" in table.c or any(
            fk.column.table.name == "customer" for fk in table.foreign_keys
        ):
            linked.add(table.name)
    return linked
