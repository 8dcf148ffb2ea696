"""The pure rules: nesting, cycles, inherited attributes, escalation."""

from __future__ import annotations

import pytest

from portal.organizations import rules
from portal.organizations.values import NodeType as T


@pytest.mark.parametrize(
    ("parent", "child", "ok"),
    [
        (T.ORGANIZATION, T.DIVISION, True),
        (T.DIVISION, T.DIVISION, True),
        (T.DIVISION, T.LOCATION, True),
        (T.LOCATION, T.DEPARTMENT, True),
        (T.DEPARTMENT, T.DEPARTMENT, True),
        (T.DEPARTMENT, T.DIVISION, False),
        (T.DEPARTMENT, T.LOCATION, False),
        (T.LOCATION, T.DIVISION, False),
        (T.LOCATION, T.LOCATION, False),
        (T.DIVISION, T.ORGANIZATION, False),
    ],
)
def test_nesting(parent, child, ok):
    assert (rules.nesting_error(parent, child) is None) is ok


def test_a_department_never_contains_a_division():
    assert rules.nesting_error(T.DEPARTMENT, T.DIVISION) == (
        "A department cannot contain a division."
    )


def test_ancestor_paths_are_every_prefix():
    assert rules.ancestor_paths("aaaaaa.bbbbbb.cccccc.") == [
        "aaaaaa.",
        "aaaaaa.bbbbbb.",
        "aaaaaa.bbbbbb.cccccc.",
    ]


def test_moving_under_a_descendant_or_itself_is_a_cycle():
    assert "cycle" in rules.move_error("aaaaaa.bbbbbb.", "East", "aaaaaa.bbbbbb.cccccc.", "Miami")
    assert "own parent" in rules.move_error("aaaaaa.bbbbbb.", "East", "aaaaaa.bbbbbb.", "East")
    assert rules.move_error("aaaaaa.bbbbbb.", "East", "aaaaaa.dddddd.", "West") is None


def test_effective_attributes_take_the_nearest_value_and_name_its_source():
    chain = [
        rules.Ancestor("r", "Group", "r.", {"billing_email": "ap@group.example", "tax_id": "1"}),
        rules.Ancestor("e", "East", "r.e.", {"billing_email": "east@group.example"}),
        rules.Ancestor("m", "Miami", "r.e.m.", {"tax_id": "2"}),
        rules.Ancestor("k", "Kitchen", "r.e.m.k.", {}),
    ]
    found = {a.field: a for a in rules.effective_attributes(chain)}
    assert found["billing_email"].value == "east@group.example"
    assert [a.name for a in found["billing_email"].inherited_from] == ["Group", "East"]
    assert found["tax_id"].value == "2"
    assert [a.name for a in found["tax_id"].inherited_from] == ["Group", "East", "Miami"]
    assert found["industry_code"].value is None
    assert found["industry_code"].inherited_from is None

    here = {a.field: a for a in rules.effective_attributes(chain[:3])}
    assert here["tax_id"].overridden
    assert here["tax_id"].inherited_from is None


@pytest.mark.parametrize(
    ("field", "value", "ok"),
    [
        ("company_size", "LARGE", True),
        ("company_size", "HUGE", False),
        ("billing_email", "ap@example.org", True),
        ("billing_email", "nope", False),
        ("delivery_instructions", "  ", False),
        ("no_such_field", "x", False),
    ],
)
def test_attribute_values(field, value, ok):
    assert (rules.attribute_error(field, value) is None) is ok


def test_escalation_lists_what_the_actor_lacks_in_catalogue_order():
    held = {"org:view", "org:roles:manage"}
    assert rules.escalation(["org:view"], held) == []
    assert rules.escalation(["org:billing:manage", "org:members:manage", "org:view"], held) == [
        "org:members:manage",
        "org:billing:manage",
    ]


def test_permissions_apply_to_the_node_and_below():
    grants = [
        rules_grant("r.e.", {"org:view"}),
        rules_grant("r.e.m.", {"org:orders:create"}),
    ]
    assert rules.permissions_at(grants, "r.e.m.k.") == {"org:view", "org:orders:create"}
    assert rules.permissions_at(grants, "r.e.") == {"org:view"}
    assert rules.permissions_at(grants, "r.w.") == set()


def rules_grant(path, permissions):
    from portal.organizations.queries import Grant

    return Grant(path, frozenset(permissions))
