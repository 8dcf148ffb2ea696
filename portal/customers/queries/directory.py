"""Read models of the customer directory: the list and its search, the export, the review queue.

They select only the columns shown and paginate in SQL. A search of three characters or more is
a prefix range of the search-term index (portal.customers.search_index): the beginning of a word
of the name, an e-mail or its domain, a phone number's digits. Ids and names of one or two
letters are prefix ranges of the customer's own B-tree indexes.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import ColumnElement, Select, and_, exists, func, or_, select

from portal.customers import search_index
from portal.customers.models import (
    CUSTOMER_ID_PREFIX,
    Customer,
    CustomerAddress,
    customer_search_term,
)
from portal.customers.values import AddressType, CustomerStatus, CustomerType
from portal.extensions import db

PAGE_SIZES = (25, 50, 100)
# Counting every match of a broad search costs more than the page itself; past this we say "+".
COUNT_CAP = 1_000
# Up to this many term rows, a search's matches are read from the term index and sorted; past
# it they are dense enough that walking the customers in the list's order and probing the term
# index for each finds a page sooner ("paul": 5,700 of 1M, read and sorted in a few ms; the
# domain of half the customers: a walk of 50 rows for 25).
SORT_LIMIT = 10_000
PHONE_QUERY = re.compile(r"\+?[\d\s().-]+")
TERMS = customer_search_term


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
    """column LIKE 'text%' as a range a B-tree index serves; the LIKE keeps the meaning exact
    whatever the collation."""
    upper = text[:-1] + chr(ord(text[-1]) + 1)
    return and_(column >= text, column < upper, column.startswith(text, autoescape=True))


def term_groups(q: str) -> list[tuple[str, ...]]:
    """The term prefixes a search box entry asks for: every group must match by one of its
    prefixes, the longest first. Empty when the entry is matched on the customer row instead:
    an id, or a name whose words are all shorter than three letters."""
    q = q.strip()
    folded = search_index.fold(q)
    if not folded or folded.startswith(CUSTOMER_ID_PREFIX):
        return []
    if "@" in folded:
        local, _, domain = folded.partition("@")
        return [(search_index.EMAIL + folded,) if local else (search_index.DOMAIN + domain,)]
    digits = re.sub(r"\D", "", q)
    if PHONE_QUERY.fullmatch(q) and len(digits) >= 3:
        return [(search_index.PHONE + digits,)]
    words = sorted(set(search_index.words(q)), key=len, reverse=True)
    if not words or len(words[0]) < 3:
        return []
    return [(search_index.NAME + word,) for word in words]


def row_condition(q: str) -> ColumnElement | None:
    """The condition for an entry term_groups leaves to the customer row."""
    folded = q.strip().casefold()
    if not folded:
        return None
    if folded.startswith(CUSTOMER_ID_PREFIX):
        return _prefix(Customer.id, folded)
    return _prefix(Customer.name_key, folded)


def _matches(terms, group: tuple[str, ...]) -> ColumnElement:
    return or_(*(_prefix(terms.c.term, prefix) for prefix in group))


def _has_terms(customer_id, groups: list[tuple[str, ...]]) -> list[ColumnElement]:
    """One probe of the (customer_id, term) index per group."""
    probes = []
    for group in groups:
        terms = TERMS.alias()
        probes.append(exists().where(terms.c.customer_id == customer_id, _matches(terms, group)))
    return probes


def _term_hits(groups: list[tuple[str, ...]]) -> Select:
    """Term rows of the matching customers: a range of the first group, probes for the rest."""
    return select(TERMS.c.customer_id, TERMS.c.name_key).where(
        _matches(TERMS, groups[0]), *_has_terms(TERMS.c.customer_id, groups[1:])
    )


def _filtered(query: Select, filters: DirectoryFilter, *, search: bool = True) -> Select:
    if search and (groups := term_groups(filters.q)):
        query = query.where(*_has_terms(Customer.id, groups))
    elif search and (condition := row_condition(filters.q)) is not None:
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


def _capped_count(query: Select, limit: int, column=Customer.id) -> int:
    limited = query.with_only_columns(column).limit(limit + 1).subquery()
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
    """A page of the directory. A term search is first counted in term rows (up to
    SORT_LIMIT), which decides how its page is found (see SORT_LIMIT)."""
    groups = term_groups(filters.q)
    if not groups:
        return _page(_ordered(_filtered(select(*LIST_COLUMNS), filters), filters), page, per_page)
    hits = _term_hits(groups)
    plain = filters.sort is Sort.NAME and not (
        filters.customer_type or filters.status or filters.country
    )
    if _capped_count(hits, SORT_LIMIT, TERMS.c.customer_id) > SORT_LIMIT:
        query = _ordered(_filtered(select(*LIST_COLUMNS), filters), filters)
        # Unfiltered, that many term rows are more customers than the count goes to (a
        # customer has a few terms under one prefix at most): no need to count them.
        known = _count_limit(page, per_page) + 1 if plain else None
        return _page(query, page, per_page, known)
    if plain:
        return _page_by_terms(hits, filters.descending, page, per_page)
    # MATERIALIZED: the planner may not fold the few matches back into an ordered walk.
    matches = hits.with_only_columns(TERMS.c.customer_id).cte("matches").prefix_with("MATERIALIZED")
    query = _filtered(
        select(*LIST_COLUMNS).where(Customer.id.in_(select(matches.c.customer_id))),
        filters,
        search=False,
    )
    return _page(_ordered(query, filters), page, per_page)


def _page_by_terms(hits: Select, descending: bool, page: int, per_page: int) -> Page:
    """Sorted by name from the term index alone (it carries name_key); only the page's
    customers are read."""
    found = hits.group_by(TERMS.c.customer_id, TERMS.c.name_key).subquery()
    order = [found.c.name_key, found.c.customer_id]
    ids = db.session.scalars(
        select(found.c.customer_id)
        .order_by(*(c.desc() if descending else c for c in order))
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    total = db.session.scalar(select(func.count()).select_from(found)) or 0
    query = _ordered(
        select(*LIST_COLUMNS).where(Customer.id.in_(ids)),
        DirectoryFilter(descending=descending),
    )
    return Page(
        rows=db.session.execute(query).all(),
        page=page,
        per_page=per_page,
        total=total,
        limit=_count_limit(page, per_page),
    )


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
