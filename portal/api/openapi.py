"""The OpenAPI document of /api/v1, built from the same schemas the code validates with."""

from __future__ import annotations

from portal.api.tokens import SCOPES
from portal.events.catalogue import CONSUMED
from portal.events.schema import event_schema
from portal.idempotency import KEY_LENGTH

MAX_BATCH = 500


def _nullable(kind: str, **more) -> dict:
    return {"type": kind, "nullable": True, **more}


STRING = {"type": "string"}
ADDRESS = {
    "type": "object",
    "required": ["id", "addressType", "isDefault", "verified", "street1", "city", "country"],
    "properties": {
        "id": STRING,
        "addressType": {"type": "string", "enum": ["BILLING", "SHIPPING", "MAILING"]},
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
    ],
    "properties": {
        "id": STRING,
        "name": STRING,
        "customerType": STRING,
        "isBusiness": {"type": "boolean"},
        "status": {
            "type": "string",
            "enum": ["ACTIVE", "INACTIVE", "SUSPENDED", "CLOSED", "PENDING_VERIFICATION"],
        },
        "email": _nullable("string"),
        "phone": _nullable("string"),
        "createdAt": {"type": "string", "format": "date-time"},
        "segment": _nullable(
            "object",
            description="The primary segment; null until the customer was first evaluated",
            properties={
                "segmentType": {"type": "string", "enum": ["B2C", "B2B"]},
                "specificSegment": STRING,
                "since": {"type": "string", "format": "date-time"},
                "overriddenUntil": _nullable("string", format="date-time"),
            },
        ),
        "contactPreferences": {
            "type": "object",
            "properties": {
                "preferredContactMethod": _nullable("string"),
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
                    "status": {"type": "string", "enum": ["accepted", "duplicate"]},
                },
            },
        }
    },
}


IDEMPOTENCY_KEY = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "description": "Retry safely: the same key and body answer the first 2xx answer again; "
    "the same key with another body is refused (422).",
    "schema": {"type": "string", "minLength": 1, "maxLength": KEY_LENGTH, "pattern": "^[ -~]+$"},
}


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
            "description": "Customer reads and the intake of consumed events. Bearer tokens "
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
                }
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
                }
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
                **{name: event_schema(name) for name in CONSUMED},
            },
        },
    }
