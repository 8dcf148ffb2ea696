"""Realistic demo customers of all ten types, loaded in bulk.

Faker is slow per call, so it fills small pools once and rows are assembled from them with a
seeded random generator, batch by batch (COPY on PostgreSQL, multi-row INSERTs elsewhere), never
one ORM flush per row. A large load on PostgreSQL has its batches made by helper processes while
it sends the earlier ones: Python and PostgreSQL then work at the same time on two cores.
"""

from __future__ import annotations

import multiprocessing
import random
import string
from bisect import bisect_right
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache, partial
from itertools import accumulate
from typing import NamedTuple, TypeVar

import phonenumbers
from faker import Faker
from sqlalchemy import ColumnElement, Connection, Table, func, literal, select, text

from portal.bulk import CopyText, bulk_insert, copy_text
from portal.customers.models import (
    CUSTOMER_ID_LENGTH,
    CUSTOMER_ID_PREFIX,
    Customer,
    CustomerAddress,
    CustomerPreference,
    Interaction,
    customer_search_term,
)
from portal.customers.search_index import rows_for
from portal.customers.values import (
    B2B_TYPES,
    CARIBBEAN_CUISINES,
    COMPANY_SIZES,
    CULTURAL_AFFINITIES,
    DELIVERY_FREQUENCIES,
    ORGANIZATION_TYPES,
    PAYMENT_TERMS,
    RECORDED_BY_STAFF,
    AddressType,
    ContactMethod,
    CustomerStatus,
    CustomerType,
    ResidencyStatus,
)
from portal.models import utcnow
from portal.security.models import AuditEntry

T = TypeVar("T")
R = TypeVar("R")
POOL = 600
BATCH = 2_000
BULK = 50_000  # from this many on PostgreSQL: made by helper processes, indexed after the load
# (country, share, phone prefix, postal code maker)
COUNTRIES: tuple[tuple[str, int, str], ...] = (
    ("US", 45, "+1212"),
    ("CA", 10, "+1416"),
    ("GB", 10, "+44207"),
    ("JM", 10, "+1876"),
    ("TT", 6, "+1868"),
    ("BB", 4, "+1246"),
    ("DO", 5, "+1809"),
    ("NL", 5, "+3120"),
    ("FR", 5, "+3314"),
)
TYPE_WEIGHTS = {
    CustomerType.DIASPORA_COMMUNITY: 22,
    CustomerType.EXPAT: 14,
    CustomerType.TOURIST: 10,
    CustomerType.INDIGENOUS_FOODIE: 14,
    CustomerType.FOOD_TRUCK: 6,
    CustomerType.PRIVATE_CHEF: 6,
    CustomerType.SPECIALTY_MARKET: 6,
    CustomerType.LIMITED_SERVICE_RESTAURANT: 8,
    CustomerType.FULL_SERVICE_RESTAURANT: 9,
    CustomerType.HOTEL_RESTAURANT: 5,
}
STATUS_WEIGHTS = {
    CustomerStatus.ACTIVE: 82,
    CustomerStatus.INACTIVE: 8,
    CustomerStatus.PENDING_VERIFICATION: 5,
    CustomerStatus.SUSPENDED: 3,
    CustomerStatus.CLOSED: 2,
}
ENCOUNTERS = (
    "Kingston airport shop",
    "Port of Spain market",
    "A cruise stop in Nassau",
    "Carnival in Notting Hill",
    "A hotel breakfast in Montego Bay",
    "A food festival",
)
INTERESTS = (
    "jerk seasoning",
    "hot sauces",
    "rum cakes",
    "plantain chips",
    "ackee",
    "callaloo",
    "curry goat",
    "sorrel",
    "coconut",
    "scotch bonnet",
)
# (source, its channel, weight among consumers, among businesses): consumers find EFI online
# and at festivals, businesses through sales visits, trade shows and distributors; one in ten
# registered before the portal asked (None).
ACQUISITION = (
    (None, None, 10, 10),
    ("WEBSITE", "DIRECT", 12, 6),
    ("GOOGLE_ORGANIC", "ORGANIC_SEARCH", 16, 8),
    ("GOOGLE_ADS", "PAID_SEARCH", 12, 8),
    ("BING_ADS", "PAID_SEARCH", 3, 2),
    ("INSTAGRAM", "SOCIAL", 14, 3),
    ("FACEBOOK", "SOCIAL", 8, 2),
    ("TIKTOK", "SOCIAL", 6, 1),
    ("NEWSLETTER", "EMAIL", 5, 3),
    ("CUSTOMER_REFERRAL", "REFERRAL", 8, 8),
    ("FOOD_FESTIVAL", "EVENT", 6, 4),
    ("TRADE_SHOW", "EVENT", 0, 15),
    ("DISTRIBUTOR", "PARTNER", 0, 12),
    ("FIELD_SALES", "SALES", 0, 18),
)
INTERACTION_TYPES = tuple(kind.value for kind in RECORDED_BY_STAFF)
DIETS = ("vegetarian", "vegan", "halal", "gluten-free", "nut allergy", "pescatarian")
CUISINES = ("Jamaican", "Trinidadian", "Haitian", "Cuban", "Fusion", "Puerto Rican")


def _uuid4(bits: int) -> str:
    """The version-4 UUID carrying these 122 random bits, in their order."""
    value = (
        bits >> 74 << 80
        | 0x4 << 76
        | (bits >> 62 & 0xFFF) << 64
        | 0x2 << 62
        | bits & ((1 << 62) - 1)
    )
    h = f"{value:032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def _ascending_uuids(rng: random.Random, part: int, parts: int, count: int) -> list[str]:
    """`count` random version-4 UUIDs from the `part`-th of `parts` equal slices of them, in
    ascending order. Loaded slice after slice, a table's primary key and its foreign keys'
    look-ups then work at the right edge of their B-trees instead of on random pages of all
    of them, which on a million customers no longer fit in PostgreSQL's buffers."""
    width = (1 << 122) // parts
    return [
        _uuid4(part * width + bits) for bits in sorted(rng.randrange(width) for _ in range(count))
    ]


@lru_cache(maxsize=POOL * POOL)
def _mailbox(first: str, last: str) -> str:
    return "".join(
        c for c in f"{first}.{last}".lower() if c.isascii() and (c.isalnum() or c == ".")
    )


def _valid_phones(rng: random.Random, prefix: str, count: int = POOL) -> list[str]:
    """E.164 numbers that phonenumbers accepts, as the contact rules require."""
    found: list[str] = []
    while len(found) < count:
        number = f"{prefix}{rng.randint(2_000_000, 9_999_999)}"
        if phonenumbers.is_valid_number(phonenumbers.parse(number)):
            found.append(number)
    return found


def _postal_code(rng: random.Random, country: str) -> str:
    digits = string.digits
    letters = "ABCEGHJKLMNPRSTVXY"
    match country:
        case "US" | "FR" | "DO":
            return "".join(rng.choices(digits, k=5))
        case "CA":
            return (
                f"{rng.choice(letters)}{rng.choice(digits)}{rng.choice(letters)} "
                f"{rng.choice(digits)}{rng.choice(letters)}{rng.choice(digits)}"
            )
        case "GB":
            return (
                f"SW{rng.randint(1, 9)} {rng.randint(1, 9)}{rng.choice('ABDEFGHJLNPQRSTUWXY')}"
                f"{rng.choice('ABDEFGHJLNPQRSTUWXY')}"
            )
        case "JM":
            return f"JM{rng.choice(['AAW', 'AKW', 'BCN', 'DMR'])}{rng.randint(10, 99)}"
        case "TT":
            return "".join(rng.choices(digits, k=6))
        case "BB":
            return f"BB{rng.randint(10000, 99999)}"
        case "NL":
            return f"{rng.randint(1000, 9999)} {rng.choice('ABCDEFGH')}{rng.choice('ABCDEFGH')}"
    return ""


@dataclass
class Pools:
    first_names: list[str]
    last_names: list[str]
    companies: list[str]
    streets: list[str]
    cities: dict[str, list[str]]
    sentences: list[str]
    phones: dict[str, list[str]]

    @classmethod
    def build(cls, seed: int) -> Pools:
        fake = Faker(["en_US", "en_GB", "es_ES", "fr_FR", "nl_NL"])
        fake.seed_instance(seed)
        rng = random.Random(seed)  # noqa: S311 - reproducible demo data, not secrets
        return cls(
            phones={c: _valid_phones(rng, prefix) for c, _, prefix in COUNTRIES},
            first_names=[fake.first_name() for _ in range(POOL)],
            last_names=[fake.last_name() for _ in range(POOL)],
            companies=[fake.company() for _ in range(POOL)],
            streets=[fake.street_address() for _ in range(POOL)],
            cities={c: [fake.city() for _ in range(40)] for c, *_ in COUNTRIES},
            sentences=[fake.sentence(nb_words=8) for _ in range(POOL)],
        )


class Batch(NamedTuple):
    customers: list[dict]
    addresses: list[dict] | CopyText
    preferences: list[dict] | CopyText
    interactions: list[dict] | CopyText
    search_terms: list[dict] | CopyText


TABLES = (  # of the fields of Batch, in order
    Customer.__table__,
    CustomerAddress.__table__,
    CustomerPreference.__table__,
    Interaction.__table__,
    customer_search_term,
)


class Generator:
    """The rows of `count` customers, batch by batch. A batch depends only on the seed and its
    place, so any process can make any of them."""

    rng: random.Random  # the current batch's

    def __init__(self, seed: int, now: datetime, count: int):
        self.seed, self.now, self.count = seed, now, count
        self.parts = -(-count // BATCH)
        self.pools = Pools.build(seed)
        self.types = list(TYPE_WEIGHTS)
        self.type_weights = list(accumulate(TYPE_WEIGHTS.values()))
        self.statuses = [status.value for status in STATUS_WEIGHTS]
        self.status_weights = list(accumulate(STATUS_WEIGHTS.values()))
        self.countries = [c for c, *_ in COUNTRIES]
        self.country_weights = list(accumulate(w for _, w, _ in COUNTRIES))
        self.acquisition = [(source, channel) for source, channel, *_ in ACQUISITION]
        self.acquisition_weights = {  # by whether the customer is a business
            False: list(accumulate(b2c for *_, b2c, _ in ACQUISITION)),
            True: list(accumulate(b2b for *_, b2b in ACQUISITION)),
        }

    def batch(self, start: int) -> Batch:
        part = start // BATCH
        self.rng = rng = random.Random(f"{self.seed}:{part}")  # noqa: S311 - demo data
        batch = Batch([], [], [], [], [])
        ids = _ascending_uuids(rng, part, self.parts, min(BATCH, self.count - start))
        for n, customer_id in enumerate(ids, start):
            row, addresses, preference, interactions = self.customer(
                n, f"{CUSTOMER_ID_PREFIX}{customer_id}"
            )
            batch.customers.append(row)
            batch.addresses.extend(addresses)
            if preference:
                batch.preferences.append(preference)
            batch.interactions.extend(interactions)
            batch.search_terms.extend(rows_for(row["id"], row["name"], row["email"], row["phone"]))
        for rows in (batch.addresses, batch.interactions):
            ids = _ascending_uuids(rng, part, self.parts, len(rows))
            for row, row_id in zip(rows, ids, strict=True):
                row["id"] = row_id
        return batch

    def type_data(self, kind: CustomerType) -> dict:
        rng = self.rng
        match kind:
            case CustomerType.DIASPORA_COMMUNITY:
                return {
                    "origin_region": rng.choice(
                        ["Jamaica", "Trinidad", "Haiti", "Barbados", "Guyana"]
                    ),
                    "cultural_affinity": rng.choice(CULTURAL_AFFINITIES),
                    "generational_remove": rng.randint(0, 3),
                    "caribbean_cuisines": rng.sample(CARIBBEAN_CUISINES, rng.randint(1, 3)),
                }
            case CustomerType.EXPAT:
                subscribed = rng.random() < 0.4
                data = {
                    "country_of_origin": rng.choice(["JM", "TT", "BB", "HT", "GY", "DO"]),
                    "residency_status": rng.choice(list(ResidencyStatus)).value,
                    "has_subscription": subscribed,
                }
                if subscribed:
                    data["delivery_preferences"] = "Leave with the concierge"
                    data["delivery_frequency"] = rng.choice(DELIVERY_FREQUENCIES)
                return data
            case CustomerType.TOURIST:
                return {"first_encounter": rng.choice(ENCOUNTERS)}
            case CustomerType.INDIGENOUS_FOODIE:
                return {
                    "culinary_interests": rng.sample(INTERESTS, rng.randint(1, 3)),
                    "family_size": rng.randint(1, 6),
                }
            case CustomerType.FOOD_TRUCK:
                return {
                    "license_permit": f"MFV-{rng.randint(100000, 999999)}",
                    "operating_locations": rng.sample(
                        ["Downtown", "Harbourfront", "Campus", "Market Square"], 2
                    ),
                }
            case CustomerType.PRIVATE_CHEF:
                return {
                    "service_area": rng.choice(["Brooklyn", "Toronto West", "Kingston"]),
                    "client_capacity": rng.randint(2, 40),
                }
            case CustomerType.SPECIALTY_MARKET:
                return {
                    "retail_square_footage": rng.randint(400, 12000),
                    "customer_volume": rng.randint(50, 3000),
                }
            case CustomerType.HOTEL_RESTAURANT:
                return {"star_rating": rng.randint(2, 5), "dining_venues": rng.randint(1, 6)}
        return {"cuisine_type": rng.choice(CUISINES), "seating_capacity": rng.randint(12, 250)}

    def acquired(self, customer_id: str, b2b: bool) -> tuple[str | None, str | None]:
        """The source and channel, drawn from the id's random last digits rather than the
        generator, so that every other value stays what the seed made before."""
        weights = self.acquisition_weights[b2b]
        return self.acquisition[bisect_right(weights, int(customer_id[-8:], 16) % weights[-1])]

    def customer(
        self, n: int, customer_id: str
    ) -> tuple[dict, list[dict], dict | None, list[dict]]:
        rng, pools = self.rng, self.pools
        kind = rng.choices(self.types, cum_weights=self.type_weights)[0]
        country = rng.choices(self.countries, cum_weights=self.country_weights)[0]
        first, last = rng.choice(pools.first_names), rng.choice(pools.last_names)
        b2b = kind in B2B_TYPES
        name = rng.choice(pools.companies) if b2b else f"{first} {last}"
        local = _mailbox(first, last)
        created = self.now - timedelta(days=rng.randint(1, 6 * 365), seconds=rng.randint(0, 86_399))
        source, channel = self.acquired(customer_id, b2b)
        has_email = rng.random() < 0.93
        row = {
            "id": customer_id,
            "name": name,
            "name_key": name.casefold(),
            "customer_type": kind.value,
            "status": rng.choices(self.statuses, cum_weights=self.status_weights)[0],
            "email": f"{local}{n}@example.{'com' if country == 'US' else 'net'}"
            if has_email
            else None,
            "phone": rng.choice(pools.phones[country]),
            "alternative_email": None,
            "alternative_phone": None,
            "preferred_contact_method": (
                ContactMethod.EMAIL if has_email else ContactMethod.PHONE
            ).value,
            "preferred_contact_time": rng.choice([None, "mornings", "afternoons", "evenings"]),
            "do_not_contact": rng.random() < 0.02,
            "marketing_opt_out": rng.random() < 0.12,
            "type_data": self.type_data(kind),
            "tax_id": f"{rng.randint(10, 99)}-{rng.randint(1_000_000, 9_999_999)}" if b2b else None,
            "registration_number": f"REG{rng.randint(100_000, 999_999)}" if b2b else None,
            "legal_entity_name": f"{name} {rng.choice(['LLC', 'Ltd', 'Inc'])}" if b2b else None,
            "dba_name": None,
            "industry_code": rng.choice(["722511", "722513", "445299", "722330"]) if b2b else None,
            "year_established": rng.randint(1975, 2024) if b2b else None,
            "company_size": rng.choice(COMPANY_SIZES[:3]) if b2b else None,
            "organization_type": rng.choice(ORGANIZATION_TYPES) if b2b else None,
            "payment_terms": rng.choice(PAYMENT_TERMS) if b2b else None,
            "acquisition_channel": channel,
            "acquisition_source": source,
            "version_id": 1,
            "created_at": created,
            "updated_at": created,
            "last_activity_at": None,
            "flagged_inactive_at": None,
            "deactivated_at": None,
        }
        addresses = [self.address(customer_id, AddressType.SHIPPING, country, created)]
        if rng.random() < 0.5:
            addresses.append(self.address(customer_id, AddressType.BILLING, country, created))
        preference = None
        if rng.random() < 0.6:
            preference = {
                "customer_id": customer_id,
                "channels": rng.sample(["EMAIL", "SMS", "PHONE", "MAIL"], rng.randint(1, 2)),
                "frequency": rng.choice(["WEEKLY", "MONTHLY", "RARELY"]),
                "language": rng.choice(["en", "en", "es", "fr", "nl"]),
                "product_interests": rng.sample(INTERESTS, rng.randint(0, 3)),
                "dietary_preferences": rng.sample(DIETS, rng.randint(0, 1)),
                "special_dates": [],
                "updated_at": created,
                "version": 1,
            }
        interactions = []
        for _ in range(rng.choice((0, 0, 1, 1, 2, 3))):
            when = created + (self.now - created) * rng.random()
            interactions.append(
                {
                    "customer_id": customer_id,  # and an id, in Generator.batch
                    "type": rng.choice(INTERACTION_TYPES),
                    "occurred_at": when,
                    "summary": rng.choice(self.pools.sentences)[:300],
                    "details": "",
                    "recorded_by": "00000000-0000-0000-0000-000000000000",
                }
            )
        row["last_activity_at"] = max((i["occurred_at"] for i in interactions), default=created)
        return row, addresses, preference, interactions

    def address(self, customer_id: str, kind: AddressType, country: str, when: datetime) -> dict:
        rng = self.rng
        verified = rng.random() < 0.8
        return {
            "customer_id": customer_id,  # and an id, in Generator.batch
            "address_type": kind.value,
            "is_default": True,
            "street1": rng.choice(self.pools.streets),
            "street2": None,
            "city": rng.choice(self.pools.cities[country]),
            "state": None,
            "postal_code": _postal_code(rng, country) or None,
            "country": country,
            "note": None,
            "verified": verified,
            "verified_at": when if verified else None,
            "version": 1,
        }


def generate(
    count: int, *, seed: int = 2026, now: datetime | None = None, in_helpers: bool = False
) -> Iterator[Batch]:
    """Yield the batches of `count` customers, made here or `in_helpers` processes; these
    format all but the customers as COPY text for PostgreSQL (see _helper_batch)."""
    now = now or utcnow()
    starts = range(0, count, BATCH)
    if in_helpers:
        return made_ahead(partial(_helper_batch, seed, now, count), starts, workers=2)
    return map(Generator(seed, now, count).batch, starts)


@lru_cache(maxsize=1)
def _helper_generator(seed: int, now: datetime, count: int) -> Generator:
    return Generator(seed, now, count)


def _helper_batch(seed: int, now: datetime, count: int, start: int) -> Batch:
    # Sent back as COPY text: pickled, a batch's 20,000 dicts cost more, and were then processed
    # in the loading process, which shares a core with PostgreSQL (100,000 customers: 58 s in
    # place of 50). Not the customers, whose tax ids are encrypted with the app's keys.
    batch = _helper_generator(seed, now, count).batch(start)
    return Batch(
        batch.customers,
        *(copy_text(table, rows) for table, rows in zip(TABLES[1:], batch[1:], strict=True)),
    )


def made_ahead(
    make: Callable[[T], R], tasks: Iterable[T], *, workers: int = 1, ahead: int = 4
) -> Iterator[R]:
    """`make(task)` for every task, in order, made in helper processes while the caller uses
    the ones before: on two cores the rows are generated in Python while PostgreSQL takes
    the previous ones, where in one process the two took turns. `make` is pickled by name
    (a module-level function or a partial of one)."""
    context = multiprocessing.get_context("spawn")  # a fork would copy the open connection
    pool = ProcessPoolExecutor(workers, mp_context=context)
    pending: deque[Future[R]] = deque()
    try:
        for task in tasks:
            pending.append(pool.submit(make, task))
            if len(pending) > ahead:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
    finally:
        pool.shutdown(cancel_futures=True)


def load(
    connection: Connection,
    count: int,
    *,
    seed: int = 2026,
    progress: Callable[[int], None] = lambda n: None,
) -> int:
    """Insert `count` customers in batches; the caller owns the transaction."""
    bulk = connection.dialect.name == "postgresql" and count >= BULK
    with indexes_built_after(connection, TABLES, bulk):
        for batch in generate(count, seed=seed, in_helpers=bulk):
            for table, rows in zip(TABLES, batch, strict=True):
                bulk_insert(connection, table, rows)
            progress(len(batch.customers))
    seed_verification_codes(connection)
    return count


# The verification funnel's demo (what services.contact_change audits), chosen by the random
# hex digits at the end of each id: 12 in 16 were sent a code; of those, 3 in 16 entered a wrong
# one and 11 in 16 confirmed one.
CODE_STEPS = (
    (-1, "0123456789ab", "customer.contact_change_request", "success", "Sent a code"),
    (-2, "012", "customer.contact_change_confirm", "failure", "Wrong code (attempt 1)"),
    (-3, "56789abcdef", "customer.contact_change_confirm", "success", "Confirmed the code"),
)


def seed_verification_codes(connection: Connection, *where: ColumnElement[bool]) -> None:
    """The audit entries of codes sent and entered for the demo customers (those matching
    `where`), set-based."""
    sent = func.substr(Customer.id, CUSTOMER_ID_LENGTH, 1).in_(list(CODE_STEPS[0][1]))
    columns = ("at", "actor", "action", "record_type", "record_id", "outcome", "summary")
    for place, digits, action, outcome, summary in CODE_STEPS:
        chosen = func.substr(Customer.id, CUSTOMER_ID_LENGTH + 1 + place, 1).in_(list(digits))
        rows = select(
            Customer.created_at,
            literal("system"),
            literal(action),
            literal("customer"),
            Customer.id,
            literal(outcome),
            literal(summary),
        ).where(sent, chosen, *where)
        connection.execute(AuditEntry.__table__.insert().from_select(columns, rows))


@contextmanager
def indexes_built_after(connection: Connection, tables: tuple[Table, ...], enabled: bool):
    """Drop the secondary indexes, load, build them again: one sort per index instead of
    inserts at random places in it (256MB: with 1GB the 14 million search terms' index took
    56 s to build, not 41 s)."""
    indexes = [index for table in tables for index in table.indexes] if enabled else []
    for index in indexes:
        index.drop(connection)
    yield
    if indexes:
        connection.execute(text("SET LOCAL maintenance_work_mem = '256MB'"))
    for index in indexes:
        index.create(connection)
