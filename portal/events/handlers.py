"""The registry of what consumed events do.

Each area registers the handlers for the events it consumes in its own `handlers.py`
(portal/customers/handlers.py, portal/segmentation/handlers.py); the intake looks them up by
event type and runs them in its transaction, in registration order. The events area itself
holds only the infrastructure: the outbox, relay, broker, inbox and this registry.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

Handler = Callable[[dict], None]


@dataclass(frozen=True)
class Batch:
    """Takes a run of consecutive events of one type at once (one engine run instead of one per
    event): `refusals` gives, per payload, the DomainError that refuses it or None; `apply`
    applies the accepted ones."""

    refusals: Callable[[list[dict]], list[Exception | None]]
    apply: Callable[[list[dict]], None]


@dataclass
class Consumer:
    """What the intake does with one event type: its handlers (or one batch handler), and the
    key of the parked events it lets through (see Awaiting)."""

    handlers: list[Handler] = field(default_factory=list)
    batch: Batch | None = None
    releases: Callable[[dict], str] | None = None

    def apply(self, payload: dict) -> None:
        if self.batch is not None:
            refusal = self.batch.refusals([payload])[0]
            if refusal is not None:
                raise refusal
            self.batch.apply([payload])
        for handler in self.handlers:
            handler(payload)


CONSUMERS: dict[str, Consumer] = {}


class Awaiting:
    """Mixed into the DomainError of an event that overtook the event it depends on (an
    OrderCancelled before its OrderPlaced): the queue parks it until an event whose consumer
    `releases` the key `awaits` is taken in, then applies it."""

    awaits: str


def consumer(event_type: str) -> Consumer:
    return CONSUMERS.setdefault(event_type, Consumer())


def handles(*event_types: str) -> Callable[[Handler], Handler]:
    """Register the decorated function for these event types (it gets the payload)."""

    def register(handler: Handler) -> Handler:
        for event_type in event_types:
            entry = consumer(event_type)
            if entry.batch is not None:
                raise ValueError(f"{event_type} is taken in batches")
            entry.handlers.append(handler)
        return handler

    return register


def handles_in_batches(event_type: str, batch: Batch) -> None:
    entry = consumer(event_type)
    if entry.handlers or entry.batch is not None:
        raise ValueError(f"{event_type} has handlers already")
    entry.batch = batch


def also_in_batches(event_type: str, apply: Callable[[list[dict]], None]) -> None:
    """Also apply `apply` to each run the batch handler of `event_type` accepted, after it, in
    the same transaction (loyalty earns on the orders segmentation records)."""
    entry = consumer(event_type)
    if entry.batch is None:
        raise ValueError(f"{event_type} has no batch handler to follow")
    first = entry.batch

    def both(payloads: list[dict]) -> None:
        first.apply(payloads)
        apply(payloads)

    entry.batch = Batch(first.refusals, both)


def moment(value: str) -> datetime:
    """A payload's date-time field, in UTC."""
    return datetime.fromisoformat(value).astimezone(UTC)


def releases(event_type: str, key: Callable[[dict], str]) -> None:
    """Taking in an event of this type applies the parked events awaiting `key(payload)`."""
    consumer(event_type).releases = key


# Rewriters of consumed payloads before any handler sees them (duplicates: an id of a merged
# customer becomes its survivor's). They change the payloads in place, a run at a time.
PayloadResolver = Callable[[list[dict]], None]
RESOLVERS: list[PayloadResolver] = []


def resolves_payloads(resolver: PayloadResolver) -> PayloadResolver:
    RESOLVERS.append(resolver)
    return resolver


def resolve_payloads(payloads: list[dict]) -> None:
    for resolver in RESOLVERS:
        resolver(payloads)
