"""Fixtures of the loyalty tests: customers made through the customers' service."""

from __future__ import annotations

import pytest

from portal.customers.services import register_customer
from tests.factories import new_customer


@pytest.fixture
def make_customer(staff):
    def make() -> str:
        return register_customer(staff, new_customer()).id

    return make
