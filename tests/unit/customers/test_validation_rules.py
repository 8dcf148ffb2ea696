"""The configured validation rules: the safe pattern subset, the checks, the set-based count
(the same verdicts as the Python check, on either database) and their enforcement by
registration, profile edits and the CSV import."""

import time

import pytest

from portal.customers import services
from portal.customers.queries import validation as queries
from portal.customers.rules.configured import (
    PatternRule,
    RuleSet,
    matches,
    pattern_error,
    requirable,
    ruleset_errors,
    violations,
)
from portal.customers.services.validation import save_rules
from portal.customers.values import ContactInfo, CustomerStatus, CustomerType
from portal.domain import DomainError
from tests.factories import new_customer

D = CustomerType.DIASPORA_COMMUNITY
EXPAT = CustomerType.EXPAT
ZIP = r"\d{5}(?:-\d{4})?"


@pytest.mark.parametrize(
    "pattern",
    [ZIP, r"\+1\d{10}", r"[A-Z]{2}-\d+", r"[^@\s]+@efi\.example", r"(?:ab)*c", r"(mr|ms) .+", "."],
)
def test_safe_patterns_are_accepted(pattern):
    assert pattern_error(pattern) is None


@pytest.mark.parametrize(
    ("pattern", "message"),
    [
        ("", "Enter a pattern"),
        ("a" * 101, "at most 100"),
        ("é+", "printable ASCII"),
        ("(a+)+", "exponential"),
        ("(a|a)*", "exponential"),
        ("((a|b)c)*", "exponential"),
        ("(a?)*b", "exponential"),
        (r"(a)\1", r"\1 is not allowed"),
        ("(?=a)a", "Only (…)"),
        ("(?i)a", "Only (…)"),
        ("a*?", "lazy"),
        ("a++", "lazy"),
        ("^a$", "Leave out ^ and $"),
        ("a{2,1}", "Counts go"),
        ("a{1000}", "{m}"),
        ("a{x}", "{m}"),
        ("*a", "must follow"),
        ("(a", "not closed"),
        ("a)", "no ( to close"),
        ("[a", "not closed"),
        ("[]", "empty class"),
        (r"[\D]", r"\D is not allowed"),
        ("a*b*c*d*", "at most 3"),
        (r"\w+", r"\w is not allowed"),
        ("a}", "Escape"),
    ],
)
def test_unsafe_or_foreign_patterns_are_refused(pattern, message):
    assert message in (pattern_error(pattern) or "")


def test_the_worst_accepted_pattern_stays_fast_on_the_longest_value():
    assert pattern_error("a*a*a*x") is None
    started = time.process_time()
    assert not matches("a*a*a*x", "a" * 500)
    assert time.process_time() - started < 1.0


def test_the_whole_value_must_match_and_dot_takes_newlines():
    assert matches(ZIP, "10001-1234")
    assert not matches(ZIP, "10001 and more")
    assert not matches(ZIP, "x10001")
    assert matches("a.b", "a\nb")
    assert not matches("a", "a\n")


def test_violations_require_optional_fields_and_check_patterns():
    rules = RuleSet(
        required={D: ("cultural_affinity", "alternative_phone")},
        patterns=(
            PatternRule("email", r"[^@\s]+@[a-z.]+", "Lower-case domain."),
            PatternRule("origin_region", "[A-Z][a-z ]+", customer_type=D),
        ),
    )
    values = {"email": "a@EXAMPLE.org", "origin_region": "jamaica", "cultural_affinity": " "}
    errors = violations(rules, D, values | {"cultural_affinity": ""})
    assert errors == {
        "cultural_affinity": ["Required for a Diaspora community customer (data rules)."],
        "alternative_phone": ["Required for a Diaspora community customer (data rules)."],
        "email": ["Lower-case domain."],
        "origin_region": ["Must match the pattern [A-Z][a-z ]+."],
    }
    # Another type: neither its requirements nor a pattern on a field it lacks.
    assert violations(rules, EXPAT, {"origin_region": "jamaica"}) == {}
    assert violations(RuleSet(), D, {}) == {}


def test_a_rule_set_is_refused_field_by_field():
    rules = RuleSet(
        required={D: ("origin_region", "family_size")},  # required already; another type's
        patterns=(PatternRule("tax_id", "x"), PatternRule("email", "(a+)+", "m" * 201)),
    )
    errors = ruleset_errors(rules)
    assert "origin_region, family_size" in errors["required_DIASPORA_COMMUNITY"][0]
    assert "not a text field" in errors["pattern_1"][0]
    assert len(errors["pattern_2"]) == 2
    assert "family_size" in requirable(CustomerType.INDIGENOUS_FOODIE)


def test_json_round_trip():
    rules = RuleSet({D: ("alternative_phone",)}, (PatternRule("name", "[A-Z].*", "Capital", D),))
    assert RuleSet.from_json(rules.to_json()) == rules
    assert RuleSet.from_json(None) == RuleSet()


PARITY = [
    (ZIP, ["10001", "10001-1234", "1000", "10001-12", "ab"]),
    (r"[A-Z][a-z]+(?: [A-Z][a-z]+)*", ["Marcia Campbell", "marcia", "Marcia  Campbell", "X"]),
    (r"\+1\d{10}", ["+18765551234", "+44123", "18765551234"]),
    (r"[^@\s]+@[a-z.\-]+", ["a@b.org", "a@B.org", "a b@c.org", "a@b-c.org"]),
    (r"(?:mr|ms)\. .+", ["mr. X", "ms. Y", "dr. Z"]),
]


@pytest.mark.parametrize(("pattern", "values"), PARITY)
def test_the_count_and_the_check_agree(staff, pattern, values):
    for n, value in enumerate(values):
        services.register_customer(
            staff,
            new_customer(
                name=f"C{n}",
                contact=ContactInfo(email=f"c{n}@x.org"),
                type_data={
                    "origin_region": value,
                    "caribbean_cuisines": ["JAMAICAN"],
                },
            ),
        )
    rules = RuleSet(patterns=(PatternRule("origin_region", pattern),))
    expected = sum(not matches(pattern, value) for value in values)
    assert queries.failing(rules).total == expected


def test_the_count_covers_columns_type_data_and_types(staff):
    services.register_customer(staff, new_customer())  # an affinity, no alternative phone
    services.register_customer(
        staff,
        new_customer(
            name="B",
            contact=ContactInfo(email="b@x.org", alternative_phone="+18765550000"),
            type_data={
                "origin_region": "Kingston",
                "caribbean_cuisines": ["JAMAICAN"],
            },
        ),
    )
    services.register_customer(staff, new_customer(EXPAT, name="E"))
    closed = services.register_customer(staff, new_customer(name="Z"))
    services.change_status(staff, closed.id, CustomerStatus.CLOSED, reason="TEST")
    rules = RuleSet(required={D: ("alternative_phone", "cultural_affinity")})
    assert queries.failing(rules).total == 2
    assert [count for _rule, count in queries.failing(rules).rules] == [1, 1]
    assert queries.failing(RuleSet()).total == 0


def test_saving_versions_records_who_when_and_the_failing_count(staff, customer):
    rules = RuleSet(required={D: ("alternative_phone",)})
    assert save_rules(staff, rules, "Phones for the call centre") == 1
    assert save_rules(staff, RuleSet(), "Relaxed") == 2
    newest, first = queries.versions()
    assert first.failing.total == 1
    assert first.created_by == staff.name
    assert first.rules == rules
    assert newest.version == queries.in_force().version == 2
    with pytest.raises(DomainError) as refused:
        save_rules(staff, RuleSet(patterns=(PatternRule("email", "(a+)+"),)), "x" * 201)
    assert set(refused.value.errors) == {"pattern_1", "note"}
    assert len(queries.versions()) == 2


def test_registration_edits_and_import_enforce_the_rules_in_force(staff, customer):
    save_rules(staff, RuleSet(required={D: ("alternative_phone",)}), "")
    with pytest.raises(DomainError) as refused:
        services.register_customer(staff, new_customer(name="New"))
    assert "alternative_phone" in refused.value.errors
    # The existing customer keeps its data; an edit must fix the field.
    changes = services.profile.ProfileChanges(
        name="Renamed", type_data=customer.type_data, alternative_phone=None
    )
    with pytest.raises(DomainError) as refused:
        services.update_customer(staff, customer.id, changes, customer.version_id)
    assert "alternative_phone" in refused.value.errors
    fixed = changes.__class__(**{**vars(changes), "alternative_phone": "+18765550000"})
    services.update_customer(staff, customer.id, fixed, customer.version_id)

    csv = b"name,customer_type,email,type.origin_region,type.caribbean_cuisines\n"
    csv += b"Imported,DIASPORA_COMMUNITY,imp@x.org,Kingston,JAMAICAN\n"
    (row,) = services.import_customers(staff, csv, dry_run=True).rows
    assert "alternative_phone" in row.errors
