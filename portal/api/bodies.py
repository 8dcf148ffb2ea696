"""Reading a request's JSON body: decoded within the portal's limits and checked against the
OpenAPI document's schema. A refusal raises `Invalid`, which the API answers as JSON."""

from __future__ import annotations

from flask import request

from portal.api.openapi import problems
from portal.limits import json_loads


class Invalid(Exception):
    def __init__(self, status: int, detail: str, found: list[str]):
        super().__init__(detail)
        self.status, self.detail, self.problems = status, detail, found


def checked_body(schema: str) -> dict:
    """The body as a JSON object matching `schema`: 400 if it is no JSON object, 422 if it
    does not match."""
    try:
        body = json_loads(request.get_data())
    except (ValueError, UnicodeDecodeError) as exc:
        raise Invalid(
            400, "The body cannot be read.", [f"the body must be a JSON object: {exc}"]
        ) from None
    if not isinstance(body, dict):
        raise Invalid(400, "The body is not valid.", ["the body must be a JSON object"])
    if found := problems(schema, body):
        raise Invalid(422, "The body is not valid.", found)
    return body
