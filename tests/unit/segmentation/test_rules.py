"""Rule validation: each operator only for its field's kind, values parsed, messages per node."""

from __future__ import annotations

import pytest

from portal.segmentation import rules
from portal.segmentation.fields import FIELDS, OPERATORS
from tests.unit.segmentation.conftest import all_of, any_of, cond


def _errors(rule: dict) -> dict[str, str]:
    with pytest.raises(rules.RuleInvalid) as refused:
        rules.validate(rule)
    return refused.value.errors


def test_a_nested_draft_becomes_the_stored_form():
    draft = all_of(
        cond("seating_capacity", "gte", "80"),
        any_of(
            cond("orders_in_window", "gte", "3", days="90"),
            cond("spend_in_window", "gte", "2,000.00", days="90"),
        ),
    )
    rule = rules.validate(draft)
    assert rule["children"][0]["value"] == 80
    assert rule["children"][1]["children"][0] == {
        "kind": "condition",
        "field": "orders_in_window",
        "operator": "gte",
        "days": 90,
        "value": 3,
    }
    assert rule["children"][1]["children"][1]["value"] == 200_000
    assert rules.validate(rules.to_draft(rule)) == rule


def test_every_field_offers_exactly_the_operators_of_its_kind():
    for field in FIELDS.values():
        assert field.operators == OPERATORS[field.kind]


@pytest.mark.parametrize(
    ("condition", "message"),
    [
        (cond("seating_capacity", "within_last", "3"), "cannot be compared"),
        (cond("active_subscription", "gte", "1"), "cannot be compared"),
        (cond("customer_type", "gt", "TOURIST"), "cannot be compared"),
        (cond("no_such_field", "eq", "1"), "Choose a field"),
        (cond("seating_capacity", "gte", "eighty"), "whole number"),
        (cond("spend_in_window", "gte", "12.345", days="90"), "two decimals"),
        (cond("spend_in_window", "gte", "100", days="0"), "Number of days"),
        (cond("created_at", "before", "31/12/2024"), "YYYY-MM-DD"),
        (cond("created_at", "after", "9999-12-31"), "between 1900-01-01 and 2999-12-31"),
        (cond("last_order_at", "before", "0001-01-01"), "between 1900-01-01 and 2999-12-31"),
        (cond("created_at", "within_last", "3", unit="weeks"), "days or months"),
        (cond("customer_type", "in", []), "at least one"),
        (cond("status", "in", ["ACTIVE", "NOT_A_VALUE"]), "no value “NOT_A_VALUE”"),
        (cond("company_size", "not_in", ["huge"]), "no value “huge”"),
        (cond("seating_capacity", "between", "90", value2="10"), "lower bound"),
        (cond("country", "eq", " "), "Enter a value"),
    ],
)
def test_bad_conditions_are_refused_with_a_message_at_their_path(condition, message):
    errors = _errors(all_of(cond("seating_capacity", "gte", "1"), any_of(condition)))
    assert list(errors) == ["r.1.0"]
    assert message in errors["r.1.0"]


def test_empty_groups_and_bad_group_operators_are_refused():
    assert "at least one condition" in _errors(all_of())["r"]
    errors = _errors({"kind": "group", "op": "xor", "children": [cond("order_count", "gte", 1)]})
    assert "ALL" in errors["r"]


def test_groups_nest_at_most_max_depth_deep():
    rule = cond("order_count", "gte", "1")
    for _ in range(rules.MAX_DEPTH):
        rule = all_of(rule)
    assert rules.validate(rule)
    assert _errors(all_of(rule)) == {
        "r." + ".".join(["0"] * rules.MAX_DEPTH): f"Groups nest at most {rules.MAX_DEPTH} deep."
    }


def test_diff_lists_removed_and_added_lines():
    before = rules.validate(all_of(cond("seating_capacity", "gte", "80")))
    after = rules.validate(all_of(cond("seating_capacity", "gte", "100")))
    assert rules.diff(before, after) == ["-  Seating capacity ≥ 80", "+  Seating capacity ≥ 100"]
    assert rules.diff(None, after)[0] == "+ALL of:"


def test_a_stored_rule_the_catalogue_no_longer_accepts_has_problems_at_its_paths():
    sound = rules.validate(all_of(cond("status", "in", ["ACTIVE"]), cond("order_count", "gt", "2")))
    assert rules.problems(sound) == {}
    odd_value = all_of(cond("status", "in", ["NOT_A_VALUE"]))
    assert "no value “NOT_A_VALUE”" in rules.problems(odd_value)["r.0"]
    gone_field = all_of(cond("order_count", "gt", 2), cond("retired_field", "eq", 1))
    assert rules.problems(gone_field) == {"r.1": "Choose a field."}


def test_the_evidence_of_a_decision_reads_as_words_not_stored_codes(app):
    metrics = {
        "lifetime_spend": 193_845,
        "active_subscription": True,
        "order_count": 1234,
        "spend_in_window_90d": 5000,
    }
    with app.test_request_context():
        shown = rules.evidence(metrics)
    assert shown == [
        ("Spend (all time)", "$1,938.45"),
        ("Active subscription", "yes"),
        (FIELDS["order_count"].label, "1,234"),
        ("Spend in the last 90 days", "$50.00"),
    ]
