"""Addresses on the profile: the address rules at their fields, edits, verification, defaults."""

from __future__ import annotations

import re

import pytest

from portal.customers import services
from portal.customers.models import CustomerAddress
from portal.customers.ports import AddressVerifierUnavailable
from portal.extensions import db
from tests.factories import address
from tests.web.customers.test_profile import HX, error_at

GOOD = {
    "address_type": "SHIPPING",
    "street1": "12 Hope Road",
    "city": "New York",
    "state": "NY",
    "postal_code": "10001",
    "country": "US",
}


def stored(customer) -> list[CustomerAddress]:
    db.session.expire_all()
    return list(db.session.query(CustomerAddress).filter_by(customer_id=customer.id))


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"street1": ""}, "street1", "Required."),
        ({"city": " "}, "city", "Required."),
        ({"country": "XX"}, "country", "Choose a country (ISO 3166 two-letter code)."),
        ({"country": ""}, "country", "Choose a country (ISO 3166 two-letter code)."),
        ({"postal_code": "ABCDE"}, "postal_code", "does not match the country's format."),
        ({"postal_code": ""}, "postal_code", "Enter the postal code."),
        ({"country": "BS", "postal_code": "12345"}, "postal_code", "no postal codes"),
    ],
)
def test_address_rules_are_shown_at_the_field(
    client, login_as, customer, overrides, field, message
):
    login_as("sales")
    response = client.post(f"/customers/{customer.id}/addresses", data=GOOD | overrides, headers=HX)
    assert response.status_code == 422
    assert message in error_at(response.text, field)
    assert 'id="address-new"' in response.text
    assert stored(customer) == []


def test_adding_a_verified_address_lets_the_customer_order(client, login_as, customer):
    login_as("sales")
    form = client.get(f"/customers/{customer.id}/addresses/new", headers=HX)
    assert '<section id="address-new"' in form.text
    response = client.post(f"/customers/{customer.id}/addresses", data=GOOD, headers=HX)
    assert response.status_code == 200
    assert response.headers["HX-Retarget"] == "#addresses"
    assert "12 Hope Road" in response.text
    assert 'data-orders="yes"' in response.text  # header refreshed out of band
    (saved,) = stored(customer)
    assert (saved.verified, saved.is_default) == (True, True)


def test_without_javascript_adding_redirects_to_the_addresses_tab(client, login_as, customer):
    login_as("sales")
    response = client.post(f"/customers/{customer.id}/addresses", data=GOOD)
    assert response.status_code == 303
    assert response.location == f"/customers/{customer.id}?tab=addresses"


def test_edit_an_address(client, login_as, customer, staff):
    home = services.add_address(staff, customer.id, address())
    login_as("sales")
    form = client.get(f"/customers/{customer.id}/addresses/{home.id}/edit", headers=HX).text
    assert 'value="12 Hope Road"' in form
    version = re.search(r'name="version" type="hidden" value="(\d+)"', form)[1]
    response = client.post(
        f"/customers/{customer.id}/addresses/{home.id}",
        data=GOOD | {"street1": "14 Hope Road", "version": version},
        headers=HX,
    )
    assert response.status_code == 200
    assert "14 Hope Road" in response.text
    assert stored(customer)[0].street1 == "14 Hope Road"

    bad = client.post(
        f"/customers/{customer.id}/addresses/{home.id}",
        data=GOOD | {"postal_code": "1", "version": str(stored(customer)[0].version)},
        headers=HX,
    )
    assert bad.status_code == 422
    assert "does not match" in error_at(bad.text, "postal_code")
    assert f'<section id="address-{home.id}"' in bad.text


def test_concurrent_address_edits_give_one_409(client, login_as, customer, staff):
    home = services.add_address(staff, customer.id, address())
    login_as("sales")
    url = f"/customers/{customer.id}/addresses/{home.id}"
    version = str(home.version)
    first = client.post(url, data=GOOD | {"city": "Brooklyn", "version": version}, headers=HX)
    second = client.post(url, data=GOOD | {"city": "Queens", "version": version}, headers=HX)
    assert first.status_code == 200
    assert second.status_code == 409
    assert "Brooklyn" in second.text
    assert "Queens" in second.text
    assert stored(customer)[0].city == "Brooklyn"


def test_set_default_moves_the_default(client, login_as, customer, staff):
    first = services.add_address(staff, customer.id, address())
    second = services.add_address(staff, customer.id, address(street1="1 Other St"))
    login_as("sales")
    response = client.post(
        f"/customers/{customer.id}/addresses/{second.id}/default",
        data={"version": second.version},
        headers=HX,
    )
    assert response.status_code == 200
    defaults = {a.id: a.is_default for a in stored(customer)}
    assert defaults == {first.id: False, second.id: True}


def test_verify_again_when_the_verifier_is_back(client, login_as, customer, staff, monkeypatch):
    class Down:
        def verify(self, _address):
            raise AddressVerifierUnavailable("down")

    monkeypatch.setattr("portal.customers.services.addresses.address_verifier", Down)
    login_as("sales")
    refused = client.post(f"/customers/{customer.id}/addresses", data=GOOD, headers=HX)
    assert refused.status_code == 422
    assert "Addresses cannot be checked right now" in refused.text
    assert stored(customer) == []

    monkeypatch.undo()
    home = services.add_address(staff, customer.id, address())
    db.session.query(CustomerAddress).update({"verified": False})
    db.session.commit()
    monkeypatch.setattr("portal.customers.services.addresses.address_verifier", Down)
    seen = {"version": stored(customer)[0].version}
    down = client.post(
        f"/customers/{customer.id}/addresses/{home.id}/verify", data=seen, headers=HX
    )
    assert down.status_code == 422
    assert "Addresses cannot be checked right now" in down.text
    monkeypatch.undo()
    ok = client.post(f"/customers/{customer.id}/addresses/{home.id}/verify", data=seen, headers=HX)
    assert ok.status_code == 200
    assert stored(customer)[0].verified


def test_another_customers_address_is_404(client, login_as, customer, restaurant, staff):
    theirs = services.add_address(staff, restaurant.id, address())
    login_as("sales")
    base = f"/customers/{customer.id}/addresses/{theirs.id}"
    assert client.get(f"{base}/edit").status_code == 404
    assert client.post(base, data=GOOD | {"version": "1"}).status_code == 404
    assert client.post(f"{base}/verify").status_code == 404
    assert client.post(f"{base}/default").status_code == 404
    assert client.get("/customers/cust-unknown/addresses/new").status_code == 404
    assert stored(restaurant)[0].street1 == "12 Hope Road"
