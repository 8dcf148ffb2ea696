"""A grill group with a Buyer at Miami Beach, approvers at East Division and above."""

from __future__ import annotations

import pytest

from tests.unit.organizations.factories import external, grill_group


@pytest.fixture
def org(staff):
    return grill_group(staff)


@pytest.fixture
def people(org):
    return {
        "buyer": external(org["miami"], "Buyer", "buyer@grill.example"),
        "approver": external(org["east"], "Approver", "approver@grill.example"),
        "approver2": external(org["east"], "Approver", "approver2@grill.example"),
        "admin": external(org["root"], "Admin", "admin@grill.example"),
    }
