"""The directory's search index: the words and numbers each customer is found by.

Staff find a customer by the beginning of any word of the name ("ram" finds "Paul Ramírez",
accents and case aside), by an e-mail from its start, by its domain ("@hotel.example"), or by
any three or more consecutive digits of the phone number. Each of these is a row of
`customer_search_term` (term, name_key, customer_id), so every search is a prefix range of one
B-tree index. A substring search (LIKE '%x%' on a trigram index) could not
stop early or read in name order: on a million customers its common fragments took 75-600 ms.

The rows follow the customer: every flush that adds a customer or changes its name, e-mail or
phone rewrites that customer's rows (the listener below); the demo loader writes them in bulk;
erasure deletes them (portal.compliance.locations).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator
from functools import lru_cache

from sqlalchemy import Connection, delete, event, insert, inspect, select
from sqlalchemy.orm import Session

from portal.bulk import bulk_insert
from portal.customers.models import Customer, customer_search_term

# The kinds of term, as prefixes of the stored text: one index serves them all.
NAME, EMAIL, DOMAIN, PHONE = "n:", "e:", "d:", "p:"
SEARCHED = ("name", "email", "phone")
_WORD = re.compile(r"[^\W_]+")


def fold(text: str) -> str:
    """Case and accents folded, so "jose" finds "José" and "STRASSE" finds "Straße"."""
    if text.isascii():  # most names and e-mails: nothing to decompose, 15-25 times faster
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def words(text: str) -> list[str]:
    """The words a name is found by: each run of letters and digits, and a hyphenated or
    apostrophed word also whole ("o'brien" gives o, brien and obrien)."""
    found: list[str] = []
    for chunk in fold(text).split():
        parts = _WORD.findall(chunk)
        found += parts
        if len(parts) > 1:
            found.append("".join(parts))
    return found


def query_words(text: str) -> list[str]:
    """The words a search box entry looks for: a hyphenated or apostrophed word only whole
    ("o'b" looks for words starting "ob", which finds O'Brien by its joined form)."""
    return [word for chunk in fold(text).split() if (word := "".join(_WORD.findall(chunk)))]


@lru_cache(maxsize=65_536)  # names and numbers repeat; the demo loader indexes a million
def _name_terms(name: str) -> frozenset[str]:
    return frozenset(NAME + word for word in words(name))


@lru_cache(maxsize=65_536)
def _phone_terms(phone: str) -> frozenset[str]:
    # Every tail of the digits: a number is found by any run of three or more of its digits,
    # as people type it (with the country code, without, the local number, the last four).
    digits = phone.lstrip("+")
    return frozenset(PHONE + digits[start:] for start in range(len(digits) - 2))


def terms_for(name: str, email: str | None, phone: str | None) -> set[str]:
    terms = set(_name_terms(name))
    if email:
        address = fold(email)
        terms |= {EMAIL + address, DOMAIN + address.rpartition("@")[2]}
    if phone:
        terms |= _phone_terms(phone)
    return terms


def rows_for(customer_id: str, name: str, email: str | None, phone: str | None) -> Iterator[dict]:
    name_key = name.casefold()
    for term in terms_for(name, email, phone):
        yield {"term": term, "name_key": name_key, "customer_id": customer_id}


def reindex(connection: Connection, customers: Iterable) -> None:
    """Rewrite the rows of these customers (anything with id, name, email and phone)."""
    customers = list(customers)
    if not customers:
        return
    connection.execute(
        delete(customer_search_term).where(
            customer_search_term.c.customer_id.in_([c.id for c in customers])
        )
    )
    rows = [row for c in customers for row in rows_for(c.id, c.name, c.email, c.phone)]
    if rows:
        connection.execute(insert(customer_search_term), rows)


def rebuild(connection: Connection, batch: int = 5_000) -> int:
    """Every customer's rows afresh (after a change of what is indexed); the number indexed."""
    connection.execute(delete(customer_search_term))
    query = select(Customer.id, Customer.name, Customer.email, Customer.phone).order_by(Customer.id)
    done, after = 0, ""
    while chunk := connection.execute(query.where(Customer.id > after).limit(batch)).all():
        rows = [row for c in chunk for row in rows_for(c.id, c.name, c.email, c.phone)]
        bulk_insert(connection, customer_search_term, rows)
        done, after = done + len(chunk), chunk[-1].id
    return done


def _changed(customer: Customer) -> bool:
    state = inspect(customer)
    return any(state.attrs[field].history.has_changes() for field in SEARCHED)


@event.listens_for(Session, "after_flush")
def _follow_customers(session: Session, _context) -> None:
    # Still in the flush's transaction and with the pre-flush new/dirty/deleted sets, so the
    # index changes exactly when the customer does.
    changed = [
        obj
        for obj in session.new | session.dirty
        if isinstance(obj, Customer) and (obj in session.new or _changed(obj))
    ]
    # (Customers are never deleted: erasure scrubs them in place and deletes their rows here.)
    reindex(session.connection(), changed)
