from __future__ import annotations

from collections.abc import Callable

import pytest

from portal.api import tokens


@pytest.fixture
def bearer(make_user) -> Callable[..., dict]:
    """bearer("customers:read") → Authorization headers with a new token of those scopes."""
    admin = make_user("administrator")

    def issue(*scopes: str, name: str = "order-service") -> dict:
        _token, clear = tokens.issue(admin, name, list(scopes))
        return {"Authorization": f"Bearer {clear}"}

    return issue
