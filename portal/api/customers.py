"""Registering customers and editing their profiles for other systems, through the use cases
the registration form, the profile's edit and the CSV import use: the same domain rules, the
configured validation rules, audit entries and events (CustomerCreated, CustomerUpdated).

Bodies come in the API's names (camelCase, checked against the OpenAPI document's schema); here
they become the domain's value objects, and a refusal's messages go back under the API's names
(`typeData.originRegion: Required for this type of customer.`)."""

from __future__ import annotations

import re

from flask import jsonify, url_for

from portal.api import bp, queries
from portal.api.bodies import checked_body
from portal.api.tokens import caller, record_reads, require_token
from portal.customers import services
from portal.customers.hooks import survivor_of
from portal.customers.models import Customer
from portal.customers.rules import TYPE_FIELDS
from portal.customers.rules.types import BUSINESS_FIELDS
from portal.customers.services.profile import profile_values
from portal.customers.values import (
    BusinessIdentification,
    ContactInfo,
    ContactMethod,
    CustomerStatus,
    CustomerType,
    NewCustomer,
    ProfileChanges,
    camel,
)
from portal.domain import NON_FIELD, Refusal, StaleVersion, load
from portal.errors import error_response
from portal.idempotency import once_per_key

SCOPE = "customers:write"
CONTACT = ("alternative_email", "alternative_phone", "preferred_contact_time", "do_not_contact")
# Never sent back to the caller, nor kept from the stored profile: left out, they stay.
IDENTIFIERS = ("tax_id", "registration_number")
TYPE_FIELD_NAMES = frozenset(name for fields in TYPE_FIELDS.values() for name in fields)


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def _values(body: dict) -> dict:
    """The body's fields under the domain's names; an empty text is no value, as on the form."""
    return {_snake(k): None if v == "" else v for k, v in body.items() if k != "typeData"}


def _type_data(given: dict, stored: dict | None = None) -> dict:
    """The stored type fields overlaid with those given; null removes one."""
    data = dict(stored or {}) | {_snake(k): v for k, v in given.items()}
    return {name: value for name, value in data.items() if value is not None}


def _business(kind: CustomerType, values: dict, given: dict) -> BusinessIdentification | None:
    if not kind.is_b2b and not any(given.get(name) is not None for name in BUSINESS_FIELDS):
        return None  # a consumer given business details is refused by the rules
    named = {name: (given if name in IDENTIFIERS else values).get(name) for name in BUSINESS_FIELDS}
    return BusinessIdentification(**named)


def _method(value: str | ContactMethod | None) -> ContactMethod | None:
    return ContactMethod(value) if value else None


def new_customer(body: dict) -> NewCustomer:
    values = _values(body)
    kind = CustomerType(values["customer_type"])
    return NewCustomer(
        name=values["name"] or "",
        customer_type=kind,
        contact=ContactInfo(
            email=values.get("email"),
            phone=values.get("phone"),
            preferred_contact_method=_method(values.get("preferred_contact_method")),
            **{name: values[name] for name in CONTACT if name in values},
        ),
        type_data=_type_data(body.get("typeData", {})),
        business=_business(kind, values, values),
        marketing_opt_out=values.get("marketing_opt_out", False),
        status=CustomerStatus(values.get("status", CustomerStatus.ACTIVE)),
        acquisition_channel=values.get("acquisition_channel"),
        acquisition_source=values.get("acquisition_source"),
    )


def profile_changes(customer: Customer, body: dict) -> ProfileChanges:
    """The stored profile with the fields the body gives (a PATCH: the others stay)."""
    stored = profile_values(customer)
    given = _values(body)
    values = stored | given
    return ProfileChanges(
        name=values["name"] or "",
        preferred_contact_method=_method(values["preferred_contact_method"]),
        marketing_opt_out=values["marketing_opt_out"],
        type_data=_type_data(body.get("typeData", {}), stored["type_data"]),
        business=_business(customer.customer_type, values, given),
        **{name: values[name] for name in CONTACT},
    )


def _api_name(field: str) -> str:
    return f"typeData.{camel(field)}" if field in TYPE_FIELD_NAMES else camel(field)


def _refused(refusal: Refusal):
    problems = [
        message if field == NON_FIELD else f"{_api_name(field)}: {message}"
        for field, messages in refusal.errors.items()
        for message in messages
    ]
    detail = " ".join(refusal.errors.get(NON_FIELD, [])) or "The customer is not valid."
    if isinstance(refusal, StaleVersion) and refusal.version is not None:
        detail += f" It is at version {refusal.version} now: read it again."
    return error_response(refusal.status, detail, problems)


def _customer(customer_id: str, status: int = 200):
    response = jsonify(queries.customer_by_id(customer_id))
    response.status_code = status
    return response


@bp.post("/customers")
@require_token(SCOPE)
@once_per_key
def customer_register():
    data = new_customer(checked_body("NewCustomer"))
    try:
        customer = services.register_customer(caller(), data)
    except Refusal as refusal:
        return _refused(refusal)
    response = _customer(customer.id, 201)
    response.headers["Location"] = url_for("api.customer_get", customer_id=customer.id)
    return response


@bp.patch("/customers/<customer_id>")
@require_token(SCOPE)
def customer_update(customer_id: str):
    # A merged customer's id edits the survivor, as a read of it answers with the survivor.
    customer = load(Customer, survivor_of(customer_id) or customer_id, "customer")
    body = checked_body("CustomerChanges")
    try:
        edited = services.update_customer(
            caller(), customer.id, profile_changes(customer, body), body["version"]
        )
    except Refusal as refusal:
        return _refused(refusal)
    if edited.version_id == body["version"]:  # nothing changed: what it answers is a read
        record_reads([customer.id], "Read through the API (an edit that changed nothing)")
    return _customer(customer.id)
