"""The OpenAPI document of /api/v1, built from the same schemas the code validates with.

Request bodies are checked against the document's own schemas (`problems`), enum lists
come from the enums and length and number limits from the columns the values are stored in.
"""

from __future__ import annotations

from functools import cache

from jsonschema import Draft202012Validator, validators

from portal.api.tokens import SCOPES
from portal.approvals.models import ApprovalRequest
from portal.approvals.rules import CURRENCY
from portal.approvals.values import Action, Status, Subject
from portal.customers.models import Customer
from portal.customers.rules import TYPE_FIELDS
from portal.customers.rules.types import BUSINESS_FIELDS
from portal.customers.values import (
    COMPANY_SIZES,
    ORGANIZATION_TYPES,
    PAYMENT_TERMS,
    AcquisitionChannel,
    AddressType,
    ContactMethod,
    CustomerStatus,
    CustomerType,
    camel,
)
from portal.events import intake
from portal.events.catalogue import CONSUMED
from portal.events.schema import event_schema, format_checker, schema_problems
from portal.idempotency import KEY_LENGTH
from portal.limits import integer_range, max_length
from portal.loyalty.models import LoyaltyEntry
from portal.loyalty.services import MAX_POINTS
from portal.loyalty.values import LoyaltyTier
from portal.organizations.models import OrganizationNode
from portal.security.models import User
from portal.segmentation.models import SegmentType

MAX_BATCH = 500
MAX_LINES = 200


def _nullable(kind: str, **more) -> dict:
    return {"type": kind, "nullable": True, **more}


STRING = {"type": "string"}
ADDRESS = {
    "type": "object",
    "required": ["id", "addressType", "isDefault", "verified", "street1", "city", "country"],
    "properties": {
        "id": STRING,
        "addressType": {"type": "string", "enum": list(AddressType)},
        "isDefault": {"type": "boolean"},
        "verified": {"type": "boolean"},
        "street1": STRING,
        "street2": _nullable("string"),
        "city": STRING,
        "state": _nullable("string"),
        "postalCode": _nullable("string"),
        "country": {"type": "string", "description": "ISO-3166 alpha-2"},
    },
}
CUSTOMER = {
    "type": "object",
    "required": [
        "id",
        "name",
        "customerType",
        "isBusiness",
        "status",
        "segment",
        "contactPreferences",
        "addresses",
        "canPlaceOrders",
        "version",
    ],
    "properties": {
        "id": STRING,
        "name": STRING,
        "customerType": {"type": "string", "enum": list(CustomerType)},
        "isBusiness": {"type": "boolean"},
        "status": {"type": "string", "enum": list(CustomerStatus)},
        "email": _nullable("string"),
        "phone": _nullable("string"),
        "createdAt": {"type": "string", "format": "date-time"},
        "acquisitionChannel": _nullable(
            "string",
            enum=[*AcquisitionChannel, None],
            description="How the customer found EFI; null when not recorded",
        ),
        "acquisitionSource": _nullable(
            "string", description="The source's code in the list marketing keeps"
        ),
        "segment": _nullable(
            "object",
            description="The primary segment; null until the customer was first evaluated",
            properties={
                "segmentType": {"type": "string", "enum": list(SegmentType)},
                "specificSegment": STRING,
                "since": {"type": "string", "format": "date-time"},
                "overriddenUntil": _nullable("string", format="date-time"),
            },
        ),
        "contactPreferences": {
            "type": "object",
            "properties": {
                "preferredContactMethod": _nullable("string", enum=[*ContactMethod, None]),
                "preferredContactTime": _nullable("string"),
                "doNotContact": {"type": "boolean"},
                "marketingOptOut": {"type": "boolean"},
                "channels": {"type": "array", "items": STRING},
                "frequency": _nullable("string"),
                "language": _nullable("string"),
            },
        },
        "addresses": {"type": "array", "items": {"$ref": "#/components/schemas/Address"}},
        "canPlaceOrders": {
            "type": "boolean",
            "description": "ACTIVE with at least one verified address",
        },
        "version": {
            "type": "integer",
            "description": "Changes with every edit; a PATCH names the version it edits",
        },
    },
}
ERROR = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["status", "title", "detail"],
            "properties": {
                "status": {"type": "integer"},
                "title": STRING,
                "detail": STRING,
                "problems": {"type": "array", "items": STRING},
            },
        }
    },
}
RESULTS = {
    "type": "object",
    "required": ["results"],
    "properties": {
        "results": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["eventId", "status"],
                "properties": {
                    "eventId": STRING,
                    "status": {"type": "string", "enum": [intake.ACCEPTED, intake.DUPLICATE]},
                },
            },
        }
    },
}


def _text(column, **more) -> dict:
    """A non-blank string that fits `column`."""
    return {"type": "string", "minLength": 1, "maxLength": max_length(column), **more}


# A calling system's own purchase-order number: also a query parameter, so plain characters.
REFERENCE = _text(ApprovalRequest.external_ref, pattern=r"^[A-Za-z0-9._:/-]+$")
APPROVAL_SUBMISSION = {
    "type": "object",
    "required": ["reference", "nodeId", "requesterEmail", "description", "amountMinor", "currency"],
    "properties": {
        "reference": REFERENCE | {"description": "Your purchase-order number"},
        "nodeId": _text(OrganizationNode.id, description="Where the order is placed"),
        "requesterEmail": _text(
            User.email,
            pattern=r"\S",
            description="An active member who may place orders at that node",
        ),
        "description": _text(ApprovalRequest.description, pattern=r"\S"),
        "amountMinor": {
            "type": "integer",
            "minimum": 1,
            "maximum": integer_range(ApprovalRequest.amount_minor)[1],
            "description": "The total in minor units (cents)",
        },
        "currency": {
            "type": "string",
            "pattern": CURRENCY.pattern,
            "maxLength": max_length(ApprovalRequest.currency),
            "description": "ISO-4217",
        },
        "lines": {
            "type": "array",
            "maxItems": MAX_LINES,
            "items": {"type": "object"},
            "description": "The order lines, kept as sent (e.g. sku, quantity, amountMinor)",
        },
    },
}


def _complete(**properties) -> dict:
    """An object that always carries every one of `properties` (null where they are nullable)."""
    return {"type": "object", "required": list(properties), "properties": properties}


APPROVAL_STEP = _complete(
    action={"type": "string", "enum": list(Action)},
    round={"type": "integer"},
    tier=_nullable("integer"),
    by=STRING,
    onBehalfOf=_nullable("string", description="The absent approver a delegate decided for"),
    comment=STRING,
    at={"type": "string", "format": "date-time"},
)
APPROVAL_REQUEST = _complete(
    id=STRING,
    reference=_nullable("string"),
    status={"type": "string", "enum": list(Status)},
    subject={"type": "string", "enum": list(Subject)},
    description=STRING,
    amountMinor=_nullable("integer"),
    currency=_nullable("string"),
    amount={"type": "string", "description": "Formatted, e.g. 7,500.00 USD"},
    nodeId=_nullable("string"),
    round={"type": "integer"},
    tier=_nullable("integer", description="The tier deciding now, from 1"),
    tiers={"type": "integer"},
    rule=_nullable("string", description="The approval rule that applied"),
    createdAt={"type": "string", "format": "date-time"},
    completedAt=_nullable("string", format="date-time"),
    steps={"type": "array", "items": APPROVAL_STEP},
)
LOYALTY_REDEMPTION = {
    "type": "object",
    "required": ["points", "redemptionType"],
    "additionalProperties": False,
    "properties": {
        "points": {"type": "integer", "minimum": 1, "maximum": MAX_POINTS},
        "redemptionType": _text(LoyaltyEntry.reason, pattern=r"\S", description="What for"),
    },
}
LOYALTY_ACCOUNT = _complete(
    customerId=STRING,
    tier={"type": "string", "enum": list(LoyaltyTier)},
    available={"type": "integer", "description": "Points that can be redeemed now"},
    pending={"type": "integer", "description": "Points waiting for their return window"},
    owed={"type": "integer", "description": "Points clawed back after they were spent"},
    tierQualifyingPoints={"type": "integer"},
    expiringPoints=_nullable("integer", description="The next points to expire"),
    expiringOn=_nullable("string", format="date-time"),
)
LOYALTY_REDEEMED = _complete(
    entryId={"type": "integer"},
    points={"type": "integer"},
    available={"type": "integer", "description": "Points left to redeem"},
)


def _optional(column, **more) -> dict:
    """A text that fits `column`, or null."""
    return _nullable("string", maxLength=max_length(column), **more)


def _choice(options, **more) -> dict:
    return _nullable("string", enum=[*options, None], **more)


# The fields of every customer type, by their API names; the domain's rules say which a type
# has, which it requires and what each takes (a 422 names the field: typeData.originRegion).
TYPE_DATA = {
    "type": "object",
    "additionalProperties": False,
    "description": "The fields of the customer's type (see docs/api.md); in a PATCH the "
    "fields given replace those stored, null removes one",
    "properties": {
        name: {} for name in sorted({camel(n) for fields in TYPE_FIELDS.values() for n in fields})
    },
}
IDENTIFIER = {
    "type": "string",
    "minLength": 1,
    "maxLength": BUSINESS_FIELDS["tax_id"].check.longest,
    "writeOnly": True,
}
# What staff edit on the profile: the registration form's fields but the primary e-mail and
# phone (changed through a confirmation code) and the type (changed through segmentation).
PROFILE = {
    "name": _text(Customer.name),
    "alternativeEmail": _optional(Customer.alternative_email),
    "alternativePhone": _optional(Customer.alternative_phone, description="E.164"),
    "preferredContactMethod": _choice(ContactMethod),
    "preferredContactTime": _optional(Customer.preferred_contact_time),
    "doNotContact": {"type": "boolean"},
    "marketingOptOut": {"type": "boolean"},
    "typeData": TYPE_DATA,
    # Business identification, business types only; never read back.
    "taxId": IDENTIFIER,
    "registrationNumber": IDENTIFIER,
    "legalEntityName": _optional(Customer.legal_entity_name),
    "dbaName": _optional(Customer.dba_name),
    "industryCode": _optional(Customer.industry_code),
    "yearEstablished": _nullable(
        "integer",
        minimum=integer_range(Customer.year_established)[0],
        maximum=integer_range(Customer.year_established)[1],
    ),
    "companySize": _choice(COMPANY_SIZES),
    "organizationType": _choice(ORGANIZATION_TYPES),
    "paymentTerms": _choice(
        PAYMENT_TERMS, description="Set at registration; changed through finance's approval"
    ),
}
NEW_CUSTOMER = {
    "type": "object",
    "required": ["name", "customerType"],
    "additionalProperties": False,
    "properties": {
        "customerType": {"type": "string", "enum": list(CustomerType)},
        "status": {
            "type": "string",
            "enum": [CustomerStatus.ACTIVE, CustomerStatus.PENDING_VERIFICATION],
            "default": CustomerStatus.ACTIVE,
        },
        "email": _optional(Customer.email),
        "phone": _optional(Customer.phone, description="E.164, e.g. +18765551234"),
        **PROFILE,
        "acquisitionChannel": _choice(AcquisitionChannel, description="Left out: the source's"),
        "acquisitionSource": _optional(
            Customer.acquisition_source, description="A code of the list marketing keeps"
        ),
    },
}
CUSTOMER_CHANGES = {
    "type": "object",
    "required": ["version"],
    "additionalProperties": False,
    "properties": {
        "version": {
            "type": "integer",
            "minimum": 0,
            "maximum": integer_range(Customer.version_id)[1],
            "description": "The customer's version you read; another is refused (409)",
        },
        **PROFILE,
    },
}
# What the views check against the document: request bodies, and parameters a view reads.
CHECKED = {
    "ApprovalSubmission": APPROVAL_SUBMISSION,
    "reference": REFERENCE,
    "LoyaltyRedemption": LOYALTY_REDEMPTION,
    "NewCustomer": NEW_CUSTOMER,
    "CustomerChanges": CUSTOMER_CHANGES,
}


def _type_or_null(validator, types, instance, schema):
    # OpenAPI 3.0's `nullable`, which JSON Schema does not know: null is then a value too.
    if not (instance is None and schema.get("nullable")):
        yield from Draft202012Validator.VALIDATORS["type"](validator, types, instance, schema)


# JSON Schema counts 7500.0 as an integer; amounts in minor units come as whole numbers only.
_Validator = validators.extend(
    Draft202012Validator,
    validators={"type": _type_or_null},
    type_checker=Draft202012Validator.TYPE_CHECKER.redefine(
        "integer", lambda _checker, value: isinstance(value, int) and not isinstance(value, bool)
    ),
)


@cache
def _validator(name: str) -> Draft202012Validator:
    return _Validator(CHECKED[name], format_checker=format_checker)


def problems(name: str, value: object, place: str = "(body)") -> list[str]:
    """Why `value` does not match the document's schema `name`; empty if it does."""
    return schema_problems(_validator(name), value, place)


IDEMPOTENCY_KEY = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "description": "Retry safely: the same key and body answer the first 2xx answer again; "
    "the same key with another body is refused (422).",
    "schema": {"type": "string", "minLength": 1, "maxLength": KEY_LENGTH, "pattern": "^[ -~]+$"},
}


CUSTOMER_PATH = {"name": "customer_id", "in": "path", "required": True, "schema": STRING}


def _json(ref: str) -> dict:
    return {"content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{ref}"}}}}


def _errors(*statuses: int) -> dict:
    return {str(s): {"description": "Error", **_json("Error")} for s in statuses}


def document() -> dict:
    event = {"oneOf": [{"$ref": f"#/components/schemas/{name}"} for name in CONSUMED]}
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "EFI customer portal API",
            "version": "1",
            "description": "Customer reads, registrations and profile edits, the intake of "
            "consumed events, and approvals of purchase orders. Bearer tokens "
            "with scopes: " + "; ".join(f"`{s}` {text}" for s, text in SCOPES.items()),
        },
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearer": []}],
        "paths": {
            "/customers/{customer_id}": {
                "get": {
                    "operationId": "getCustomer",
                    "summary": "One customer (scope customers:read)",
                    "parameters": [
                        {"name": "customer_id", "in": "path", "required": True, "schema": STRING}
                    ],
                    "responses": {
                        "200": {"description": "The customer", **_json("Customer")},
                        **_errors(401, 403, 404),
                    },
                },
                "patch": {
                    "operationId": "updateCustomer",
                    "summary": "Edit the profile as staff do on its page (scope customers:write): "
                    "the fields given change, the others stay; the version read, or 409",
                    "parameters": [CUSTOMER_PATH],
                    "requestBody": {"required": True, **_json("CustomerChanges")},
                    "responses": {
                        "200": {"description": "The customer as edited", **_json("Customer")},
                        **_errors(400, 401, 403, 404, 409, 422),
                    },
                },
            },
            "/customers": {
                "get": {
                    "operationId": "findCustomersByEmail",
                    "summary": "Customers whose primary e-mail is this one (scope customers:read)",
                    "parameters": [
                        {"name": "email", "in": "query", "required": True, "schema": STRING}
                    ],
                    "responses": {
                        "200": {"description": "Matches (at most 20)", **_json("CustomerList")},
                        **_errors(400, 401, 403),
                    },
                },
                "post": {
                    "operationId": "registerCustomer",
                    "summary": "Register a customer as the registration form does, under the same "
                    "rules and validation rules (scope customers:write)",
                    "parameters": [IDEMPOTENCY_KEY],
                    "requestBody": {"required": True, **_json("NewCustomer")},
                    "responses": {
                        "201": {
                            "description": "Registered",
                            "headers": {
                                "Location": {"description": "The customer", "schema": STRING}
                            },
                            **_json("Customer"),
                        },
                        **_errors(400, 401, 403, 409, 422),
                    },
                },
            },
            "/events": {
                "post": {
                    "operationId": "postEvents",
                    "summary": "One consumed event, or a batch taken all or nothing "
                    "(scope events:write)",
                    "parameters": [IDEMPOTENCY_KEY],
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {
                                "schema": {
                                    "oneOf": [
                                        event,
                                        {
                                            "type": "array",
                                            "items": event,
                                            "minItems": 1,
                                            "maxItems": MAX_BATCH,
                                        },
                                    ]
                                }
                            }
                        },
                    },
                    "responses": {
                        "200": {"description": "Accepted or already seen", **_json("Results")},
                        **_errors(400, 401, 403, 409, 422),
                    },
                }
            },
            "/approvals/requests": {
                "post": {
                    "operationId": "submitApprovalRequest",
                    "summary": "Submit a purchase order for approval (scope approvals); your "
                    "reference makes a resubmission answer the first request (200)",
                    "parameters": [IDEMPOTENCY_KEY],
                    "requestBody": {"required": True, **_json("ApprovalSubmission")},
                    "responses": {
                        "201": {"description": "Submitted", **_json("ApprovalRequest")},
                        "200": {"description": "Submitted before", **_json("ApprovalRequest")},
                        **_errors(400, 401, 403, 404, 409, 422),
                    },
                },
                "get": {
                    "operationId": "findApprovalRequest",
                    "summary": "Your request with this reference (scope approvals)",
                    "parameters": [
                        {"name": "reference", "in": "query", "required": True, "schema": REFERENCE}
                    ],
                    "responses": {
                        "200": {"description": "The request", **_json("ApprovalRequest")},
                        **_errors(400, 401, 403, 404),
                    },
                },
            },
            "/customers/{customer_id}/loyalty": {
                "get": {
                    "operationId": "getLoyaltyAccount",
                    "summary": "A customer's tier and points (scope loyalty)",
                    "parameters": [CUSTOMER_PATH],
                    "responses": {
                        "200": {"description": "The account", **_json("LoyaltyAccount")},
                        **_errors(401, 403, 404),
                    },
                }
            },
            "/customers/{customer_id}/loyalty/redemptions": {
                "post": {
                    "operationId": "redeemLoyaltyPoints",
                    "summary": "Spend available points, oldest-expiring first (scope loyalty);"
                    " never more than the balance, also under concurrent calls",
                    "parameters": [CUSTOMER_PATH, IDEMPOTENCY_KEY],
                    "requestBody": {"required": True, **_json("LoyaltyRedemption")},
                    "responses": {
                        "201": {"description": "Redeemed", **_json("LoyaltyRedeemed")},
                        **_errors(400, 401, 403, 404, 409, 422),
                    },
                }
            },
            "/approvals/requests/{request_id}": {
                "get": {
                    "operationId": "getApprovalRequest",
                    "summary": "Your request and its decision so far (scope approvals)",
                    "parameters": [
                        {"name": "request_id", "in": "path", "required": True, "schema": STRING}
                    ],
                    "responses": {
                        "200": {"description": "The request", **_json("ApprovalRequest")},
                        **_errors(401, 403, 404),
                    },
                }
            },
        },
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {
                "Customer": CUSTOMER,
                "Address": ADDRESS,
                "CustomerList": {
                    "type": "object",
                    "required": ["items"],
                    "properties": {
                        "items": {
                            "type": "array",
                            "items": {"$ref": "#/components/schemas/Customer"},
                        }
                    },
                },
                "Error": ERROR,
                "Results": RESULTS,
                "ApprovalSubmission": APPROVAL_SUBMISSION,
                "ApprovalRequest": APPROVAL_REQUEST,
                "NewCustomer": NEW_CUSTOMER,
                "CustomerChanges": CUSTOMER_CHANGES,
                "LoyaltyRedemption": LOYALTY_REDEMPTION,
                "LoyaltyAccount": LOYALTY_ACCOUNT,
                "LoyaltyRedeemed": LOYALTY_REDEEMED,
                **{name: event_schema(name) for name in CONSUMED},
            },
        },
    }
