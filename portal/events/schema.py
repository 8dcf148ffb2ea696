"""The envelope around every event, and JSON Schemas built from the catalogue's fields.

Published events get their envelope from the outbox row's columns (the payload never repeats
them); consumed events arrive in the same envelope and are validated against these schemas.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from functools import cache

from jsonschema import Draft202012Validator, FormatChecker

from portal.events.catalogue import CONSUMED, PUBLISHED, EventType, Field
from portal.limits import EXCERPT, excerpt

FORMATS = {"uuid": "uuid", "date-time": "date-time"}
ENVELOPE_DOC = {
    "eventId": "UUID of this event; consumers de-duplicate by it",
    "type": "The event type (also the RabbitMQ routing key)",
    "version": "Payload schema version: 1 (the default), or 2 for the types whose fields below"
    " say so (`OrderPlaced` with its `lines`); a field of a later version than the event's is"
    " ignored",
    "occurredAt": "When it happened (ISO-8601, UTC)",
    "aggregateId": (
        "What the event is about, and the unit of ordering. Published events: the customer's id"
        " (the payload's `customerId`); for `Organization…` events the organisation's id"
        " (`organizationId`, its root node); for `Approval…` events the approval request's id"
        " (`requestId`). Consumed events: the sender's, optional"
    ),
    "actor": (
        "Who acted: a user's id (staff, or a member of a customer's organisation such as a"
        " buyer, an approver or an invitee joining), or `system` (jobs, consumed events)"
    ),
    "payload": "The fields below",
}

# The payload field whose value a published event's aggregateId is, by the type's first word;
# customerId for the rest.
AGGREGATE_FIELDS = {"Approval": "requestId", "Organization": "organizationId"}

format_checker = FormatChecker()


def aggregate_field(name: str) -> str:
    """The payload field that the published event `name` carries its aggregateId in."""
    return next((f for word, f in AGGREGATE_FIELDS.items() if name.startswith(word)), "customerId")


@format_checker.checks("date-time", raises=(ValueError, OverflowError))
def _is_datetime(value: object) -> bool:
    if not isinstance(value, str):
        return True
    moment = datetime.fromisoformat(value)
    # Offsets are required: a naive time would be read in the wrong zone. The moment must also
    # exist in UTC (0001-01-01T00:02+00:04 does not: astimezone overflows).
    return moment.tzinfo is not None and moment.astimezone(UTC) is not None


@format_checker.checks("uuid", raises=ValueError)
def _is_uuid(value: object) -> bool:
    return not isinstance(value, str) or bool(uuid.UUID(value))


# One encoder for every envelope: json.dumps with options builds a new one per call.
_COMPACT = json.JSONEncoder(separators=(",", ":"))


def envelope_json(event) -> str:
    """The envelope of an outbox row as compact JSON. `event.payload` is the payload's stored
    JSON text and goes in as it is: decoding it only to encode it again cost the relay more
    than the rest of the envelope."""
    head = _COMPACT.encode(
        {
            "eventId": event.id,
            "type": event.type,
            "version": event.version,
            "occurredAt": event.occurred_at.isoformat(),
            "aggregateId": event.aggregate_id,
            "actor": event.actor,
        }
    )
    return f'{head[:-1]},"payload":{event.payload}}}'


def field_schema(field: Field) -> dict:
    schema: dict = {"description": field.description}
    if field.type in FORMATS:
        schema |= {"type": "string", "format": FORMATS[field.type]}
    else:
        schema["type"] = field.type
    if field.enum:
        schema["enum"] = list(field.values())
    return schema | field.keywords()


def versions(event_type: EventType) -> list[int]:
    """The payload versions of a type, oldest first: each field says the one that added it."""
    fields = event_type.fields
    newest = max((f.since for f in fields.values()), default=1) if isinstance(fields, dict) else 1
    return list(range(1, newest + 1))


def _fields(event_type: EventType, version: int | None) -> dict[str, Field]:
    fields = event_type.fields
    assert isinstance(fields, dict), "only typed event types have a schema"
    return {n: f for n, f in fields.items() if version is None or f.since <= version}


def payload_schema(event_type: EventType, version: int | None = None) -> dict:
    """The payload's schema in `version` (the newest when None)."""
    fields = _fields(event_type, version)
    return {
        "type": "object",
        "properties": {name: field_schema(f) for name, f in fields.items()},
        "required": [name for name, f in fields.items() if f.required],
    }


def as_of_version(message: object) -> object:
    """The consumed `message` without the payload fields of versions later than its own (a
    version-1 OrderPlaced that happens to carry `lines` is read as version 1: the field is
    unknown there, so ignored and not checked). Anything unexpected is left to the schema."""
    if not isinstance(message, dict):
        return message
    kind = message.get("type")
    if not isinstance(kind, str) or kind not in CONSUMED:  # a list or an object is no name
        return message
    version, payload = message.get("version", 1), message.get("payload")
    if not isinstance(version, int) or not isinstance(payload, dict):
        return message
    later = _fields(CONSUMED[kind], None).keys() - _fields(CONSUMED[kind], version).keys()
    if not later & payload.keys():
        return message
    return message | {"payload": {k: v for k, v in payload.items() if k not in later}}


def event_schema(name: str) -> dict:
    """The whole consumed message: envelope plus the payload of `name`."""
    return {
        "type": "object",
        "title": name,
        "properties": {
            "eventId": {"type": "string", "format": "uuid", "description": ENVELOPE_DOC["eventId"]},
            "type": {"type": "string", "enum": [name]},
            "version": {"type": "integer", "enum": versions(CONSUMED[name])},
            "occurredAt": {"type": "string", "format": "date-time"},
            "aggregateId": {"type": "string", "maxLength": 80},
            "actor": {"type": "string", "maxLength": 80},
            "payload": payload_schema(CONSUMED[name]),
        },
        "required": ["eventId", "type", "occurredAt", "payload"],
    }


def example(name: str, version: int = 1) -> dict:
    """An example message of `name` in `version`, from the example values of its fields."""
    event_type = PUBLISHED.get(name) or CONSUMED[name]
    fields = _fields(event_type, version)
    return {
        "eventId": "1c9a6f3e-8b2d-4e5f-9a0b-1c2d3e4f5a6b",
        "type": name,
        "version": version,
        "occurredAt": "2026-11-28T14:03:00+00:00",
        "aggregateId": fields[
            aggregate_field(name) if name in PUBLISHED or "customerId" in fields else "orderId"
        ].example,
        "actor": "system",
        "payload": {field: f.example for field, f in fields.items()},
    }


@cache
def _validator(name: str) -> Draft202012Validator:
    return Draft202012Validator(event_schema(name), format_checker=format_checker)


def problems(message: object) -> list[str]:
    """Why `message` is not a valid consumed event; empty when it is."""
    if not isinstance(message, dict):
        return ["an event is a JSON object"]
    name = message.get("type")
    if not isinstance(name, str) or name not in CONSUMED:
        shown = excerpt(name) if isinstance(name, str) else name
        return [f"unknown event type {shown!r}; accepted: {', '.join(CONSUMED)}"]
    return schema_problems(_validator(name), message, "(event)")


def schema_problems(validator: Draft202012Validator, instance: object, whole: str) -> list[str]:
    """What `validator` refuses in `instance`, one line per place (`payload/amountMinor: …`);
    `whole` names the place of what is wrong with the instance as a whole."""
    errors = sorted(validator.iter_errors(instance), key=lambda e: list(e.absolute_path))
    return [f"{'/'.join(map(str, e.absolute_path)) or whole}: {_said(e)}" for e in errors]


def _said(error) -> str:
    """The schema's message, quoting no more than an excerpt of the value it refuses."""
    if isinstance(error.instance, str) and len(error.instance) > EXCERPT:
        return error.message.replace(repr(error.instance), repr(excerpt(error.instance)))
    return excerpt(error.message, 4 * EXCERPT)
