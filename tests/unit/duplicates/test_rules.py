"""Standardising identifying values, the surviving value of a merged field, the explanation."""

from datetime import UTC, datetime

import pytest

from portal.duplicates import rules

EARLY = datetime(2025, 1, 1, tzinfo=UTC)
LATE = datetime(2026, 1, 1, tzinfo=UTC)


def test_names_lose_case_accents_and_punctuation_and_compare_in_any_order():
    assert rules.name_key("José-Ñúñez  García") == "jose nunez garcia"
    assert rules.sorted_name("Campbell, Marcia") == rules.sorted_name("marcia campbell")
    assert rules.name_key("  ") is None


@pytest.mark.parametrize(
    ("email", "key"),
    [
        ("Marcia.Campbell+shop@GoogleMail.com", "marciacampbell@gmail.com"),
        ("m.campbell+news@outlook.com", "m.campbell@outlook.com"),
        ("M.Campbell+x@example.org", "m.campbell+x@example.org"),  # a provider we do not know
        ("not-an-address", None),
        (None, None),
    ],
)
def test_email_key_is_the_mailbox_the_provider_delivers_to(email, key):
    assert rules.email_key(email) == key


def test_phones_addresses_and_birthdays_are_standardised():
    assert rules.phone_key("+1 (876) 555-1234") == "18765551234"
    assert rules.street_key("12 Hope Road") == rules.street_key("12, hope rd")
    assert rules.postcode_key("sw1a 1aa", "gb") == "GBSW1A1AA"
    assert rules.birthday([{"label": "Birthday", "date": "1979-11-23"}]) == "11-23"
    assert rules.birthday([{"label": "Anniversary", "date": "06-01"}]) is None


def test_business_ids_are_compared_by_a_keyed_hash_of_their_standard_form():
    key = rules.derived_key("secret")
    assert rules.keyed_hash(key, "12-3456789") == rules.keyed_hash(key, "123 456 789")
    assert rules.keyed_hash(key, "12-3456789") != rules.keyed_hash(
        rules.derived_key("x"), "123456789"
    )
    assert "123456789" not in rules.keyed_hash(key, "12-3456789")
    assert rules.keyed_hash(key, "") is None


def test_the_surviving_value_is_the_more_recently_verified_then_more_complete_then_newer():
    assert rules.surviving_value("a", None, (EARLY, EARLY), (LATE, LATE)) == "primary"
    assert rules.surviving_value(None, "b", (LATE, LATE), (EARLY, EARLY)) == "secondary"
    assert rules.surviving_value("a", "b", (EARLY, EARLY), (LATE, EARLY)) == "secondary"
    assert rules.surviving_value("ab", "b", (EARLY, EARLY), (EARLY, LATE)) == "primary"
    assert rules.surviving_value("a", "bc", (EARLY, EARLY), (EARLY, EARLY)) == "secondary"
    assert rules.surviving_value("a", "b", (EARLY, EARLY), (EARLY, LATE)) == "secondary"


def test_probability_and_explanation():
    assert rules.probability(0) == 0.5
    assert rules.probability(10) > 0.999
    weights = [
        {"label": "same phone", "weight": 2.94},
        {"label": "name jaramillo/jaramilo", "weight": 1.7},
        {"label": "different birthday", "weight": -1.23},
        {"label": "same address", "weight": 0.1},
    ]
    assert rules.explain(weights, 3) == (
        "same phone +2.9, name jaramillo/jaramilo +1.7, different birthday -1.2"
    )
