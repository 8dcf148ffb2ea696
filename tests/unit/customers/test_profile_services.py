"""register_customer and update_customer: events, audit, nothing saved on refusal, locking."""

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from portal.customers import services
from portal.customers.models import Customer
from portal.customers.services._common import MASK
from portal.customers.values import (
    BusinessIdentification,
    ContactInfo,
    ContactMethod,
    CustomerStatus,
    CustomerType,
    ProfileChanges,
)
from portal.domain import DomainError, StaleVersion
from portal.events.catalogue import CATALOGUE
from portal.events.models import OutboxEvent
from portal.extensions import db
from portal.security.models import AuditEntry
from tests.factories import BUSINESS, TYPE_DATA, events, new_customer


def changes(customer: Customer, **overrides) -> ProfileChanges:
    fields = {
        "name": customer.name,
        "alternative_email": customer.alternative_email,
        "alternative_phone": customer.alternative_phone,
        "preferred_contact_method": customer.preferred_contact_method,
        "preferred_contact_time": customer.preferred_contact_time,
        "do_not_contact": customer.do_not_contact,
        "marketing_opt_out": customer.marketing_opt_out,
        "type_data": dict(customer.type_data),
    }
    fields.update(overrides)
    return ProfileChanges(**fields)


def count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_every_emitted_payload_has_exactly_the_catalogued_fields(staff, restaurant):
    services.update_customer(staff, restaurant.id, changes(restaurant, name="Lola's"), 1)
    for event in events():
        assert set(event.payload) == set(CATALOGUE[event.type].fields), event.type


@pytest.mark.parametrize("customer_type", list(CustomerType))
def test_register_customer_of_every_type(staff, customer_type):
    customer = services.register_customer(staff, new_customer(customer_type))
    assert customer.id.startswith("cust-")
    assert len(customer.id) == 41
    assert customer.status == CustomerStatus.ACTIVE
    assert customer.type_data == TYPE_DATA[customer_type]
    assert customer.version_id == 1
    (event,) = events("CustomerCreated")
    assert event.aggregate_id == customer.id
    assert event.actor == staff.id
    assert event.payload == {
        "customerId": customer.id,
        "customerType": customer_type.value,
        "name": "Marcia Campbell",
        "contactInfo": {
            "email": "marcia@example.org",
            "phone": "+18765551234",
            "alternativeEmail": None,
            "alternativePhone": None,
            "preferredContactMethod": None,
            "preferredContactTime": None,
            "doNotContact": False,
        },
        "createdAt": customer.created_at.isoformat(),
    }
    (entry,) = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.record_id == customer.id))
    assert entry.action == "customer.register"
    assert entry.user_id == staff.id


def test_nothing_is_saved_when_registration_is_refused(staff):
    with pytest.raises(DomainError) as refused:
        services.register_customer(staff, new_customer(name="", contact=ContactInfo(email="nope")))
    assert set(refused.value.errors) == {"name", "email"}
    assert count(Customer) == count(OutboxEvent) == count(AuditEntry) == 0


def test_b2b_identifiers_stay_out_of_events_and_audit(staff, restaurant):
    services.update_customer(
        staff,
        restaurant.id,
        changes(restaurant, business=BusinessIdentification(tax_id="99-0000001")),
        1,
    )
    texts = [str(e.payload) for e in events()]
    texts += [str(a.details) + a.summary for a in db.session.scalars(sa.select(AuditEntry))]
    for text in texts:
        assert BUSINESS.tax_id not in text
        assert "99-0000001" not in text
        assert BUSINESS.registration_number not in text
    (updated,) = events("CustomerUpdated")
    assert updated.payload["previousValues"]["taxId"] == MASK
    assert restaurant.tax_id == "99-0000001"
    assert restaurant.registration_number == BUSINESS.registration_number  # kept


def test_update_customer_reports_what_changed(staff, customer):
    updated = services.update_customer(
        staff,
        customer.id,
        changes(
            customer,
            name="Marcia Campbell-Reid",
            preferred_contact_method=ContactMethod.SMS,
            type_data=dict(customer.type_data, generational_remove=2),
        ),
        expected_version=1,
    )
    assert updated.version_id == 2
    assert updated.name_key == "marcia campbell-reid"
    (event,) = events("CustomerUpdated")
    assert event.payload["customerId"] == customer.id
    assert event.payload["modifiedFields"] == ["name", "preferredContactMethod", "typeData"]
    assert event.payload["previousValues"]["name"] == "Marcia Campbell"
    assert event.payload["newValues"]["preferredContactMethod"] == "SMS"
    assert event.payload["newValues"]["typeData"]["generational_remove"] == 2


def test_an_update_without_changes_emits_nothing(staff, customer):
    services.update_customer(staff, customer.id, changes(customer), 1)
    assert events("CustomerUpdated") == []
    assert customer.version_id == 1


def test_update_refuses_fields_of_another_type_and_saves_nothing(staff, customer):
    with pytest.raises(DomainError) as refused:
        services.update_customer(
            staff,
            customer.id,
            changes(customer, name="Changed", type_data={"seating_capacity": 3}),
            1,
        )
    assert "seating_capacity" in refused.value.errors
    assert "origin_region" in refused.value.errors
    db.session.expire_all()
    assert db.session.get(Customer, customer.id).name == "Marcia Campbell"
    assert events("CustomerUpdated") == []


def test_an_edit_of_an_old_version_is_refused_and_the_newer_one_kept(staff, customer):
    services.update_customer(staff, customer.id, changes(customer, name="First"), 1)
    with pytest.raises(StaleVersion) as stale:
        services.update_customer(staff, customer.id, changes(customer, name="Second"), 1)
    assert stale.value.current["name"] == "First"
    assert stale.value.version == 2
    db.session.expire_all()
    assert db.session.get(Customer, customer.id).name == "First"


def test_a_concurrent_commit_between_read_and_write_is_caught(staff, customer):
    customer_id = customer.id
    mine = db.session.get(Customer, customer_id)  # loaded at version 1, kept in this session
    assert mine.version_id == 1
    with Session(db.engine) as other:  # another request saves first
        theirs = other.get(Customer, customer_id)
        theirs.name = "Theirs"
        other.commit()
    with pytest.raises(StaleVersion) as stale:
        services.update_customer(staff, customer_id, changes(mine, name="Mine"), 1)
    assert stale.value.current["name"] == "Theirs"
    db.session.expire_all()
    assert db.session.get(Customer, customer_id).name == "Theirs"
    assert events("CustomerUpdated") == []


def test_payment_terms_change_only_through_finance_approval(staff, restaurant):
    from dataclasses import replace

    changed = replace(BUSINESS, payment_terms="NET_60")
    with pytest.raises(DomainError) as refused:
        services.update_customer(
            staff, restaurant.id, changes(restaurant, business=changed), restaurant.version_id
        )
    assert "finance" in refused.value.errors["payment_terms"][0]
    db.session.refresh(restaurant)
    assert restaurant.payment_terms is None
