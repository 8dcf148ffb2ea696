"""What a request reads once and several parts of its page use (a customer's segment, the
acquisition sums), kept with the request itself. Not on `flask.g`: that lives as long as the
application context, and a test's or a command's context spans many requests, which would then
see each other's values."""

from __future__ import annotations

from flask import has_request_context, request


def request_memo(name: str) -> dict:
    """This request's dict called `name` (empty at first); outside a request a fresh dict on
    every call, so nothing is kept."""
    if not has_request_context():
        return {}
    return request.environ.setdefault(f"portal.memo.{name}", {})
