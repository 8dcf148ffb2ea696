"""What the duplicates pages show and what the matcher reads: the identifying fields of every
customer (one statement, streamed), the few candidates of a registration (indexed look-ups),
the review queue, the merges, and the data-quality figures."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import Connection, Text, case, cast, func, literal, or_, select, type_coerce, union
from sqlalchemy.orm import aliased

from portal.customers.models import Customer, CustomerAddress, CustomerPreference
from portal.customers.models import customer_search_term as terms
from portal.customers.search_index import EMAIL, NAME, fold, query_words
from portal.duplicates import rules
from portal.duplicates.matching import Identity
from portal.duplicates.models import CustomerMerge, DuplicateCandidate
from portal.duplicates.values import CandidateStatus
from portal.extensions import db
from portal.models import utcnow
from portal.security import crypto

PAGE = 25
# The registration check scores at most this many customers found by the look-ups.
CANDIDATE_LIMIT = 40
ADDRESS_SEPARATOR = "\x1f"


def hash_secret() -> bytes:
    """The key of the keyed hash of tax and registration numbers (rules.keyed_hash)."""
    return rules.derived_key(current_app.config["SECRET_KEY"])


def _address():
    """The customer's default address, one value (street, post code, country): shipping first."""
    a = aliased(CustomerAddress)
    return (
        select(
            a.street1
            + ADDRESS_SEPARATOR
            + func.coalesce(a.postal_code, "")
            + ADDRESS_SEPARATOR
            + a.country
        )
        .where(a.customer_id == Customer.id)
        .order_by(a.is_default.desc(), (a.address_type == "SHIPPING").desc(), a.id)
        .limit(1)
        .scalar_subquery()
    )


def _identity_query():
    # The business ids as stored (encrypted) and the special dates as JSON text: `_identities`
    # decrypts with one keyring and parses only the dates there are (most customers have none).
    return select(
        Customer.id,
        Customer.name,
        Customer.email,
        Customer.phone,
        _address().label("address"),
        cast(CustomerPreference.special_dates, Text),
        type_coerce(Customer.tax_id, Text),
        type_coerce(Customer.registration_number, Text),
    ).outerjoin(CustomerPreference, CustomerPreference.customer_id == Customer.id)


def _identities(rows) -> list[Identity]:
    ring = crypto.keyring()
    found = []
    for customer_id, name, email, phone, address, dates, tax_id, registration in rows:
        street = postal_code = country = None
        if address:
            street, postal_code, country = address.split(ADDRESS_SEPARATOR)
        found.append(
            Identity(
                id=customer_id,
                name=name,
                email=email,
                phone=phone,
                street=street,
                postal_code=postal_code,
                country=country,
                special_dates=json.loads(dates) if dates and dates != "[]" else None,
                tax_id=ring.decrypt(tax_id) if tax_id else None,
                registration_number=ring.decrypt(registration) if registration else None,
            )
        )
    return found


def identities(connection: Connection, batch: int = 20_000) -> Iterator[list[Identity]]:
    """Every customer's identifying fields, in batches, from one streamed statement."""
    result = connection.execute(
        _identity_query(), execution_options={"stream_results": True, "yield_per": batch}
    )
    for rows in result.tuples().partitions():
        yield _identities(rows)


def likely_matches(name: str, email: str | None, phone: str | None) -> list[Identity]:
    """The customers a new registration may duplicate, by index only (the directory's search
    terms and the phone index): the same e-mail or phone, or one of the name's two longest
    words exactly with the other's first three letters (in either order, so swapped names and
    a typo in one word are found). The identifying fields of at most CANDIDATE_LIMIT of them,
    which the model then scores; one statement, one round trip."""
    found = []
    if email:  # the directory's e-mail term: case and accents folded
        found.append(
            select(terms.c.customer_id.label("id")).where(terms.c.term == EMAIL + fold(email))
        )
    if phone:
        found.append(select(Customer.id.label("id")).where(Customer.phone == phone))
    words = sorted(set(query_words(name)), key=len, reverse=True)[:2]
    if len(words) == 2:
        # One word exact, the other by its first letters: a typo later in either still finds.
        for exact, typed in (words, words[::-1]):
            first, second = terms.alias("first"), terms.alias("second")
            found.append(
                select(first.c.customer_id.label("id"))
                .join(second, second.c.customer_id == first.c.customer_id)
                .where(
                    first.c.term == NAME + exact,
                    second.c.term.startswith(NAME + typed[:3], autoescape=True),
                )
            )
    elif words:
        found.append(select(terms.c.customer_id.label("id")).where(terms.c.term == NAME + words[0]))
    if not found:
        return []
    # Each look-up limited on its own (a common name must not crowd out the same e-mail).
    parts = [select(part.limit(CANDIDATE_LIMIT).subquery().c.id) for part in found]
    ids = select(union(*parts).subquery().c.id).limit(CANDIDATE_LIMIT)
    return _identities(db.session.execute(_identity_query().where(Customer.id.in_(ids))).tuples())


def survivor_of(customer_ids: list[str]) -> dict[str, str]:
    """Merged customers' ids → the customer each now lives on (following merges of merges)."""
    resolved: dict[str, str] = {}
    current = {customer_id: customer_id for customer_id in customer_ids}
    for _ in range(10):  # a merge of a merged customer's survivor: short chains
        step = dict(
            db.session.execute(
                select(CustomerMerge.secondary_id, CustomerMerge.primary_id).where(
                    CustomerMerge.secondary_id.in_(set(current.values())),
                    CustomerMerge.undone_at.is_(None),
                )
            ).all()
        )
        current = {original: step[now] for original, now in current.items() if now in step}
        if not current:
            break
        resolved.update(current)
    return resolved


@dataclass(frozen=True)
class QueueRow:
    candidate: DuplicateCandidate
    a_name: str
    b_name: str


def queue(page: int = 1) -> tuple[list[QueueRow], bool]:
    """Open pairs, most probable first; whether there is a next page."""
    a, b = aliased(Customer), aliased(Customer)
    rows = db.session.execute(
        select(DuplicateCandidate, a.name, b.name)
        .join(a, a.id == DuplicateCandidate.customer_a)
        .join(b, b.id == DuplicateCandidate.customer_b)
        .where(DuplicateCandidate.status == CandidateStatus.OPEN)
        .order_by(DuplicateCandidate.probability.desc(), DuplicateCandidate.id)
        .offset((page - 1) * PAGE)
        .limit(PAGE + 1)
    ).all()
    return [QueueRow(*row) for row in rows[:PAGE]], len(rows) > PAGE


def next_open(after_id: int | None = None) -> DuplicateCandidate | None:
    """The most probable open pair other than `after_id` (skip moves on to it)."""
    query = select(DuplicateCandidate).where(DuplicateCandidate.status == CandidateStatus.OPEN)
    if after_id is not None:
        query = query.where(DuplicateCandidate.id != after_id)
    return db.session.scalar(
        query.order_by(DuplicateCandidate.probability.desc(), DuplicateCandidate.id).limit(1)
    )


def candidate_or_404(candidate_id: int) -> DuplicateCandidate:
    from portal.domain import load

    return load(DuplicateCandidate, candidate_id, "candidate pair")


def merge_or_404(merge_id: str) -> CustomerMerge:
    from portal.domain import load

    return load(CustomerMerge, merge_id, "merge")


def recent_merges(page: int = 1) -> tuple[list[CustomerMerge], bool]:
    rows = list(
        db.session.scalars(
            select(CustomerMerge)
            .order_by(CustomerMerge.merged_at.desc(), CustomerMerge.id)
            .offset((page - 1) * PAGE)
            .limit(PAGE + 1)
        )
    )
    return rows[:PAGE], len(rows) > PAGE


def customer_names(customer_ids: list[str]) -> dict[str, str]:
    return dict(
        db.session.execute(
            select(Customer.id, Customer.name).where(Customer.id.in_(customer_ids))
        ).all()
    )


AGE_BUCKETS = ((7, "under a week"), (30, "1-4 weeks"), (90, "1-3 months"))


def data_quality(now: datetime | None = None) -> dict:
    """The dashboard's duplicate figures: pairs detected, resolved (merged, dismissed), open
    by age, and merges undone."""
    now = now or utcnow()
    c = DuplicateCandidate
    age = case(
        *(
            (c.detected_at > now - timedelta(days=days), literal(label))
            for days, label in AGE_BUCKETS
        ),
        else_=literal("older"),
    )
    by_status = dict(db.session.execute(select(c.status, func.count()).group_by(c.status)).all())
    open_by_age = dict(
        db.session.execute(
            select(age, func.count()).where(c.status == CandidateStatus.OPEN).group_by(age)
        ).all()
    )
    undone = db.session.scalar(
        select(func.count()).select_from(CustomerMerge).where(CustomerMerge.undone_at.is_not(None))
    )
    return {
        "detected": sum(by_status.values()),
        "merged": by_status.get(CandidateStatus.MERGED, 0),
        "dismissed": by_status.get(CandidateStatus.DISMISSED, 0),
        "open": by_status.get(CandidateStatus.OPEN, 0),
        "open_by_age": {
            label: open_by_age.get(label, 0) for _, label in (*AGE_BUCKETS, (0, "older"))
        },
        "merges_undone": undone or 0,
    }


def involving(customer_ids: list[str]):
    """Candidate pairs with either customer among `customer_ids`."""
    c = DuplicateCandidate
    return or_(c.customer_a.in_(customer_ids), c.customer_b.in_(customer_ids))
