"""Realistic demo customers of all ten types, loaded in bulk.

Faker is slow per call, so it fills small pools once and rows are assembled from them with a
seeded random generator: a million customers with their addresses, preferences and interactions
load in minutes, in batches (COPY on PostgreSQL, multi-row INSERTs elsewhere), never one ORM
flush per row.
"""

from __future__ import annotations

import random
import string
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache

import phonenumbers
from faker import Faker
from sqlalchemy import Connection, Table, text

from portal.customers.models import (
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
    DELIVERY_FREQUENCIES,
    ORGANIZATION_TYPES,
    PAYMENT_TERMS,
    AddressType,
    ContactMethod,
    CustomerStatus,
    CustomerType,
    InteractionType,
    ResidencyStatus,
)
from portal.models import bulk_insert, utcnow

POOL = 600
BATCH = 2_000
BULK = 50_000  # from this many customers on, PostgreSQL indexes are built after the load
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
DIETS = ("vegetarian", "vegan", "halal", "gluten-free", "nut allergy", "pescatarian")
CUISINES = ("Jamaican", "Trinidadian", "Haitian", "Cuban", "Fusion", "Puerto Rican")


def _uuid(rng: random.Random) -> str:
    """A version-4 UUID string from the seeded generator: reproducible and cheap."""
    h = f"{rng.getrandbits(128) & ~(0xF << 76) & ~(0x3 << 62) | (0x4 << 76) | (0x2 << 62):032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


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


class Generator:
    def __init__(self, seed: int, now: datetime):
        self.rng = random.Random(seed)  # noqa: S311 - reproducible demo data, not secrets
        self.pools = Pools.build(seed)
        self.now = now
        self.types = list(TYPE_WEIGHTS)
        self.type_weights = list(TYPE_WEIGHTS.values())
        self.statuses = list(STATUS_WEIGHTS)
        self.status_weights = list(STATUS_WEIGHTS.values())
        self.countries = [c for c, *_ in COUNTRIES]
        self.country_weights = [w for _, w, _ in COUNTRIES]

    def type_data(self, kind: CustomerType) -> dict:
        rng = self.rng
        match kind:
            case CustomerType.DIASPORA_COMMUNITY:
                return {
                    "origin_region": rng.choice(
                        ["Jamaica", "Trinidad", "Haiti", "Barbados", "Guyana"]
                    ),
                    "cultural_affinity": rng.choice(["STRONG", "MODERATE", "LIGHT"]),
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

    def customer(self, n: int) -> tuple[dict, list[dict], dict | None, list[dict]]:
        rng, pools = self.rng, self.pools
        kind = rng.choices(self.types, self.type_weights)[0]
        country = rng.choices(self.countries, self.country_weights)[0]
        first, last = rng.choice(pools.first_names), rng.choice(pools.last_names)
        b2b = kind in B2B_TYPES
        name = rng.choice(pools.companies) if b2b else f"{first} {last}"
        local = "".join(
            ch for ch in f"{first}.{last}".lower() if ch.isascii() and (ch.isalnum() or ch == ".")
        )
        created = self.now - timedelta(days=rng.randint(1, 6 * 365), seconds=rng.randint(0, 86_399))
        customer_id = f"{CUSTOMER_ID_PREFIX}{_uuid(rng)}"
        has_email = rng.random() < 0.93
        row = {
            "id": customer_id,
            "name": name,
            "name_key": name.casefold(),
            "customer_type": kind.value,
            "status": rng.choices(self.statuses, self.status_weights)[0].value,
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
            }
        interactions = []
        for _ in range(rng.choice((0, 0, 1, 1, 2, 3))):
            when = created + (self.now - created) * rng.random()
            interactions.append(
                {
                    "id": _uuid(self.rng),
                    "customer_id": customer_id,
                    "type": rng.choice(list(InteractionType)).value,
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
            "id": _uuid(self.rng),
            "customer_id": customer_id,
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
    count: int, *, seed: int = 2026, now: datetime | None = None
) -> Iterator[tuple[list, list, list, list]]:
    """Yield batches of (customers, addresses, preferences, interactions) rows."""
    generator = Generator(seed, now or utcnow())
    for start in range(0, count, BATCH):
        batch: tuple[list, list, list, list] = ([], [], [], [])
        for n in range(start, min(start + BATCH, count)):
            row, addresses, preference, interactions = generator.customer(n)
            batch[0].append(row)
            batch[1].extend(addresses)
            if preference:
                batch[2].append(preference)
            batch[3].extend(interactions)
        yield batch


def load(
    connection: Connection,
    count: int,
    *,
    seed: int = 2026,
    progress: Callable[[int], None] = lambda n: None,
) -> int:
    """Insert `count` customers in batches; the caller owns the transaction."""
    tables = (
        Customer.__table__,
        CustomerAddress.__table__,
        CustomerPreference.__table__,
        Interaction.__table__,
        customer_search_term,
    )
    postgresql = connection.dialect.name == "postgresql"
    with _indexes_built_after(connection, tables, postgresql and count >= BULK):
        for batch in generate(count, seed=seed):
            terms = [
                term
                for c in batch[0]
                for term in rows_for(c["id"], c["name"], c["email"], c["phone"])
            ]
            for table, rows in zip(tables, (*batch, terms), strict=True):
                bulk_insert(connection, table, rows)
            progress(len(batch[0]))
    return count


@contextmanager
def _indexes_built_after(connection: Connection, tables: tuple[Table, ...], enabled: bool):
    """Drop the secondary indexes, load, build them again: maintaining the trigram (GIN) indexes
    row by row made a million-customer load three times slower than building them once."""
    indexes = [index for table in tables for index in table.indexes] if enabled else []
    for index in indexes:
        index.drop(connection)
    yield
    if indexes:
        connection.execute(text("SET LOCAL maintenance_work_mem = '256MB'"))
    for index in indexes:
        index.create(connection)
