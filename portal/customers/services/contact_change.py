"""Changing the primary e-mail or phone: it takes effect only once the code sent to the new
address is confirmed (Customer Account Management rule 3)."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime

from flask import current_app

from portal.customers import acquisition_rollups
from portal.customers.adapters import notifier as configured_notifier
from portal.customers.hooks import customers_changed
from portal.customers.models import Customer, PendingContactChange
from portal.customers.ports import Notifier
from portal.customers.rules import email_error, phone_error
from portal.customers.services._common import (
    iso,
    load_customer,
    record,
)
from portal.customers.values import CODE_LIFETIME, CODE_MAX_ATTEMPTS, ContactField
from portal.domain import DomainError, StaleVersion, flush_or_stale, use_case
from portal.extensions import db
from portal.models import utcnow
from portal.security import audit
from portal.security.models import User

CHECKS = {ContactField.EMAIL: email_error, ContactField.PHONE: phone_error}


def _code_hash(customer_id: str, field: ContactField, code: str) -> str:
    # Keyed: six digits are trivially brute-forced from a plain hash in a leaked database.
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, f"{customer_id}:{field}:{code}".encode(), hashlib.sha256).hexdigest()


def _masked(destination: str) -> str:
    """j***@example.org / ********1234: enough to recognise, not to use."""
    if "@" in destination:
        local, _, domain = destination.partition("@")
        return f"{local[:1]}***@{domain}"
    return "*" * (len(destination) - 4) + destination[-4:]


def _pending(customer_id: str, field: ContactField) -> tuple[dict, int]:
    """The change waiting for a code now (its new value), and its version (0: none)."""
    pending = db.session.get(PendingContactChange, (customer_id, field))
    return {field.value: pending.new_value if pending else None}, pending.version if pending else 0


@use_case
def request_contact_change(
    actor: User,
    customer_id: str,
    field: ContactField,
    new_value: str,
    *,
    expected_version: int | None = None,
    notifier: Notifier | None = None,
) -> PendingContactChange:
    """Send a one-time code to the new e-mail/phone; the change waits for confirm_contact_change.

    A new request replaces a pending one for the same field, but only the one the user saw at
    `expected_version` (0: none was pending): else StaleVersion. Emits VerificationCodeSent
    (without the code); the code itself is stored only as a keyed hash.
    """
    customer = load_customer(customer_id)
    pending = db.session.get(PendingContactChange, (customer.id, field))
    if expected_version is not None and (pending.version if pending else 0) != expected_version:
        raise StaleVersion(*_pending(customer.id, field))
    new_value = new_value.strip()
    if message := CHECKS[field](new_value):
        raise DomainError({field.value: [message]})
    if new_value == getattr(customer, field.value):
        raise DomainError({field.value: ["This already is the customer's current value."]})

    code = f"{secrets.randbelow(10**6):06d}"
    expires_at = utcnow() + CODE_LIFETIME
    pending = pending or PendingContactChange(customer_id=customer.id, field=field)
    pending.new_value = new_value
    pending.code_hash = _code_hash(customer.id, field, code)
    pending.expires_at = expires_at
    pending.attempts = 0
    pending.requested_by = actor.id
    db.session.add(pending)
    flush_or_stale(lambda: _pending(customer_id, field))
    record(
        actor,
        "customer.contact_change_request",
        customer.id,
        f"Sent a code to confirm a new {field.value}",
        "VerificationCodeSent",
        {
            "customerId": customer.id,
            "field": field.value,
            "destination": _masked(new_value),
            "expiresAt": iso(expires_at),
        },
    )
    acquisition_rollups.refresh([customer.id])  # the verification funnel counts codes sent
    db.session.commit()
    # After the commit: a code is only ever sent for a change that is stored.
    (notifier or configured_notifier()).send_verification_code(
        customer_id=customer.id, field=field, destination=new_value, code=code
    )
    return pending


@use_case
def confirm_contact_change(
    actor: User, customer_id: str, field: ContactField, code: str, *, now: datetime | None = None
) -> Customer:
    """Apply the pending change if `code` is right; emits CustomerUpdated.

    A wrong code counts an attempt, and that count is saved although the call fails: otherwise
    the code could be guessed without limit. After CODE_MAX_ATTEMPTS, or once expired, only a
    new request helps. Errors are reported on the field "code".
    """
    customer = load_customer(customer_id)
    now = now or utcnow()
    pending = db.session.get(PendingContactChange, (customer.id, field))
    if pending is None:
        raise DomainError({"code": ["No change is waiting for a code; request a new one."]})
    if now >= pending.expires_at:
        raise DomainError({"code": ["The code has expired; request a new one."]})
    if pending.attempts >= CODE_MAX_ATTEMPTS:
        raise DomainError({"code": ["Too many wrong codes; request a new one."]})
    if not hmac.compare_digest(pending.code_hash, _code_hash(customer.id, field, code.strip())):
        pending.attempts += 1
        audit.record(
            "customer.contact_change_confirm",
            outcome=audit.FAILURE,
            user=actor,
            record_type="customer",
            record_id=customer.id,
            summary=f"Wrong code for a new {field.value} (attempt {pending.attempts})",
        )
        acquisition_rollups.refresh([customer.id])
        db.session.commit()
        raise DomainError({"code": ["That code is not right."]})

    previous = getattr(customer, field.value)
    setattr(customer, field.value, pending.new_value)
    db.session.delete(pending)
    record(
        actor,
        "customer.contact_change_confirm",
        customer.id,
        f"Confirmed the new {field.value}",
        "CustomerUpdated",
        {
            "customerId": customer.id,
            "modifiedFields": [field.value],
            "previousValues": {field.value: previous},
            "newValues": {field.value: pending.new_value},
        },
    )
    # What other areas derive from the contact (the completeness counts, the verification
    # funnel, the segment) follows in this transaction.
    customers_changed([customer.id], actor_id=actor.id)
    db.session.commit()
    return customer
