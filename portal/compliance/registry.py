"""The registry of where personal data lives: every table that holds data about a customer
declares here how it links to the customer and what erasure does to each of its columns.

Erasure, access exports and the "every table is covered" test all read this registry, so a new
table is handled correctly the moment it is registered, and is caught by the test until it is.
Every other table is declared free of personal data (`declare_free`), and every text or JSON
column of a registered table is either one of its fields or named in its `plain` columns: the
test walks the model metadata and fails on anything undeclared. All declarations are in
`locations.py`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Table

from portal.compliance.values import DataCategory
from portal.extensions import db
from portal.labels import Labelled


class Strategy(Labelled):
    NULL = "NULL"  # set to NULL
    REWRITE = "REWRITE"  # replace by a fixed placeholder
    DELETE = "DELETE"  # the whole row is deleted (declared on the Location)
    # Free text/JSON kept, the person's values inside it masked: all their values in the rows
    # linked to them, their quoted values (`Field.quoted`) in every row that repeats them.
    SCRUB = "SCRUB"
    KEEP = "KEEP"  # kept as is: holds no personal data, or a legal basis requires it


@dataclass(frozen=True)
class Field:
    column: str
    strategy: Strategy
    placeholder: object = None
    # Secret identifiers (tax ids, codes) are never exported in clear (CCPA §7024(d)).
    exported: bool = True
    why: str = ""
    # A value that identifies the person wherever it is repeated (names, e-mails, phones,
    # streets, tax ids): erasure masks it in the SCRUB columns of every table, linked or not.
    quoted: bool = False


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
    # Text/JSON columns that hold no personal data (ids, codes, vocabularies, amounts).
    plain: tuple[str, ...] = ()

    @property
    def table_(self) -> Table:
        return db.metadata.tables[self.table]

    def rows_of(self, customer_id: str) -> ColumnElement:
        table = self.table_
        if self.link is not None:
            return self.link(table, customer_id)
        return table.c[self.key] == customer_id


@dataclass(frozen=True)
class FreeOfPersonalData:
    """A table declared to hold no customer's personal data, and why; `columns` names its
    text/JSON columns so that a new one must be looked at and declared too."""

    table: str
    why: str
    columns: tuple[str, ...] = ()


_REGISTRY: dict[str, Location] = {}
_FREE: dict[str, FreeOfPersonalData] = {}


def register(location: Location) -> Location:
    if location.table in _REGISTRY or location.table in _FREE:
        raise ValueError(f"{location.table} is registered twice")
    _REGISTRY[location.table] = location
    return location


def declare_free(table: str, why: str, *columns: str) -> None:
    if table in _REGISTRY or table in _FREE:
        raise ValueError(f"{table} is registered twice")
    _FREE[table] = FreeOfPersonalData(table, why, columns)


def locations(categories: Iterable[DataCategory] | None = None) -> list[Location]:
    """The registered locations (of `categories`, or all), parents before children."""
    import portal.compliance.locations  # noqa: F401  (registers the built-in locations)

    wanted = set(categories) if categories is not None else None
    order = {t.name: i for i, t in enumerate(db.metadata.sorted_tables)}
    found = [loc for loc in _REGISTRY.values() if wanted is None or loc.category in wanted]
    return sorted(found, key=lambda loc: order.get(loc.table, len(order)))


def registered_tables() -> set[str]:
    return {location.table for location in locations()}


def free_tables() -> dict[str, FreeOfPersonalData]:
    locations()  # loads the declarations
    return dict(_FREE)
