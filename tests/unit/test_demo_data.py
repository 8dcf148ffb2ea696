"""Demo customers: every generated record satisfies the rules the services enforce."""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from sqlalchemy import func, select

from portal.bulk import copy_text
from portal.customers import demo, rules
from portal.customers.models import (
    CUSTOMER_ID_PREFIX,
    Customer,
    CustomerAddress,
)
from portal.customers.queries import directory
from portal.customers.queries.directory import DirectoryFilter
from portal.customers.values import (
    AddressData,
    AddressType,
    BusinessIdentification,
    ContactInfo,
    ContactMethod,
    CustomerType,
)
from portal.demo import seed_demo_customers
from portal.extensions import db
from portal.models import utcnow
from portal.segmentation.models import CustomerMetrics, CustomerOrder


def test_generated_customers_obey_the_domain_rules():
    customers, addresses, *_ = next(demo.generate(500, seed=7))
    assert {c["customer_type"] for c in customers} == {t.value for t in CustomerType}
    for row in customers:
        kind = CustomerType(row["customer_type"])
        assert row["id"].startswith("cust-")
        assert rules.type_data_errors(kind, row["type_data"]) == {}, row
        contact = ContactInfo(
            email=row["email"],
            phone=row["phone"],
            preferred_contact_method=ContactMethod(row["preferred_contact_method"]),
        )
        assert rules.contact_errors(contact) == {}, row
        business = (
            BusinessIdentification(
                tax_id=row["tax_id"], registration_number=row["registration_number"]
            )
            if kind.is_b2b
            else None
        )
        assert rules.business_errors(kind, business) == {}, row
    for row in addresses:
        data = AddressData(
            address_type=AddressType(row["address_type"]),
            street1=row["street1"],
            city=row["city"],
            country=row["country"],
            postal_code=row["postal_code"],
        )
        assert rules.address_errors(data) == {}, row


def test_generation_is_reproducible():
    first = next(demo.generate(50, seed=3)).customers
    again = next(demo.generate(50, seed=3)).customers
    assert [c["id"] for c in first] == [c["id"] for c in again]


def test_ids_are_random_uuids_in_ascending_order_across_batches():
    batches = list(demo.generate(2 * demo.BATCH + 10, seed=5))
    for rows, prefix in (
        ([c for b in batches for c in b.customers], CUSTOMER_ID_PREFIX),
        ([a for b in batches for a in b.addresses], ""),
        ([i for b in batches for i in b.interactions], ""),
    ):
        ids = [row["id"].removeprefix(prefix) for row in rows]
        assert ids == sorted(set(ids))
        assert {uuid.UUID(i).version for i in ids} == {4}


def test_helper_processes_make_the_same_rows_as_copy_text():
    now = utcnow()
    here = list(demo.generate(demo.BATCH + 10, seed=4, now=now))
    there = list(demo.generate(demo.BATCH + 10, seed=4, now=now, in_helpers=True))
    assert len(there) == len(here) == 2
    for made, local in zip(there, here, strict=True):
        assert made.customers == local.customers  # encrypted by the loading process
        for table, text, rows in zip(demo.TABLES[1:], made[1:], local[1:], strict=True):
            expected = copy_text(table, rows)
            assert text.columns == expected.columns
            # Search terms come in the order of the process's string hashing.
            assert sorted(text.data.splitlines()) == sorted(expected.data.splitlines())


def test_seed_loads_in_bulk_and_if_empty_loads_once():
    assert seed_demo_customers(120, seed=1) == 120
    assert seed_demo_customers(50, seed=2, if_empty=True) == 0
    assert db.session.scalar(select(func.count()).select_from(Customer)) == 120
    assert db.session.scalar(select(func.count()).select_from(CustomerAddress)) >= 120
    stored = db.session.scalars(select(Customer).where(Customer.tax_id.is_not(None))).first()
    assert stored.tax_id.count("-") == 1  # decrypts through the model


def test_a_bulk_load_finds_its_customers_by_search_and_keeps_every_index(monkeypatch):
    # On PostgreSQL: generated and formatted in helper processes, indexed after the load.
    monkeypatch.setattr(demo, "BULK", 100)
    tables = (*demo.TABLES, CustomerOrder.__table__)
    indexes = {index.name for table in tables for index in table.indexes}
    assert seed_demo_customers(150, seed=6) == 150
    batch = next(demo.generate(150, seed=6))
    stored = db.session.scalars(select(Customer.id).order_by(Customer.id)).all()
    assert stored == [c["id"] for c in batch.customers]
    assert db.session.scalar(select(func.count()).select_from(CustomerMetrics)) == 150
    wanted = batch.customers[42]
    found = directory.customer_list(DirectoryFilter(q=wanted["phone"][-7:]), per_page=100)
    assert wanted["id"] in {row.id for row in found.rows}
    inspector = sa.inspect(db.engine)
    assert indexes <= {i["name"] for table in tables for i in inspector.get_indexes(table.name)}
