"""The customer journey: one timeline of every touchpoint, whichever area keeps it.

An area that keeps touchpoints (orders, segment moves, consent) registers a source at import:
a function of the customer id answering a SELECT of `at, ref, title, detail, amount_minor,
currency` over one indexed per-customer range. The timeline is the UNION ALL of the chosen
sources, each cut to the page size first, newest first, paged by a keyset cursor (the last
row's moment, kind and reference), so an older page costs what the first one does.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cache

from sqlalchemy import (
    BigInteger,
    String,
    and_,
    bindparam,
    cast,
    literal,
    null,
    or_,
    select,
    union_all,
)
from sqlalchemy.sql import Select

from portal.extensions import db

PAGE_SIZE = 25

Source = Callable[[str], Select]


@dataclass(frozen=True)
class Kind:
    name: str
    label: str
    sources: tuple[Source, ...]
    # Turn the raw title and detail columns into words (an event type, a status code); None:
    # shown as they are.
    titled: Callable[[str], str] | None = None
    detailed: Callable[[str], str] | None = None


KINDS: dict[str, Kind] = {}


def source(kind: str, label: str, titled=None, detailed=None):
    """Register a touchpoint source under `kind`; the sources of one kind share its words."""

    def register(function: Source) -> Source:
        known = KINDS.get(kind)
        sources = (known.sources if known else ()) + (function,)
        KINDS[kind] = Kind(kind, label, sources, titled, detailed)
        _statement.cache_clear()  # a statement built before this source would leave it out
        return function

    return register


@dataclass(frozen=True)
class Cursor:
    at: datetime
    kind: str
    ref: str

    def __str__(self) -> str:
        moment = self.at.astimezone(UTC).isoformat().replace("+00:00", "Z")
        return f"{moment}|{self.kind}|{self.ref}"

    @classmethod
    def parse(cls, text: str) -> Cursor:
        """ValueError unless `text` is what __str__ wrote."""
        at, kind, ref = text.split("|", 2)
        moment = datetime.fromisoformat(at)
        if moment.tzinfo is None or kind not in KINDS:
            raise ValueError(text)
        return cls(moment.astimezone(UTC), kind, ref)


@dataclass(frozen=True)
class Filters:
    kind: str = ""
    date_from: date | None = None
    date_to: date | None = None
    before: Cursor | None = None


@dataclass(frozen=True)
class Entry:
    at: datetime
    kind: str
    kind_label: str
    ref: str
    title: str
    detail: str | None
    amount_minor: int | None
    currency: str | None


@dataclass(frozen=True)
class Page:
    entries: list[Entry]
    older: Cursor | None  # where the next (older) page starts; None on the last page


def _branch(kind: str, query: Select, shape: _Shape) -> Select:
    """One source's newest rows within the filters, one more than a page; the filters' values
    are bound when the statement runs (`_parameters`), so one statement serves every customer."""
    rows = query.subquery()
    at, ref = rows.c.at, cast(rows.c.ref, String)
    conditions = []
    if shape.dated_from:
        conditions.append(at >= bindparam("date_from"))
    if shape.dated_to:
        conditions.append(at < bindparam("date_to"))
    if shape.paged:
        # `at <= before_at` is the index range; the rest breaks ties the way the timeline orders.
        before_at, before_kind = bindparam("before_at"), bindparam("before_kind", type_=String)
        before_ref = bindparam("before_ref", type_=String)
        same = or_(
            literal(kind) < before_kind, and_(literal(kind) == before_kind, ref < before_ref)
        )
        conditions += [at <= before_at, or_(at < before_at, same)]
    limited = (
        select(
            at.label("at"),
            literal(kind).label("kind"),
            ref.label("ref"),
            cast(rows.c.title, String).label("title"),
            cast(rows.c.detail, String).label("detail"),
            cast(rows.c.amount_minor, BigInteger).label("amount_minor"),
            cast(rows.c.currency, String).label("currency"),
        )
        .where(*conditions)
        .order_by(at.desc(), ref.desc())
        .limit(shape.size + 1)
    )
    # SQLite takes no LIMIT inside a compound member: each is a SELECT from its own subquery.
    return select(limited.subquery())


@dataclass(frozen=True)
class _Shape:
    """What the timeline's statement depends on besides the bound values."""

    kind: str
    dated_from: bool
    dated_to: bool
    paged: bool
    size: int


@cache
def _statement(shape: _Shape) -> Select:
    """The timeline's statement for one shape of filters, built once per process: building
    the UNION of every source (and SQLAlchemy's cache key of it, which a statement object
    keeps) took most of the journey tab's CPU when it was built per request."""
    customer = bindparam("customer_id", type_=String)
    kinds = [KINDS[shape.kind]] if shape.kind else list(KINDS.values())
    branches = [
        _branch(kind.name, make(customer), shape) for kind in kinds for make in kind.sources
    ]
    merged = union_all(*branches).subquery()
    return (
        select(merged)
        .order_by(merged.c.at.desc(), merged.c.kind.desc(), merged.c.ref.desc())
        .limit(shape.size + 1)
    )


def _parameters(customer_id: str, filters: Filters) -> dict:
    values: dict = {"customer_id": customer_id}
    if filters.date_from is not None:
        values["date_from"] = datetime.combine(filters.date_from, time.min, UTC)
    if filters.date_to is not None:
        values["date_to"] = datetime.combine(filters.date_to + timedelta(days=1), time.min, UTC)
    if (c := filters.before) is not None:
        values.update(before_at=c.at, before_kind=c.kind, before_ref=c.ref)
    return values


def timeline(customer_id: str, filters: Filters, size: int = PAGE_SIZE) -> Page:
    if not KINDS:
        return Page([], None)
    shape = _Shape(
        filters.kind,
        filters.date_from is not None,
        filters.date_to is not None,
        filters.before is not None,
        size,
    )
    statement = _statement(shape)
    rows = db.session.execute(statement, _parameters(customer_id, filters)).all()
    entries = [_entry(row) for row in rows[:size]]
    last = entries[-1] if len(rows) > size else None
    return Page(entries, Cursor(last.at, last.kind, last.ref) if last else None)


def _entry(row) -> Entry:
    kind = KINDS[row.kind]
    title = kind.titled(row.title) if kind.titled and row.title else row.title
    detail = kind.detailed(row.detail) if kind.detailed and row.detail else row.detail
    at = row.at if row.at.tzinfo else row.at.replace(tzinfo=UTC)
    return Entry(at, row.kind, kind.label, row.ref, title, detail, row.amount_minor, row.currency)


def no_amount():
    """The money columns of a source without money."""
    return cast(null(), BigInteger).label("amount_minor"), cast(null(), String).label("currency")
