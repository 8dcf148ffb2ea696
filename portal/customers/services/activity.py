"""Preferences and the interaction history."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import or_, update

from portal.customers.hooks import customers_changed
from portal.customers.models import Customer, CustomerPreference, Interaction
from portal.customers.rules import preference_errors
from portal.customers.services._common import load_customer, record
from portal.customers.values import InteractionType, Preferences
from portal.domain import DomainError, StaleVersion, flush_or_stale, use_case
from portal.extensions import db
from portal.models import utcnow
from portal.security.models import User

# CustomerPreferencesUpdated is emitted once per category that changed.
PREFERENCE_CATEGORIES: dict[str, tuple[str, ...]] = {
    "COMMUNICATION": ("channels", "frequency"),
    "LANGUAGE": ("language",),
    "PRODUCT_INTERESTS": ("product_interests",),
    "DIETARY": ("dietary_preferences",),
    "SPECIAL_DATES": ("special_dates",),
}


def _settings(source, fields: tuple[str, ...]) -> dict:
    def plain(value):
        return list(value) if isinstance(value, list | tuple) else value

    return {name: plain(getattr(source, name)) for name in fields}


PREFERENCE_FIELDS = tuple(name for fields in PREFERENCE_CATEGORIES.values() for name in fields)


def preference_values(preference: CustomerPreference | Preferences | None) -> dict:
    """The preferences keyed by field name (empty ones when nothing is stored yet)."""
    return _settings(preference or Preferences(), PREFERENCE_FIELDS)


def _stored_preferences(customer_id: str) -> tuple[dict, int]:
    stored = load_customer(customer_id).preference
    return preference_values(stored), stored.version if stored else 0


@use_case
def update_preferences(
    actor: User,
    customer_id: str,
    preferences: Preferences,
    *,
    expected_version: int | None = None,
) -> CustomerPreference:
    """Replace the preferences the user saw at `expected_version` (0: none stored yet); emits
    CustomerPreferencesUpdated per changed category (COMMUNICATION, LANGUAGE,
    PRODUCT_INTERESTS, DIETARY, SPECIAL_DATES).

    Raises StaleVersion (with the current values) when someone saved in between."""
    customer = load_customer(customer_id)
    current = customer.preference
    if expected_version is not None and (current.version if current else 0) != expected_version:
        raise StaleVersion(*_stored_preferences(customer_id))
    if errors := preference_errors(preferences):
        raise DomainError(errors)
    stored = current or CustomerPreference(
        channels=[], product_interests=[], dietary_preferences=[], special_dates=[]
    )
    changed = []
    for category, fields in PREFERENCE_CATEGORIES.items():
        previous, new = _settings(stored, fields), _settings(preferences, fields)
        if previous == new:
            continue
        changed.append(category)
        for name, value in new.items():
            setattr(stored, name, value)
        record(
            actor,
            "customer.preferences_update",
            customer.id,
            f"Changed {category.lower()} preferences",
            "CustomerPreferencesUpdated",
            {
                "customerId": customer.id,
                "preferenceCategory": category,
                "previousSettings": previous,
                "newSettings": new,
            },
        )
    if changed:
        customer.preference = stored
        flush_or_stale(lambda: _stored_preferences(customer_id))
        customers_changed([customer.id], actor_id=actor.id)
        db.session.commit()
    return stored


def add_interaction(
    customer_id: str,
    kind: InteractionType,
    summary: str,
    at: datetime,
    recorded_by: str,
    *,
    details: str = "",
) -> Interaction:
    """One line in the interaction history, in the open transaction; the customer's last
    activity moves forward and a dormant flag is cleared."""
    interaction = Interaction(
        customer_id=customer_id,
        type=kind,
        occurred_at=at,
        summary=summary,
        details=details,
        recorded_by=recorded_by,
    )
    db.session.add(interaction)
    # A plain UPDATE: activity must not bump the version and make open edit forms stale.
    db.session.execute(
        update(Customer)
        .where(
            Customer.id == customer_id,
            or_(Customer.last_activity_at.is_(None), Customer.last_activity_at < at),
        )
        .values(last_activity_at=at, flagged_inactive_at=None)
        .execution_options(synchronize_session=False)
    )
    return interaction


@use_case
def record_interaction(
    actor: User,
    customer_id: str,
    interaction_type: InteractionType,
    summary: str,
    *,
    details: str = "",
    occurred_at: datetime | None = None,
) -> Interaction:
    """Add to the interaction history; the customer's last activity moves forward and a dormant
    flag is cleared. No domain event is named for this, so only the audit entry is written."""
    customer = load_customer(customer_id)
    now = utcnow()
    occurred_at = occurred_at or now
    errors = {}
    if not summary.strip():
        errors["summary"] = ["Summarise the interaction."]
    if occurred_at > now:
        errors["occurred_at"] = ["An interaction cannot be in the future."]
    if errors:
        raise DomainError(errors)
    interaction = add_interaction(
        customer.id, interaction_type, summary.strip(), occurred_at, actor.id, details=details
    )
    record(
        actor,
        "customer.interaction_record",
        customer.id,
        f"Recorded a {interaction_type} interaction",
        details={"type": interaction_type},
    )
    db.session.commit()
    return interaction
