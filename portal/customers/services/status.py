"""Account status: staff changes, deactivation and reactivation, the dormant-account sweep."""

from __future__ import annotations

import calendar
from datetime import datetime

from sqlalchemy import func, update

from portal.customers.hooks import customers_changed
from portal.customers.models import Customer
from portal.customers.rules import is_deactivation, is_reactivation, transition_errors
from portal.customers.rules.status import verification_override_errors
from portal.customers.services._common import iso, load_customer, record
from portal.customers.values import CustomerStatus
from portal.domain import DomainError, StaleVersion, load, use_case
from portal.events.outbox import SYSTEM, emit
from portal.extensions import db
from portal.models import new_uuid, utcnow
from portal.security import audit
from portal.security.models import User

DORMANT_MONTHS = 24


@use_case
def change_status(
    actor: User,
    customer_id: str,
    new_status: CustomerStatus,
    *,
    reason: str,
    notes: str = "",
    expected_version: int | None = None,
) -> Customer:
    """Move the account along the transition table (rules.status); `reason` is required.

    Emits CustomerStatusChangedByAdmin, plus CustomerAccountDeactivated when an ACTIVE account
    leaves ACTIVE, or CustomerAccountReactivated when an INACTIVE/SUSPENDED one returns.
    """
    customer = load_customer(customer_id)
    if expected_version is not None and customer.version_id != expected_version:
        raise StaleVersion({"status": customer.status}, customer.version_id)
    previous = customer.status
    if errors := transition_errors(previous, new_status, reason):
        raise DomainError(errors)

    now = utcnow()
    reason = reason.strip()
    customer.status = new_status
    if is_deactivation(previous, new_status):
        customer.deactivated_at = now
        record(
            actor,
            "customer.deactivate",
            customer.id,
            f"Deactivated ({new_status}): {reason}",
            "CustomerAccountDeactivated",
            {"customerId": customer.id, "reasonCode": reason, "deactivationDate": iso(now)},
            occurred_at=now,  # the change's events share one moment: none precedes another
        )
    elif is_reactivation(previous, new_status):
        record(
            actor,
            "customer.reactivate",
            customer.id,
            f"Reactivated from {previous}: {reason}",
            "CustomerAccountReactivated",
            {
                "customerId": customer.id,
                "reactivationDate": iso(now),
                "previousDeactivationPeriod": {
                    "from": iso(customer.deactivated_at),
                    "to": iso(now),
                },
            },
            occurred_at=now,
        )
        customer.deactivated_at = None

    event_id = new_uuid()
    record(
        actor,
        "customer.status_change",
        customer.id,
        f"Status {previous} → {new_status}: {reason}",
        "CustomerStatusChangedByAdmin",
        {
            "eventId": event_id,
            "timestamp": iso(now),
            "adminUserId": actor.id,
            "customerId": customer.id,
            "previousStatus": previous,
            "newStatus": new_status,
            "reason": reason,
            "notes": notes,
            "effectiveDate": iso(now),
        },
        details={"from": previous, "to": new_status, "reason": reason},
        event_id=event_id,
        occurred_at=now,
    )
    customers_changed([customer.id], actor_id=actor.id)
    db.session.commit()
    return customer


# The reason code CustomerStatusChangedByAdmin carries when an override made the account ACTIVE.
VERIFICATION_OVERRIDDEN = "VERIFICATION_OVERRIDDEN"


@use_case
def override_verification(actor: User, customer_id: str, justification: str) -> Customer:
    """Declare an account awaiting verification verified (CustomerManagementAdminService):
    PENDING_VERIFICATION → ACTIVE without the code, with the justification kept.

    Emits CustomerVerificationOverriddenByAdmin and, since the status moved, its
    CustomerStatusChangedByAdmin twin (reason VERIFICATION_OVERRIDDEN) for status consumers.
    The row is locked: of two overrides racing, the second finds the account verified.
    """
    customer = load(Customer, customer_id, "customer", lock=True)
    if errors := verification_override_errors(customer.status, justification):
        raise DomainError(errors)
    now = utcnow()
    justification = justification.strip()
    previous, customer.status = customer.status, CustomerStatus.ACTIVE
    override_id, status_id = new_uuid(), new_uuid()
    shared = {"timestamp": iso(now), "adminUserId": actor.id, "customerId": customer.id}
    record(
        actor,
        "customer.verification_override",
        customer.id,
        f"Verification overridden: {justification}",
        "CustomerVerificationOverriddenByAdmin",
        {
            "eventId": override_id,
            **shared,
            "previousStatus": previous,
            "newStatus": customer.status,
            "justification": justification,
        },
        details={"from": previous, "to": customer.status, "justification": justification},
        event_id=override_id,
        occurred_at=now,
    )
    emit(
        "CustomerStatusChangedByAdmin",
        customer.id,
        {
            "eventId": status_id,
            **shared,
            "previousStatus": previous,
            "newStatus": customer.status,
            "reason": VERIFICATION_OVERRIDDEN,
            "notes": justification,
            "effectiveDate": iso(now),
        },
        actor=actor.id,
        event_id=status_id,
        occurred_at=now,
    )
    customers_changed([customer.id], actor_id=actor.id)
    db.session.commit()
    return customer


def deactivate_customer(actor: User, customer_id: str, *, reason: str, notes: str = "") -> Customer:
    """ACTIVE → INACTIVE (see change_status)."""
    return change_status(actor, customer_id, CustomerStatus.INACTIVE, reason=reason, notes=notes)


def reactivate_customer(actor: User, customer_id: str, *, reason: str, notes: str = "") -> Customer:
    """INACTIVE or SUSPENDED → ACTIVE (see change_status)."""
    return change_status(actor, customer_id, CustomerStatus.ACTIVE, reason=reason, notes=notes)


def months_before(moment: datetime, months: int) -> datetime:
    """The same day `months` earlier, or that month's last day when it is shorter."""
    year, month_index = divmod(moment.year * 12 + moment.month - 1 - months, 12)
    day = min(moment.day, calendar.monthrange(year, month_index + 1)[1])
    return moment.replace(year=year, month=month_index + 1, day=day)


def flag_inactive_customers(now: datetime | None = None) -> int:
    """Flag for review every open account without activity for over 24 months (one UPDATE).

    Activity is the last interaction, or the creation when there was none. Returns how many
    accounts were newly flagged; a later interaction clears the flag.
    """
    now = now or utcnow()
    cutoff = months_before(now, DORMANT_MONTHS)
    result = db.session.execute(
        update(Customer)
        .where(
            Customer.flagged_inactive_at.is_(None),
            Customer.status != CustomerStatus.CLOSED,
            func.coalesce(Customer.last_activity_at, Customer.created_at) < cutoff,
        )
        .values(flagged_inactive_at=now)
        .execution_options(synchronize_session=False)
    )
    # One set-based re-evaluation (segmentation listens) of the accounts just flagged: no rule
    # reads the flag itself, but their time-based fields (last order, customer since) have
    # drifted since the last run.
    customers_changed(where=Customer.flagged_inactive_at == now, now=now)
    audit.record(
        "customer.flag_inactive",
        actor=SYSTEM,
        record_type="customer",
        summary=f"Flagged {result.rowcount} dormant accounts for review",
        details={"count": result.rowcount, "cutoff": iso(cutoff)},
    )
    db.session.commit()
    return result.rowcount
