"""Demo duplicates: copies of a share of the customers, changed the way people re-register —
typos, given and family names swapped, accents, e-mail case and provider variants, a mistyped
or missing phone, a new address. A duplicate's id is derived from its original's, so the same
seed adds the same duplicates again and the ground truth is `truth()` (for bench/duplicates.py).
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable

from sqlalchemy import Connection, select

from portal.bulk import bulk_insert
from portal.customers.models import (
    CUSTOMER_ID_PREFIX,
    Customer,
    CustomerAddress,
    customer_search_term,
)
from portal.customers.search_index import rows_for

NAMESPACE = uuid.UUID("6f1d1c1e-18d0-4b5e-9d61-2a0a5b7c0d18")
ACCENTS = {"a": "á", "e": "é", "i": "í", "o": "ó", "u": "ú", "n": "ñ", "c": "ç"}


def duplicate_id(original_id: str) -> str:
    return f"{CUSTOMER_ID_PREFIX}{uuid.uuid5(NAMESPACE, original_id)}"


def _typo(rng: random.Random, text: str) -> str:
    if len(text) < 4:
        return text
    i = rng.randrange(1, len(text) - 2)
    match rng.randrange(3):
        case 0:  # transposed letters
            return text[:i] + text[i + 1] + text[i] + text[i + 2 :]
        case 1:  # a letter left out
            return text[:i] + text[i + 1 :]
        case _:  # a letter doubled
            return text[:i] + text[i] + text[i:]


def _swapped(rng: random.Random, name: str) -> str:
    words = name.split()
    return " ".join(words[1:] + words[:1]) if len(words) > 1 else name


def _accented(rng: random.Random, name: str) -> str:
    return "".join(ACCENTS.get(ch, ch) if rng.random() < 0.3 else ch for ch in name)


def _email(rng: random.Random, email: str | None) -> str | None:
    if not email:
        return email
    local, _, domain = email.partition("@")
    match rng.randrange(4):
        case 0:
            return email.upper()
        case 1:
            return f"{local}+shop@gmail.com" if rng.random() < 0.5 else None
        case 2:
            return f"{_typo(rng, local)}@{domain}"
        case _:
            return f"{local.capitalize()}@{domain}"


def _phone(rng: random.Random, phone: str | None) -> str | None:
    if not phone or rng.random() < 0.4:
        return None
    i = rng.randrange(4, len(phone))
    return phone[:i] + str(rng.randrange(10)) + phone[i + 1 :]


NAME_CHANGES: tuple[Callable[[random.Random, str], str], ...] = (_typo, _swapped, _accented)


def _changed(rng: random.Random, row: dict) -> dict:
    """A re-registration of `row`: the name always differs a little, and one or two of e-mail,
    phone and address change too."""
    dup = dict(row, id=duplicate_id(row["id"]), version_id=1)
    dup["name"] = rng.choice(NAME_CHANGES)(rng, row["name"])
    dup["name_key"] = dup["name"].casefold()
    for change in rng.sample(("email", "phone", "address"), rng.randint(1, 2)):
        if change == "email":
            dup["email"] = _email(rng, row["email"])
        elif change == "phone":
            dup["phone"] = _phone(rng, row["phone"])
        else:
            dup["moved"] = True
    if not dup["email"] and not dup["phone"]:
        dup["email"] = row["email"] or None
        dup["phone"] = row["phone"] if not dup["email"] else None
    return dup


def inject(connection: Connection, share: float = 0.02, seed: int = 18) -> int:
    """Add duplicates of `share` of the customers that have none yet; the number added."""
    rng = random.Random(seed)  # noqa: S311 - reproducible demo data, not secrets
    ids = list(connection.scalars(select(Customer.id).order_by(Customer.id)))
    chosen = set(rng.sample(ids, int(len(ids) * share)))
    chosen -= {i for i in chosen if duplicate_id(i) in chosen}
    have = set(ids)
    originals = sorted(i for i in chosen if duplicate_id(i) not in have)
    customers, addresses, terms = [], [], []
    c, a = Customer.__table__, CustomerAddress.__table__
    for start in range(0, len(originals), 2_000):
        part = originals[start : start + 2_000]
        rows = {
            r.id: dict(r._mapping) for r in connection.execute(select(c).where(c.c.id.in_(part)))
        }
        homes = {}
        for r in connection.execute(select(a).where(a.c.customer_id.in_(part), a.c.is_default)):
            homes.setdefault(r.customer_id, dict(r._mapping))
        for original in part:
            dup = _changed(rng, rows[original])
            moved = dup.pop("moved", False)
            customers.append(dup)
            terms.extend(rows_for(dup["id"], dup["name"], dup["email"], dup["phone"]))
            if home := homes.get(original):
                address = dict(
                    home, id=str(uuid.uuid5(NAMESPACE, home["id"])), customer_id=dup["id"]
                )
                if moved:
                    address["street1"] = f"{rng.randint(1, 400)} {_typo(rng, address['street1'])}"
                    address["postal_code"] = None
                addresses.append(address)
    bulk_insert(connection, c, customers)
    bulk_insert(connection, a, addresses)
    bulk_insert(connection, customer_search_term, terms)
    return len(customers)


def truth(connection: Connection) -> set[tuple[str, str]]:
    """The injected pairs present in the database (lower id first)."""
    ids = set(connection.scalars(select(Customer.id)))
    return {tuple(sorted((i, duplicate_id(i)))) for i in ids if duplicate_id(i) in ids}
