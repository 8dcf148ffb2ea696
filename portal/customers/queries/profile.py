"""Read models of the 360° profile: the customer, its interactions and its change history."""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import partial

from flask import abort
from sqlalchemy import Select, String, cast, null, select
from sqlalchemy.orm import joinedload

from portal.customers import journey
from portal.customers.models import (
    Customer,
    CustomerAddress,
    Interaction,
    PendingContactChange,
)
from portal.customers.values import InteractionType
from portal.events.models import OutboxEvent
from portal.extensions import db
from portal.labels import label as code_label
from portal.security.models import User

INTERACTIONS_SHOWN = 100
HISTORY_SHOWN = 200


def names(customer_ids: Collection[str]) -> dict[str, str]:
    """The current names of these customers (the audit log shows them, see __init__)."""
    rows = db.session.execute(
        select(Customer.id, Customer.name).where(Customer.id.in_(customer_ids))
    )
    return {row.id: row.name for row in rows}


def with_details() -> Select:
    """Customers with their addresses and preferences, joined into the one statement: two
    more round trips would cost the web process more CPU than the few rows they bring.
    Rows repeat per address: read the result with `.unique()`."""
    return select(Customer).options(joinedload(Customer.addresses), joinedload(Customer.preference))


def find_customer(customer_id: str) -> Customer | None:
    return db.session.scalars(with_details().where(Customer.id == customer_id)).unique().first()


def customer_or_404(customer_id: str) -> Customer:
    customer = find_customer(customer_id)
    if customer is None:
        abort(404)
    return customer


def address_or_404(customer_id: str, address_id: str) -> CustomerAddress:
    """The address, if it belongs to this customer: another customer's address is a 404."""
    address = db.session.get(CustomerAddress, address_id)
    if address is None or address.customer_id != customer_id:
        abort(404)
    return address


def pending_contact_changes(customer_id: str) -> dict[str, PendingContactChange]:
    rows = db.session.scalars(
        select(PendingContactChange).where(PendingContactChange.customer_id == customer_id)
    )
    return {row.field.value: row for row in rows}


@dataclass(frozen=True)
class InteractionFilter:
    type: str = ""
    date_from: date | None = None
    date_to: date | None = None


def _interactions_query(customer_id: str):
    return (
        select(
            Interaction.id,
            Interaction.type,
            Interaction.occurred_at,
            Interaction.summary,
            Interaction.details,
            User.name.label("recorded_by"),
        )
        .outerjoin(User, User.id == Interaction.recorded_by)
        .where(Interaction.customer_id == customer_id)
        .order_by(Interaction.occurred_at.desc())
    )


def interactions(customer_id: str, filters: InteractionFilter) -> list:
    query = _interactions_query(customer_id)
    if filters.type:
        query = query.where(Interaction.type == filters.type)
    if filters.date_from:
        query = query.where(
            Interaction.occurred_at >= datetime.combine(filters.date_from, time.min, UTC)
        )
    if filters.date_to:
        end = datetime.combine(filters.date_to + timedelta(days=1), time.min, UTC)
        query = query.where(Interaction.occurred_at < end)
    return list(db.session.execute(query.limit(INTERACTIONS_SHOWN)))


def recent_interactions(customer_id: str, count: int) -> list:
    return list(db.session.execute(_interactions_query(customer_id).limit(count)))


def latest_interaction(customer_id: str):
    return db.session.execute(_interactions_query(customer_id).limit(1)).first()


@dataclass(frozen=True)
class Change:
    field: str
    before: object
    after: object


@dataclass(frozen=True)
class HistoryEntry:
    at: datetime
    who: str
    what: str
    note: str = ""
    changes: list[Change] = field(default_factory=list)


# Payload keys holding the values before and after, per event type.
BEFORE_AFTER = {
    "CustomerUpdated": ("previousValues", "newValues"),
    "CustomerAddressUpdated": ("previousData", "updatedData"),
    "CustomerPreferencesUpdated": ("previousSettings", "newSettings"),
}
# Their CustomerStatusChangedByAdmin twin, committed with them, already tells the whole story.
SHOWN_BY_STATUS_CHANGE = ("CustomerAccountDeactivated", "CustomerAccountReactivated")
CAMEL = re.compile(r"(?<!^)(?=[A-Z])")


def label(key: str) -> str:
    """`alternativeEmail` → "Alternative email"; `typeData.star_rating` → "Star rating"."""
    key = key.rsplit(".", 1)[-1]
    return CAMEL.sub(" ", key).replace("_", " ").capitalize()


def _flat(values: dict | None) -> dict:
    """Nested dicts (typeData) become one entry per inner key."""
    flat = {}
    for key, value in (values or {}).items():
        if isinstance(value, dict):
            flat.update({f"{key}.{inner}": v for inner, v in value.items()})
        else:
            flat[key] = value
    return flat


def changes(before: dict | None, after: dict | None, always: Iterable[str] = ()) -> list[Change]:
    """The fields whose values differ, nested dicts compared key by key. Fields in `always`
    are listed even when equal: a masked tax id reads "*** → ***" but did change."""
    before, after = _flat(before), _flat(after)
    return [
        Change(label(key), before.get(key), after.get(key))
        for key in dict.fromkeys([*before, *after])
        if key in always or before.get(key) != after.get(key)
    ]


def _describe(event: OutboxEvent) -> tuple[str, list[Change]]:
    payload = event.payload
    if event.type in BEFORE_AFTER:
        before, after = BEFORE_AFTER[event.type]
        note = payload.get("preferenceCategory", "").replace("_", " ").lower()
        modified = payload.get("modifiedFields", ())
        return note, changes(payload.get(before), payload.get(after), modified)
    if event.type == "CustomerStatusChangedByAdmin":
        change = Change("Status", payload["previousStatus"], payload["newStatus"])
        return payload.get("reason", ""), [change]
    if event.type == "CustomerVerificationOverriddenByAdmin":
        return payload["justification"], []
    if event.type == "CustomerCreated":
        return f"Registered as {payload.get('customerType')}", []
    if event.type == "CustomerAddressAdded":
        data = payload.get("addressData") or {}
        return f"{payload.get('addressType')} address in {data.get('city')}", []
    if event.type == "VerificationCodeSent":
        return f"Code for a new {payload.get('field')} sent to {payload.get('destination')}", []
    return "", []


def change_history(customer_id: str) -> list[HistoryEntry]:
    """The customer's events, newest first, as who changed which field from what to what.

    Event payloads already mask tax ids and registration numbers.
    """
    events = list(
        db.session.scalars(
            select(OutboxEvent)
            .where(
                OutboxEvent.aggregate_id == customer_id,
                OutboxEvent.type.not_in(SHOWN_BY_STATUS_CHANGE),
            )
            .order_by(OutboxEvent.occurred_at.desc())
            .limit(HISTORY_SHOWN)
        )
    )
    actors = {e.actor for e in events}
    names = dict(db.session.execute(select(User.id, User.name).where(User.id.in_(actors))).all())
    entries = []
    for event in events:
        note, changes = _describe(event)
        who = names.get(event.actor, event.actor)
        what = label(event.type.removeprefix("Customer"))
        entries.append(HistoryEntry(event.occurred_at, who, what, note, changes))
    return entries


# The journey's touchpoints kept by this area (portal.customers.journey): interactions, status
# changes and changes of profile and contact, each one index range of the customer's rows.


# Reviews, authentication scans and campaign engagement arrive from other contexts as
# interactions; the journey shows each as a kind of its own, so it can be filtered by it.
REPORTED = {
    "review": InteractionType.REVIEW,
    "scan": InteractionType.AUTHENTICATION_SCAN,
    "campaign": InteractionType.CAMPAIGN,
}


def _interactions(customer_id: str):
    i = Interaction
    return select(
        i.occurred_at.label("at"),
        i.id.label("ref"),
        i.type.label("title"),
        i.summary.label("detail"),
        *journey.no_amount(),
    ).where(i.customer_id == customer_id)


@journey.source("interaction", "Interaction", titled=code_label)
def _interaction_touchpoints(customer_id: str):
    return _interactions(customer_id).where(Interaction.type.not_in(list(REPORTED.values())))


def _reported_touchpoints(kind: InteractionType, customer_id: str):
    return _interactions(customer_id).where(Interaction.type == kind)


for _name, _kind in REPORTED.items():
    journey.source(_name, code_label(_kind))(partial(_reported_touchpoints, _kind))


def _events(customer_id: str, types: Iterable[str]):
    e = OutboxEvent
    return select(e.occurred_at.label("at"), e.id.label("ref"), *journey.no_amount()).where(
        e.aggregate_id == customer_id, e.type.in_(types)
    )


@journey.source("status", "Status change", titled=code_label, detailed=code_label)
def _status_touchpoints(customer_id: str):
    payload = OutboxEvent.payload
    return _events(customer_id, ["CustomerStatusChangedByAdmin"]).add_columns(
        payload["newStatus"].as_string().label("title"),
        payload["reason"].as_string().label("detail"),
    )


PROFILE_EVENTS = {
    "CustomerCreated": "Registered",
    "CustomerUpdated": "Details or contact changed",
    "CustomerAddressAdded": "Address added",
    "CustomerAddressUpdated": "Address changed",
    "CustomerPreferencesUpdated": "Preferences changed",
}


@journey.source("profile", "Profile or contact change", titled=PROFILE_EVENTS.get)
def _profile_touchpoints(customer_id: str):
    e = OutboxEvent
    return _events(customer_id, PROFILE_EVENTS).add_columns(
        e.type.label("title"), cast(null(), String).label("detail")
    )
