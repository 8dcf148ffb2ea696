"""Demo customers: every generated record satisfies the rules the services enforce."""

from __future__ import annotations

from sqlalchemy import func, select

from portal.customers import demo, rules
from portal.customers.models import Customer, CustomerAddress
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


def test_generated_customers_obey_the_domain_rules():
    customers, addresses, _, _ = next(demo.generate(500, seed=7))
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
    first = next(demo.generate(50, seed=3))[0]
    again = next(demo.generate(50, seed=3))[0]
    assert [c["id"] for c in first] == [c["id"] for c in again]


def test_seed_loads_in_bulk_and_if_empty_loads_once():
    assert seed_demo_customers(120, seed=1) == 120
    assert seed_demo_customers(50, seed=2, if_empty=True) == 0
    assert db.session.scalar(select(func.count()).select_from(Customer)) == 120
    assert db.session.scalar(select(func.count()).select_from(CustomerAddress)) >= 120
    stored = db.session.scalars(select(Customer).where(Customer.tax_id.is_not(None))).first()
    assert stored.tax_id.count("-") == 1  # decrypts through the model
