"""Every rule of the domain document, without HTTP or database: bad input → message at field."""

from dataclasses import replace

import pytest

from portal.customers import rules
from portal.customers.values import (
    BusinessIdentification,
    ContactInfo,
    ContactMethod,
    CustomerStatus,
    CustomerType,
    Preferences,
)
from tests.factories import TYPE_DATA, address, new_customer

S = CustomerStatus


def test_a_valid_customer_of_every_type_passes():
    for customer_type in CustomerType:
        assert rules.new_customer_errors(new_customer(customer_type)) == {}, customer_type


@pytest.mark.parametrize("name", ["", "   ", "x" * 201])
def test_name_must_not_be_empty_or_too_long(name):
    assert "name" in rules.new_customer_errors(new_customer(name=name))


def test_at_least_one_contact_method():
    errors = rules.contact_errors(ContactInfo())
    assert errors["email"] == errors["phone"] == ["Give an e-mail address or a phone number."]
    assert rules.contact_errors(ContactInfo(phone="+442071838750")) == {}


@pytest.mark.parametrize("field", ["email", "alternative_email"])
def test_emails_must_be_valid(field):
    contact = ContactInfo(phone="+18765551234", **{field: "not-an-email"})
    assert field in rules.contact_errors(contact)


@pytest.mark.parametrize("value", ["8765551234", "+1 876 555 1234", "+1876555", "+99912345678"])
@pytest.mark.parametrize("field", ["phone", "alternative_phone"])
def test_phones_must_be_valid_e164(field, value):
    contact = ContactInfo(email="a@example.org", **{field: value})
    assert field in rules.contact_errors(contact)


@pytest.mark.parametrize(
    ("contact", "postal"),
    [
        (ContactInfo(phone="+18765551234", preferred_contact_method=ContactMethod.EMAIL), False),
        (ContactInfo(email="a@example.org", preferred_contact_method=ContactMethod.SMS), False),
        (ContactInfo(email="a@example.org", preferred_contact_method=ContactMethod.PHONE), False),
        (ContactInfo(email="a@example.org", preferred_contact_method=ContactMethod.MAIL), False),
    ],
)
def test_preferred_method_must_be_one_provided(contact, postal):
    errors = rules.contact_errors(contact, has_postal_address=postal)
    assert "preferred_contact_method" in errors


def test_mail_is_possible_with_a_postal_address():
    contact = ContactInfo(email="a@example.org", preferred_contact_method=ContactMethod.MAIL)
    assert rules.contact_errors(contact, has_postal_address=True) == {}


def test_do_not_contact_excludes_a_preferred_method_or_time():
    contact = ContactInfo(
        email="a@example.org", do_not_contact=True, preferred_contact_method=ContactMethod.EMAIL
    )
    assert "preferred_contact_method" in rules.contact_errors(contact)
    assert rules.contact_errors(replace(contact, preferred_contact_method=None)) == {}


# (type, field, bad value) for each type-specific rule; None means "left out".
TYPE_CASES = [
    (CustomerType.DIASPORA_COMMUNITY, "origin_region", None),
    (CustomerType.DIASPORA_COMMUNITY, "caribbean_cuisines", []),
    (CustomerType.DIASPORA_COMMUNITY, "caribbean_cuisines", ["ITALIAN"]),
    (CustomerType.DIASPORA_COMMUNITY, "generational_remove", -1),
    (CustomerType.EXPAT, "country_of_origin", None),
    (CustomerType.EXPAT, "country_of_origin", "XX"),
    (CustomerType.EXPAT, "residency_status", None),
    (CustomerType.EXPAT, "residency_status", "ILLEGAL"),
    (CustomerType.TOURIST, "first_encounter", None),
    (CustomerType.INDIGENOUS_FOODIE, "culinary_interests", []),
    (CustomerType.INDIGENOUS_FOODIE, "family_size", 0),
    (CustomerType.FOOD_TRUCK, "license_permit", None),
    (CustomerType.FOOD_TRUCK, "operating_locations", []),
    (CustomerType.LIMITED_SERVICE_RESTAURANT, "cuisine_type", None),
    (CustomerType.LIMITED_SERVICE_RESTAURANT, "seating_capacity", 0),
    (CustomerType.FULL_SERVICE_RESTAURANT, "seating_capacity", "lots"),
    (CustomerType.HOTEL_RESTAURANT, "star_rating", 6),
    (CustomerType.HOTEL_RESTAURANT, "star_rating", 0),
    (CustomerType.HOTEL_RESTAURANT, "dining_venues", 0),
    (CustomerType.PRIVATE_CHEF, "service_area", None),
    (CustomerType.PRIVATE_CHEF, "client_capacity", 0),
    (CustomerType.SPECIALTY_MARKET, "retail_square_footage", 0),
    (CustomerType.SPECIALTY_MARKET, "customer_volume", True),
]


@pytest.mark.parametrize(("customer_type", "field", "value"), TYPE_CASES)
def test_type_specific_fields(customer_type, field, value):
    data = dict(TYPE_DATA[customer_type])
    data.pop(field, None)
    if value is not None:
        data[field] = value
    assert field in rules.type_data_errors(customer_type, data)


def test_every_type_has_its_own_fields_only():
    errors = rules.type_data_errors(
        CustomerType.TOURIST, {"first_encounter": "Airport", "seating_capacity": 3}
    )
    assert errors == {"seating_capacity": ["Not a field of a TOURIST customer."]}
    assert set(rules.TYPE_FIELDS) == set(CustomerType)


def test_expat_with_subscription_needs_delivery_preferences_and_frequency():
    data = dict(TYPE_DATA[CustomerType.EXPAT], has_subscription=True)
    errors = rules.type_data_errors(CustomerType.EXPAT, data)
    assert set(errors) == {"delivery_preferences", "delivery_frequency"}
    data.update(delivery_preferences="Front door", delivery_frequency="MONTHLY")
    assert rules.type_data_errors(CustomerType.EXPAT, data) == {}


@pytest.mark.parametrize("field", ["tax_id", "registration_number"])
def test_business_customers_need_identification(field):
    business = replace(BusinessIdentification(tax_id="1", registration_number="2"), **{field: ""})
    errors = rules.business_errors(CustomerType.FOOD_TRUCK, business)
    assert errors == {field: ["Required for business customers."]}
    assert "tax_id" in rules.business_errors(CustomerType.FOOD_TRUCK, None)


def test_business_identification_checks_its_vocabularies_and_b2c_has_none():
    business = BusinessIdentification(tax_id="1", registration_number="2", payment_terms="NET_7")
    assert "payment_terms" in rules.business_errors(CustomerType.PRIVATE_CHEF, business)
    assert "tax_id" in rules.business_errors(CustomerType.TOURIST, business)


def test_a_new_account_starts_active_or_pending():
    assert "status" in rules.new_customer_errors(new_customer(status=S.SUSPENDED))


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"street1": " "}, "street1"),
        ({"city": ""}, "city"),
        ({"country": "ZZ"}, "country"),
        ({"country": "USA"}, "country"),
        ({"postal_code": "1234"}, "postal_code"),
        ({"postal_code": None}, "postal_code"),
        ({"country": "CA", "postal_code": "12345"}, "postal_code"),
        ({"country": "GB", "postal_code": "12345"}, "postal_code"),
        ({"country": "BS", "postal_code": "12345"}, "postal_code"),
    ],
)
def test_address_rules(overrides, field):
    assert field in rules.address_errors(address(**overrides))


@pytest.mark.parametrize(
    ("country", "postal_code"),
    [
        ("US", "10001-1234"),
        ("CA", "K1A 0B1"),
        ("GB", "SW1A 1AA"),
        ("DE", "10115"),
        ("FR", "75008"),
        ("NL", "1012 AB"),
        ("JM", "JMAAW03"),
        ("TT", "100101"),
        ("BB", "BB11000"),
        ("BS", None),
        ("DO", "10101"),
        ("PR", "00901"),
        ("ES", "28001"),
        ("IT", "00184"),
        ("AU", "2000"),
        ("KE", "anything"),  # no known format: left to the verifier
    ],
)
def test_postal_codes_of_known_countries(country, postal_code):
    assert rules.address_errors(address(country=country, postal_code=postal_code)) == {}


def test_status_transition_table():
    allowed = {(a, b) for a, targets in rules.TRANSITIONS.items() for b in targets}
    assert allowed == {
        (S.PENDING_VERIFICATION, S.ACTIVE),
        (S.PENDING_VERIFICATION, S.CLOSED),
        (S.ACTIVE, S.INACTIVE),
        (S.ACTIVE, S.SUSPENDED),
        (S.ACTIVE, S.CLOSED),
        (S.INACTIVE, S.ACTIVE),
        (S.INACTIVE, S.SUSPENDED),
        (S.INACTIVE, S.CLOSED),
        (S.SUSPENDED, S.ACTIVE),
        (S.SUSPENDED, S.CLOSED),
    }


@pytest.mark.parametrize("target", list(S))
def test_closed_is_final(target):
    errors = rules.transition_errors(S.CLOSED, target, "asked")
    assert errors == {"status": ["A closed account cannot be changed."]}


def test_a_transition_needs_a_reason():
    assert rules.transition_errors(S.ACTIVE, S.SUSPENDED, " ") == {
        "reason": ["Give the reason for the change."]
    }


def test_orders_need_an_active_account_and_a_verified_address():
    assert rules.can_place_orders(S.ACTIVE, True)
    assert not rules.can_place_orders(S.ACTIVE, False)
    assert not rules.can_place_orders(S.SUSPENDED, True)


@pytest.mark.parametrize(
    ("preferences", "field"),
    [
        (Preferences(channels=("PIGEON",)), "channels"),
        (Preferences(frequency="HOURLY"), "frequency"),
        (Preferences(language="xx"), "language"),
        (Preferences(language="english"), "language"),
        (Preferences(product_interests=("",)), "product_interests"),
        (Preferences(special_dates=({"label": "Birthday", "date": "13-40"},)), "special_dates"),
        (Preferences(special_dates=({"date": "05-14"},)), "special_dates"),
    ],
)
def test_preference_rules(preferences, field):
    assert field in rules.preference_errors(preferences)


def test_valid_preferences():
    preferences = Preferences(
        channels=("EMAIL", "SMS"),
        frequency="WEEKLY",
        language="fr-CA",
        product_interests=("sauces",),
        special_dates=(
            {"label": "Birthday", "date": "02-29"},
            {"label": "Opening", "date": "2020-01-31"},
        ),
    )
    assert rules.preference_errors(preferences) == {}
