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

from flask import current_app
from sqlalchemy import ColumnElement, Select, and_, exists, func, select, true
from sqlalchemy.orm import aliased

from portal.customers import search_index
from portal.customers.models import (
    CUSTOMER_ID_PREFIX,
    Customer,
    CustomerAddress,
    customer_search_term,
)
from portal.customers.rules import normalise_phone
from portal.customers.values import AddressType, CustomerStatus, CustomerType
from portal.extensions import db
from portal.labels import Labelled

PAGE_SIZES = (25, 50, 100)
# Counting every match of a broad search costs more than the page itself; past this we say "+".
COUNT_CAP = 1_000
# Up to this many term rows under a search's prefix, its matches are read from the term index
# and sorted (3,000 rows: a few ms). Past it, each distinct term under the prefix gives its first
# rows in name order and those are merged ("asoci": 21,000 rows under one term, a page read in
# 25): walking customers by name and probing each took seconds where matches cluster by name.
# Three term rows per customer at most under one prefix, so past it there are more matches
# than COUNT_CAP.
SORT_LIMIT = 3 * COUNT_CAP
PHONE_QUERY = re.compile(r"\+?[\d\s().-]+")
# One word with a dot, underscore or plus inside ("aaliyah.gisel"): an e-mail from its start.
EMAIL_START = re.compile(r"[^\s@]+[._+][^\s@]+")
TERMS = customer_search_term


class Sort(Labelled):
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


def _default_shipping(customer_id, *conditions: ColumnElement) -> ColumnElement:
    return and_(
        CustomerAddress.customer_id == customer_id,
        CustomerAddress.address_type == AddressType.SHIPPING,
        CustomerAddress.is_default.is_(True),
        *conditions,
    )


SHIPPING_COUNTRY = (
    select(CustomerAddress.country).where(_default_shipping(Customer.id)).limit(1).scalar_subquery()
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
    """column LIKE 'text%' as a range a B-tree index serves, for columns in byte order (the
    search terms are; ids and name_key are under the C.UTF-8 collation the database is created
    with, see docs/operations.md). No LIKE besides: PostgreSQL would count the prefix twice in
    its row estimate, and took a search of 75,000 matches for one of 400."""
    return and_(column >= text, column < _after(text))


def _after(prefix: str) -> str:
    """The first text past every text that starts with `prefix`."""
    return prefix[:-1] + chr(ord(prefix[-1]) + 1)


def term_prefixes(q: str) -> list[str]:
    """The term prefixes a search box entry asks for, each of which must match, the longest
    first. Empty when the entry is matched on the customer row instead: an id, or a name whose
    words are all shorter than three letters."""
    q = q.strip()
    folded = search_index.fold(q)
    if not folded or folded.startswith(CUSTOMER_ID_PREFIX):
        return []
    if "@" in folded:
        local, _, domain = folded.partition("@")
        return [search_index.EMAIL + folded if local else search_index.DOMAIN + domain]
    digits = re.sub(r"\D", "", q)
    if PHONE_QUERY.fullmatch(q) and len(digits) >= 3:
        # A whole number typed in any layout ("(876) 555-0104") is looked up as stored, E.164;
        # a fragment by its digits, which any tail of the stored number starts with.
        number = normalise_phone(q, current_app.config["PHONE_REGION"])
        whole = number != q and number.startswith("+")  # a valid number, now in E.164
        return [search_index.PHONE + (number[1:] if whole else digits)]
    if EMAIL_START.fullmatch(folded):
        return [search_index.EMAIL + folded]
    words = sorted(set(search_index.query_words(q)), key=len, reverse=True)
    if not words or len(words[0]) < 3:
        return []
    return [search_index.NAME + word for word in words]


def row_condition(q: str) -> ColumnElement | None:
    """The condition for an entry term_prefixes leaves to the customer row."""
    folded = q.strip().casefold()
    if not folded:
        return None
    if folded.startswith(CUSTOMER_ID_PREFIX):
        return _prefix(Customer.id, folded)
    return _prefix(Customer.name_key, folded)


def _has_terms(customer_id, prefixes: list[str]) -> list[ColumnElement]:
    """One probe of the (customer_id, term) index per prefix."""
    probes = []
    for prefix in prefixes:
        terms = TERMS.alias()
        probes.append(
            exists().where(terms.c.customer_id == customer_id, _prefix(terms.c.term, prefix))
        )
    return probes


def _conditions(customer_id, filters: DirectoryFilter, row=Customer) -> list[ColumnElement]:
    """The filters, on the customer row in the query or, for term rows, probing it by id."""
    on_row = []
    if filters.customer_type:
        on_row.append(row.customer_type == filters.customer_type)
    if filters.status:
        on_row.append(row.status == filters.status)
    if on_row and row is not Customer:
        on_row = [exists().where(row.id == customer_id, *on_row)]
    if filters.country:
        on_row.append(
            exists().where(
                _default_shipping(customer_id, CustomerAddress.country == filters.country)
            )
        )
    return on_row


def _term_hits(prefixes: list[str], filters: DirectoryFilter, terms=TERMS) -> Select:
    """Term rows of the matching customers: a range of the first prefix, probes for the rest
    and for the filters."""
    return select(terms.c.customer_id, terms.c.name_key).where(
        _prefix(terms.c.term, prefixes[0]),
        *_has_terms(terms.c.customer_id, prefixes[1:]),
        *_conditions(terms.c.customer_id, filters, row=aliased(Customer)),
    )


def _filtered(query: Select, filters: DirectoryFilter) -> Select:
    if prefixes := term_prefixes(filters.q):
        query = query.where(*_has_terms(Customer.id, prefixes))
    elif (condition := row_condition(filters.q)) is not None:
        query = query.where(condition)
    return query.where(*_conditions(Customer.id, filters))


def _ordered(query: Select, filters: DirectoryFilter) -> Select:
    return query.order_by(*_by(SORT_COLUMNS[filters.sort], filters.descending))


def _by(columns, descending: bool) -> list:
    return [c.desc() if descending else c.asc() for c in columns]


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
    """A page of the directory; a term search is found as SORT_LIMIT describes."""
    prefixes = term_prefixes(filters.q)
    if not prefixes:
        return _page(_ordered(_filtered(select(*LIST_COLUMNS), filters), filters), page, per_page)
    under = select(TERMS.c.customer_id).where(_prefix(TERMS.c.term, prefixes[0]))
    few = _capped_count(under, SORT_LIMIT, TERMS.c.customer_id) <= SORT_LIMIT
    if filters.sort is Sort.NAME and few:
        # Every match at once, in order (filters probed once per row), counted here.
        hits = _term_hits(prefixes, filters).distinct()
        by_name = _by((TERMS.c.name_key, TERMS.c.customer_id), filters.descending)
        found = db.session.scalars(hits.order_by(*by_name)).all()
        start = (page - 1) * per_page
        return _page_of(
            found[start : start + per_page], len(found), filters.descending, page, per_page
        )
    if filters.sort is Sort.NAME and db.session.get_bind().dialect.name == "postgresql":
        return _merged_page(prefixes, filters, page, per_page)
    if few:
        # MATERIALIZED: the planner may not fold the few matches back into an ordered walk.
        matches = (
            _term_hits(prefixes, DirectoryFilter())
            .with_only_columns(TERMS.c.customer_id)
            .cte("matches")
            .prefix_with("MATERIALIZED")
        )
        query = select(*LIST_COLUMNS).where(
            Customer.id.in_(select(matches.c.customer_id)), *_conditions(Customer.id, filters)
        )
        return _page(_ordered(query, filters), page, per_page)
    # Many matches sorted by another column (or SQLite, which has no LATERAL): walk in order.
    return _page(_ordered(_filtered(select(*LIST_COLUMNS), filters), filters), page, per_page)


def _merged_page(prefixes: list[str], filters: DirectoryFilter, page: int, per_page: int) -> Page:
    """Many matches in name order from the term index alone (it carries name_key): the first
    page * per_page under each distinct term, merged (one of them holds each of the overall
    first), then the page's customers."""
    distinct = _distinct_terms(prefixes[0])
    hit = TERMS.alias("hit")
    per_term = (
        _term_hits(prefixes, filters, terms=hit)
        .where(hit.c.term == distinct.c.term)
        .order_by(*_by((hit.c.name_key, hit.c.customer_id), filters.descending))
        .limit(page * per_page)
        .lateral("per_term")
    )
    found = (
        select(per_term.c.customer_id, per_term.c.name_key)
        .select_from(distinct.join(per_term, true()))
        .group_by(per_term.c.customer_id, per_term.c.name_key)
        .subquery()
    )
    ids = db.session.scalars(
        select(found.c.customer_id)
        .order_by(*_by((found.c.name_key, found.c.customer_id), filters.descending))
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    limit = _count_limit(page, per_page)
    if len(prefixes) > 1 or filters.customer_type or filters.status or filters.country:
        # Each match costs a probe per filter or further word: counting a thousand of a
        # broad search this way took 100-150 ms, so it is counted to this page's end only.
        limit = page * per_page
    elif limit == COUNT_CAP:
        # More than SORT_LIMIT rows under one prefix are more than COUNT_CAP customers.
        return _page_of(ids, limit + 1, filters.descending, page, per_page, limit)
    total = _customers_counted(_term_hits(prefixes, filters), limit)
    return _page_of(ids, total, filters.descending, page, per_page, limit)


def _distinct_terms(prefix: str):
    """The distinct terms under a prefix, one index descent each: a loose index scan, which
    PostgreSQL does not plan by itself."""
    first = select(func.min(TERMS.c.term).label("term")).where(_prefix(TERMS.c.term, prefix))
    found = first.cte("under_prefix", recursive=True)
    following = TERMS.alias("following")
    return found.union_all(
        select(
            select(func.min(following.c.term))
            .where(following.c.term > found.c.term, following.c.term < _after(prefix))
            .scalar_subquery()
        ).where(found.c.term.is_not(None))
    )


def _page_of(
    ids: list[str], total: int, descending: bool, page: int, per_page: int, limit: int = 0
) -> Page:
    """The rows of the page's customers, in name order."""
    query = _ordered(
        select(*LIST_COLUMNS).where(Customer.id.in_(ids)), DirectoryFilter(descending=descending)
    )
    return Page(
        rows=db.session.execute(query).all(),
        page=page,
        per_page=per_page,
        total=total,
        limit=limit or _count_limit(page, per_page),
    )


def _customers_counted(hits: Select, limit: int) -> int:
    """Matching customers, up to limit + 1 ("more"). A customer has a row per term under the
    prefix; two of them under one prefix are rare, so limit + 1 rows are read first and three
    times as many only if some were the same customer's."""
    for rows in (limit + 1, 3 * limit + 1):
        scanned = hits.with_only_columns(TERMS.c.customer_id).limit(rows).subquery()
        read, customers = db.session.execute(
            select(func.count(), func.count(scanned.c.customer_id.distinct()))
        ).one()
        if read < rows or customers == read:
            return customers
    return limit + 1


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
