"""Read models of the customer directory: the list and its search, the export, the review queue.

They select only the columns shown and paginate in SQL. On PostgreSQL a name, e-mail or phone
fragment of three characters or more is a LIKE '%x%' served by a trigram (GIN) index; shorter
names and customer ids are prefix ranges on B-tree indexes. SQLite runs the same SQL unindexed.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import ColumnElement, Select, and_, exists, func, select

from portal.customers.models import CUSTOMER_ID_PREFIX, Customer, CustomerAddress
from portal.customers.values import AddressType, CustomerStatus, CustomerType
from portal.extensions import db

PAGE_SIZES = (25, 50, 100)
# Counting every match of a broad search costs more than the page itself; past this we say "+".
# 1,000 is also where fetching the matches and sorting them stops beating a walk of the sort
# index: "ciado" (21,000 matches in 1M) counts to 1,001 in 75 ms, to 10,001 in 450 ms.
COUNT_CAP = 1_000
PHONE_QUERY = re.compile(r"\+?[\d\s().-]+")


class Sort(StrEnum):
    NAME = "name"
    TYPE = "type"
    STATUS = "status"
    CREATED = "created"


# Each sort ends with name_key, id so that pages never overlap; the composite indexes
# (type, name_key) and (status, name_key) serve them in order.
SORT_COLUMNS = {
    Sort.NAME: (Customer.name_key, Customer.id),
    Sort.TYPE: (Customer.customer_type, Customer.name_key, Customer.id),
    Sort.STATUS: (Customer.status, Customer.name_key, Customer.id),
    Sort.CREATED: (Customer.created_at, Customer.id),
}


@dataclass(frozen=True)
class DirectoryFilter:
    q: str = ""
    customer_type: CustomerType | None = None
    status: CustomerStatus | None = None
    country: str | None = None
    sort: Sort = Sort.NAME
    descending: bool = False


@dataclass(frozen=True)
class Page:
    rows: list
    page: int
    per_page: int
    total: int  # counted up to limit + 1, which means "more than limit"
    limit: int = COUNT_CAP

    @property
    def capped(self) -> bool:
        return self.total > self.limit

    @property
    def pages(self) -> int:
        return max(1, -(-min(self.total, self.limit) // self.per_page))

    @property
    def has_next(self) -> bool:
        return self.page * self.per_page < self.total


def _default_shipping(*conditions: ColumnElement) -> ColumnElement:
    return and_(
        CustomerAddress.customer_id == Customer.id,
        CustomerAddress.address_type == AddressType.SHIPPING,
        CustomerAddress.is_default.is_(True),
        *conditions,
    )


SHIPPING_COUNTRY = (
    select(CustomerAddress.country).where(_default_shipping()).limit(1).scalar_subquery()
)
LIST_COLUMNS = (
    Customer.id,
    Customer.name,
    Customer.customer_type,
    Customer.status,
    Customer.email,
    Customer.phone,
    Customer.created_at,
    SHIPPING_COUNTRY.label("country"),
)


def _prefix(column, text: str) -> ColumnElement:
    """column LIKE 'text%' as a range a B-tree index serves (byte-order collation)."""
    return and_(column >= text, column < text[:-1] + chr(ord(text[-1]) + 1))


def search_condition(q: str) -> ColumnElement | None:
    """What a search box entry means: an id, an e-mail, a phone number or a name fragment."""
    q = q.strip()
    if not q:
        return None
    folded = q.casefold()
    if folded.startswith(CUSTOMER_ID_PREFIX):
        return _prefix(Customer.id, folded)
    if "@" in q:
        return Customer.email.icontains(q, autoescape=True)
    digits = re.sub(r"\D", "", q)
    if PHONE_QUERY.fullmatch(q) and len(digits) >= 3:
        return Customer.phone.contains(digits, autoescape=True)
    if len(folded) >= 3:
        return Customer.name_key.contains(folded, autoescape=True)
    return _prefix(Customer.name_key, folded)


def _filtered(query: Select, filters: DirectoryFilter) -> Select:
    if (condition := search_condition(filters.q)) is not None:
        query = query.where(condition)
    if filters.customer_type:
        query = query.where(Customer.customer_type == filters.customer_type)
    if filters.status:
        query = query.where(Customer.status == filters.status)
    if filters.country:
        query = query.where(
            exists().where(_default_shipping(CustomerAddress.country == filters.country))
        )
    return query


def _ordered(query: Select, filters: DirectoryFilter) -> Select:
    columns = SORT_COLUMNS[filters.sort]
    return query.order_by(*(c.desc() if filters.descending else c.asc() for c in columns))


def _capped_count(query: Select, limit: int) -> int:
    limited = query.with_only_columns(Customer.id).limit(limit + 1).subquery()
    return db.session.scalar(select(func.count()).select_from(limited)) or 0


def _count_limit(page: int, per_page: int) -> int:
    # Counting past this page's end tells whether a next page exists, even beyond the cap.
    return max(COUNT_CAP, page * per_page)


def _page(query: Select, page: int, per_page: int, total: int | None = None) -> Page:
    offset = (page - 1) * per_page
    rows = db.session.execute(query.limit(per_page).offset(offset)).all()
    limit = _count_limit(page, per_page)
    if total is None:
        # A short page tells the total without counting (unless the page is past the end).
        short = (rows and len(rows) < per_page) or (page == 1 and not rows)
        total = offset + len(rows) if short else _capped_count(query.order_by(None), limit)
    return Page(rows=rows, page=page, per_page=per_page, total=total, limit=limit)


def customer_list(filters: DirectoryFilter, page: int = 1, per_page: int = PAGE_SIZES[0]) -> Page:
    """A search is counted first. Up to the cap, its matches are fetched by the search index
    and then sorted: walking the name index in order and filtering took seconds when the
    matches sat late in the alphabet ("paul": 700,000 rows read for 25). Past the cap the
    matches are dense and walking in order finds a page at once."""
    query = _filtered(select(*LIST_COLUMNS), filters)
    if not filters.q:
        return _page(_ordered(query, filters), page, per_page)
    total = _capped_count(query, _count_limit(page, per_page))
    if total <= _count_limit(page, per_page):
        # MATERIALIZED: the planner may not fold the search back into an ordered walk.
        matches = query.with_only_columns(Customer.id).cte("matches").prefix_with("MATERIALIZED")
        query = select(*LIST_COLUMNS).where(Customer.id.in_(select(matches.c.id)))
    return _page(_ordered(query, filters), page, per_page, total)


def customer_count(filters: DirectoryFilter) -> int:
    return (
        db.session.scalar(
            select(func.count()).select_from(_filtered(select(Customer.id), filters).subquery())
        )
        or 0
    )


def customer_export(filters: DirectoryFilter, batch: int = 1_000) -> Iterator:
    """Every matching row in the list's order, fetched `batch` rows at a time (server cursor).

    The rows come from a connection of their own, so a response can stream them after the
    request's context is gone.
    """
    query = _ordered(_filtered(select(*LIST_COLUMNS), filters), filters)
    engine = db.engine

    def rows() -> Iterator:
        with engine.connect() as connection:
            yield from connection.execute(query.execution_options(yield_per=batch))

    return rows()


def review_queue(page: int = 1, per_page: int = PAGE_SIZES[0]) -> Page:
    """Accounts flagged as dormant, the longest-flagged first."""
    last_activity = func.coalesce(Customer.last_activity_at, Customer.created_at)
    query = (
        select(
            Customer.id,
            Customer.name,
            Customer.customer_type,
            Customer.status,
            Customer.email,
            Customer.flagged_inactive_at,
            last_activity.label("last_activity_at"),
        )
        .where(Customer.flagged_inactive_at.is_not(None))
        .order_by(Customer.flagged_inactive_at, Customer.id)
    )
    return _page(query, page, per_page)
