"""The rule editor's posted fields → a RuleDraft, and its buttons (add a tier or a group,
remove a tier); shape errors stay with the draft for the service to report."""

from __future__ import annotations

from werkzeug.datastructures import MultiDict

from portal.approvals.forms import rule_draft
from portal.approvals.values import DeadlineUnit, Operator, Subject


def posted(**fields) -> MultiDict:
    data = MultiDict(
        {
            "name": "Large",
            "subject": "PURCHASE_ORDER",
            "operator": "gte",
            "thresholds": "USD 5,000.00\nEUR 4,500",
            "tiers": "1",
            "t0_groups": "1",
            "t0_deadline": "8",
            "t0_unit": "hours",
        }
    )
    data.setlist("t0_g0_roles", ["r-approver", "r-admin"])
    for key, value in fields.items():
        data[key] = value
    return data


def test_fields_become_a_draft():
    draft = rule_draft(posted())
    assert (draft.subject, draft.operator) == (Subject.PURCHASE_ORDER, Operator.GTE)
    assert draft.thresholds == {"USD": 500_000, "EUR": 450_000}
    tier = draft.chain[0]
    assert (tier.deadline, tier.unit) == (8, DeadlineUnit.WORKING_HOURS)
    assert tier.groups[0].roles == ("r-approver", "r-admin")
    assert draft.errors == {}


def test_buttons_add_and_remove_tiers_and_groups():
    assert len(rule_draft(posted(), "add_tier").chain) == 2
    assert len(rule_draft(posted(), "add_group:0").chain[0].groups) == 2
    two = posted(tiers="2", t1_groups="1")
    assert len(rule_draft(two, "remove_tier:1").chain) == 1
    assert len(rule_draft(posted(), "remove_tier:0").chain) == 1  # the last one stays


def test_shape_errors_are_kept_for_the_page():
    draft = rule_draft(posted(thresholds="dollars 5", t0_deadline="soon", subject="NOPE"))
    assert draft.subject is Subject.PURCHASE_ORDER
    assert "dollars 5: Start with a three-letter currency code." in draft.errors["thresholds"]
    assert draft.errors["chain"] == ["Tier 1: the deadline is a whole number."]
