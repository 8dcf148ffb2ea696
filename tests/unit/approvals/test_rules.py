"""The pure rules: money, conditions across currencies, rule inheritance, separation of duties,
chain validation, working-time deadlines."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from portal.approvals import rules
from portal.approvals.rules import Decided, Group, Tier, TierState
from portal.approvals.values import DeadlineUnit, Operator


@pytest.mark.parametrize(
    ("text", "currency", "minor"),
    [("7,500.00", "USD", 750_000), ("5000", "USD", 500_000), ("1200", "JPY", 1200)],
)
def test_parse_amount(text, currency, minor):
    assert rules.parse_amount(text, currency) == minor


@pytest.mark.parametrize(("text", "currency"), [("7.5.0", "USD"), ("1.005", "USD"), ("1.5", "JPY")])
def test_parse_amount_refuses(text, currency):
    with pytest.raises(ValueError, match=r"amount like|decimal places"):
        rules.parse_amount(text, currency)


def test_format_amount():
    assert rules.format_amount(750_000, "USD") == "7,500.00 USD"


@pytest.mark.parametrize(
    ("operator", "amount", "expected"),
    [
        (Operator.GT, 500_000, False),
        (Operator.GT, 500_001, True),
        (Operator.GTE, 500_000, True),
        (Operator.LT, 499_999, True),
        (Operator.LTE, 500_001, False),
        (Operator.ANY, None, True),
    ],
)
def test_condition_in_the_same_currency(operator, amount, expected):
    assert rules.condition_applies(operator, {"USD": 500_000}, amount, "USD", {}) is expected


def test_a_threshold_per_currency_is_used_before_any_rate():
    thresholds = {"USD": 500_000, "EUR": 400_000}
    assert rules.condition_applies(Operator.GT, thresholds, 450_000, "EUR", {"EUR/USD": "2"})


def test_other_currencies_are_converted_with_a_configured_rate_either_way_round():
    assert rules.convert(100_000, "EUR", "USD", {"EUR/USD": "1.08"}) == 108_000
    assert rules.convert(108_000, "USD", "EUR", {"EUR/USD": "1.08"}) == 100_000
    assert rules.convert(10_000, "USD", "JPY", {"USD/JPY": "150"}) == 15_000
    assert rules.condition_applies(
        Operator.GT, {"USD": 500_000}, 470_000, "EUR", {"EUR/USD": "1.08"}
    )


def test_currencies_are_never_compared_without_a_rate():
    with pytest.raises(rules.CurrencyMismatch, match="no rate converts EUR"):
        rules.condition_applies(Operator.GT, {"USD": 500_000}, 900_000, "EUR", {})


def _rule(id, depth, position=0, roles=(), over=0):
    return rules.RuleView(id, depth, position, Operator.GT, {"USD": over}, frozenset(roles))


def test_the_nearest_node_with_rules_governs_and_replaces_its_ancestors():
    found = rules.governing([_rule("root", 0), _rule("div-2", 1, 2), _rule("div-1", 1, 1)])
    assert [r.id for r in found] == ["div-1", "div-2"]


def test_matching_rule_respects_requester_roles_and_threshold():
    stored = [_rule("buyers", 1, 0, roles={"buyer"}, over=100), _rule("all", 1, 1, over=1000)]
    assert rules.matching_rule(stored, {"buyer"}, 500, "USD", {}).id == "buyers"
    assert rules.matching_rule(stored, {"viewer"}, 500, "USD", {}) is None
    assert rules.matching_rule(stored, {"viewer"}, 5000, "USD", {}).id == "all"


def test_chain_json_round_trip():
    chain = (
        Tier((Group(("r1",), ("u1",)), Group(staff_permission="p")), 8, DeadlineUnit.WORKING_HOURS),
    )
    assert rules.chain_from_json(rules.chain_to_json(chain)) == chain


def test_chain_errors_name_the_tier_without_an_eligible_approver():
    chain = (Tier((Group(("approver",)),)), Tier((Group(("finance",)),)))
    errors = rules.chain_errors(
        chain, lambda g: {"ann"} if "approver" in g.roles else set(), {"finance": "Finance"}
    )
    assert errors == [
        "Tier 2 has no eligible approver in group A (Finance): nobody active holds that role "
        "here or above, or is named."
    ]


def test_chain_errors_refuse_a_tier_whose_groups_need_the_same_single_person():
    chain = (Tier((Group(("a",)), Group(("b",)))),)
    errors = rules.chain_errors(chain, lambda g: {"ann"}, {})
    assert "Tier 1 cannot be completed" in errors[0]
    assert rules.chain_errors(chain, lambda g: {"ann", g.roles[0]}, {}) == []


def test_chain_errors_on_shape():
    assert rules.chain_errors((), lambda g: set(), {}) == ["A chain has 1 to 5 tiers."]
    assert rules.chain_errors((Tier((Group(),), deadline=0),), lambda g: {"x"}, {}) == [
        "Tier 1: a deadline must be at least 1.",
        "Tier 1, group A has no approvers.",
    ]


def test_a_requester_never_decides_their_own_request():
    state = TierState({0: {"ann", "bob"}})
    with pytest.raises(rules.NotAllowed, match="you submitted"):
        rules.capacity(state, "ann", "ann", [])


def test_one_person_cannot_satisfy_two_groups_of_a_tier():
    state = TierState({0: {"ann"}, 1: {"ann", "bob"}}, [Decided(0, "ann", None)])
    with pytest.raises(rules.NotAllowed, match="already decided"):
        rules.capacity(state, "ann", "req", [])
    assert rules.capacity(state, "bob", "req", []) == rules.Capacity(1)


def test_a_delegate_acts_only_where_the_delegator_could():
    state = TierState({0: {"ann"}, 1: {"cid"}})
    assert rules.capacity(state, "dan", "req", ["ann"]) == rules.Capacity(0, "ann")
    with pytest.raises(rules.NotAllowed, match="not among"):
        rules.capacity(state, "dan", "req", ["eve"])


def test_a_delegate_cannot_use_the_authority_of_the_requester_or_of_someone_who_decided():
    state = TierState({0: {"ann"}, 1: {"ann", "cid"}}, [Decided(0, "ann", None)])
    with pytest.raises(rules.NotAllowed):
        rules.capacity(state, "dan", "req", ["ann"])
    with pytest.raises(rules.NotAllowed):
        rules.capacity(TierState({0: {"req"}}), "dan", "req", ["req"])


def test_a_delegate_who_acted_for_someone_cannot_also_act_as_themselves():
    state = TierState({0: {"ann"}, 1: {"dan"}}, [Decided(0, "dan", "ann")])
    with pytest.raises(rules.NotAllowed, match="already decided"):
        rules.capacity(state, "dan", "req", [])


def at(day, hour, minute=0):
    return datetime(2026, 11, day, hour, minute, tzinfo=UTC)  # 2026-11-27 is a Friday


def test_working_hours_skip_nights_and_weekends():
    assert rules.due_at(at(27, 15), 4, DeadlineUnit.WORKING_HOURS) == at(30, 11)
    assert rules.due_at(at(28, 10), 2, DeadlineUnit.WORKING_HOURS) == at(30, 11)
    assert rules.due_at(at(26, 7), 8, DeadlineUnit.WORKING_HOURS) == at(26, 17)


def test_working_days_skip_weekends():
    assert rules.due_at(at(27, 10), 1, DeadlineUnit.WORKING_DAYS) == at(30, 10)
    assert rules.due_at(at(26, 10), 3, DeadlineUnit.WORKING_DAYS) == datetime(
        2026, 12, 1, 10, tzinfo=UTC
    )


def test_reminder_at_three_quarters_of_the_time():
    assert not rules.reminder_due(at(23, 9), at(24, 9), at(23, 23))
    assert rules.reminder_due(at(23, 9), at(24, 9), at(24, 3))
