"""The OpenAPI document describes every API operation, and every operation keeps to it:
generated requests (schemathesis) with a token holding every scope, plus the real ids that
random ones never find."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from portal.api import tokens
from portal.api.openapi import document
from tests.unit.approvals.conftest import org, people  # noqa: F401
from tests.unit.approvals.factories import po_rule, roles, tier

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
SUBMIT = "POST /approvals/requests"


def _routes(app) -> set[tuple[str, str]]:
    return {
        (method, rule.rule)
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/v1/") and rule.endpoint != "api.openapi"
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }


def test_every_api_route_is_in_the_document(app):
    documented = {
        (method.upper(), "/api/v1" + path.replace("{", "<").replace("}", ">"))
        for path, operations in document()["paths"].items()
        for method in operations
    }
    assert documented == _routes(app)


def test_a_wrong_method_is_405_with_allow_and_a_json_error(app, client):
    allowed: dict[str, set[str]] = {}
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1/"):
            url = rule.build(dict.fromkeys(rule.arguments, "any-id"), append_unknown=False)[1]
            allowed.setdefault(url, set()).update(rule.methods)
    for url, methods in allowed.items():
        response = client.delete(url)
        assert response.status_code == 405, url
        assert set(response.headers["Allow"].split(", ")) == methods, url
        assert response.json["error"]["status"] == 405


@pytest.fixture
def headers(make_user) -> dict:
    _token, clear = tokens.issue(make_user("administrator"), "procurement", sorted(tokens.SCOPES))
    return {"Authorization": f"Bearer {clear}"}


def test_the_api_keeps_its_openapi_contract(app, headers, customer, staff, org, people):  # noqa: F811
    po_rule(staff, org["east"], tier(roles(org["root"], "Approver")))
    buyer = {"nodeId": org["miami"].id, "requesterEmail": people["buyer"].email}

    def ordered_by_the_buyer(case):
        # Most generated orders name a real node and buyer, so they reach the approval
        # rules (any currency, amount, lines) instead of stopping at "no such node".
        if isinstance(case.body, dict) and sum(map(ord, str(case.body.get("reference")))) % 4:
            case.body.update(buyer)
        return case

    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == len(_routes(app))
    for operation in operations:
        strategy = operation.as_strategy()
        if operation.label == SUBMIT:
            strategy = strategy.map(ordered_by_the_buyer)

        @given(case=strategy)
        @settings(
            max_examples=25,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def conforms(case):
            case.call_and_validate(headers=headers, checks=CHECKS)

        conforms()

    # The answers random ids never get: a customer and a request found, checked as well.
    def call(path: str, method: str, **parts):
        case = schema[path][method].Case(**parts)
        return case.call_and_validate(headers=headers, checks=CHECKS)

    found = call("/customers/{customer_id}", "GET", path_parameters={"customer_id": customer.id})
    assert found.status_code == 200
    registration = {
        "name": "Contract Campbell",
        "customerType": "TOURIST",
        "email": "contract@example.org",
        "typeData": {"firstEncounter": "Montego Bay market"},
        "acquisitionSource": "INSTAGRAM",
    }
    registered = call("/customers", "POST", body=registration)
    assert registered.status_code == 201
    edit = {"version": registered.json()["version"], "name": "Contract Campbell-Reid"}
    path = {"customer_id": registered.json()["id"]}
    edited = call("/customers/{customer_id}", "PATCH", path_parameters=path, body=edit)
    assert edited.json()["name"] == "Contract Campbell-Reid"
    assert (
        call("/customers/{customer_id}", "PATCH", path_parameters=path, body=edit).status_code
        == 409
    )
    order = {
        **buyer,
        "reference": "PO-CONTRACT-1",
        "description": "Walk-in freezer",
        "amountMinor": 750_000,
        "currency": "USD",
        "lines": [{"sku": "FRZ-1", "quantity": 1, "amountMinor": 750_000}],
    }
    submitted = call("/approvals/requests", "POST", body=order)
    assert submitted.status_code == 201
    assert call("/approvals/requests", "POST", body=order).status_code == 200
    request_id = submitted.json()["id"]
    read = call(
        "/approvals/requests/{request_id}", "GET", path_parameters={"request_id": request_id}
    )
    assert read.json()["steps"][0]["action"] == "SUBMITTED"
    by_reference = call("/approvals/requests", "GET", query={"reference": "PO-CONTRACT-1"})
    assert by_reference.json()["id"] == request_id
