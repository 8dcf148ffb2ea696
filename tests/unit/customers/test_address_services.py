"""Addresses: verified and standardised before storing, one default per type, versions."""

import pytest

from portal.customers import services
from portal.customers.adapters import HttpAddressVerifier, OfflineAddressVerifier
from portal.customers.models import CustomerAddress
from portal.customers.ports import AddressCheck
from portal.customers.services.addresses import AddressVerificationUnavailable
from portal.customers.values import AddressType
from portal.domain import DomainError, NotFound, StaleVersion
from portal.extensions import db
from tests.factories import address, events


def test_add_address_standardises_verifies_and_emits(staff, customer):
    added = services.add_address(staff, customer.id, address(street2=" Apt   4 "))
    assert (added.street1, added.street2, added.city, added.state, added.country) == (
        "12 Hope Road",
        "Apt 4",
        "New York",
        "NY",
        "US",
    )
    assert added.verified
    assert added.verified_at is not None
    assert added.is_default  # the first of its type
    assert customer.can_place_orders
    (event,) = events("CustomerAddressAdded")
    assert event.payload["customerId"] == customer.id
    assert event.payload["addressType"] == "SHIPPING"
    assert event.payload["addressData"]["streetAddress1"] == "12 Hope Road"
    assert event.payload["addressData"]["postalCode"] == "10001"


def test_an_invalid_address_is_not_stored(staff, customer):
    with pytest.raises(DomainError) as refused:
        services.add_address(staff, customer.id, address(postal_code="ABC"))
    assert "postal_code" in refused.value.errors
    assert db.session.query(CustomerAddress).count() == 0
    assert events("CustomerAddressAdded") == []
    assert not customer.can_place_orders


class Unconfirmed:
    def verify(self, data):
        return AddressCheck(OfflineAddressVerifier().verify(data).address, verified=False)


def test_unverified_address_does_not_allow_orders_until_verified(staff, customer):
    added = services.add_address(staff, customer.id, address(), verifier=Unconfirmed())
    assert not added.verified
    assert not customer.can_place_orders
    with pytest.raises(DomainError):
        services.verify_address(staff, customer.id, added.id, verifier=Unconfirmed())
    services.verify_address(staff, customer.id, added.id)
    assert added.verified
    (event,) = events("CustomerAddressUpdated")
    assert event.payload["previousData"]["isVerified"] is False
    assert event.payload["updatedData"]["isVerified"] is True


def test_one_default_per_type(staff, customer):
    first = services.add_address(staff, customer.id, address())
    second = services.add_address(staff, customer.id, address(street1="1 Other St"))
    billing = services.add_address(staff, customer.id, address(address_type=AddressType.BILLING))
    assert (first.is_default, second.is_default, billing.is_default) == (True, False, True)
    services.set_default_address(staff, customer.id, second.id)
    assert (first.is_default, second.is_default, billing.is_default) == (False, True, True)
    third = services.add_address(staff, customer.id, address(street1="3 New St"), make_default=True)
    assert (second.is_default, third.is_default) == (False, True)


def test_update_address_checks_the_version_and_emits(staff, customer):
    added = services.add_address(staff, customer.id, address())
    updated = services.update_address(
        staff, customer.id, added.id, address(city="brooklyn", postal_code="11201"), 1
    )
    assert updated.city == "Brooklyn"
    assert updated.version == 2
    (event,) = events("CustomerAddressUpdated")
    assert event.payload["addressId"] == added.id
    assert event.payload["previousData"]["city"] == "New York"
    assert event.payload["updatedData"]["city"] == "Brooklyn"
    with pytest.raises(StaleVersion) as stale:
        services.update_address(staff, customer.id, added.id, address(city="Queens"), 1)
    assert stale.value.current["city"] == "Brooklyn"


def test_an_address_of_another_customer_is_not_found(staff, customer, restaurant):
    added = services.add_address(staff, customer.id, address())
    with pytest.raises(NotFound):
        services.set_default_address(staff, restaurant.id, added.id)


def test_http_verifier_unavailable_refuses_to_store(staff, customer):
    verifier = HttpAddressVerifier("http://127.0.0.1:9/verify", timeout=0.5)
    with pytest.raises(AddressVerificationUnavailable):
        services.add_address(staff, customer.id, address(), verifier=verifier)
    assert db.session.query(CustomerAddress).count() == 0


def test_http_verifier_uses_the_service_answer(monkeypatch, staff, customer):
    class Answer:
        def raise_for_status(self):
            pass

        def json(self):
            return {"verified": True, "address": {"street1": "12 HOPE RD"}, "errors": {}}

    sent = {}

    def post(url, json, timeout):
        sent.update(url=url, json=json, timeout=timeout)
        return Answer()

    monkeypatch.setattr("portal.customers.adapters.requests.post", post)
    verifier = HttpAddressVerifier("https://verify.example/api", timeout=2)
    added = services.add_address(staff, customer.id, address(), verifier=verifier)
    assert added.street1 == "12 HOPE RD"
    assert added.verified
    assert sent["timeout"] == 2
    assert sent["json"]["city"] == "New York"  # standardised before asking
