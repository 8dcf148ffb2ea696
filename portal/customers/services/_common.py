"""What every customer use case shares: loading, payload shapes, the audit entry and event."""

from __future__ import annotations

from datetime import datetime

from portal.customers.models import Customer, CustomerAddress
from portal.domain import NotFound, load
from portal.events.outbox import emit
from portal.extensions import db
from portal.security import audit
from portal.security.audit import Actor

MASK = "***"  # tax ids and registration numbers never leave the database in clear
SECRET_FIELDS = frozenset({"tax_id", "registration_number"})


def load_customer(customer_id: str) -> Customer:
    return load(Customer, customer_id, "customer")


def load_address(customer_id: str, address_id: str) -> CustomerAddress:
    address = db.session.get(CustomerAddress, address_id)
    if address is None or address.customer_id != customer_id:
        raise NotFound("address")
    return address


def iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def public(values: dict) -> dict:
    """Values fit for events, audit and conflict screens: identifiers masked."""
    return {k: MASK if k in SECRET_FIELDS and v else v for k, v in values.items()}


def contact_info(customer: Customer) -> dict:
    """ContactInfo as the domain document names it."""
    return {
        "email": customer.email,
        "phone": customer.phone,
        "alternativeEmail": customer.alternative_email,
        "alternativePhone": customer.alternative_phone,
        "preferredContactMethod": customer.preferred_contact_method,
        "preferredContactTime": customer.preferred_contact_time,
        "doNotContact": customer.do_not_contact,
    }


def address_data(address: CustomerAddress) -> dict:
    """Address (plus its flags) as the domain document names it."""
    return {
        "addressType": address.address_type,
        "streetAddress1": address.street1,
        "streetAddress2": address.street2,
        "city": address.city,
        "state": address.state,
        "postalCode": address.postal_code,
        "country": address.country,
        "addressNote": address.note,
        "isDefault": address.is_default,
        "isVerified": address.verified,
        "verificationDate": iso(address.verified_at),
    }


def record(
    actor: Actor,
    action: str,
    customer_id: str,
    summary: str,
    event_type: str | None = None,
    payload: dict | None = None,
    details: dict | None = None,
    **emit_options,
) -> None:
    """The audit entry and (when the domain names one) the event, in the open transaction."""
    audit.record(
        action,
        user=actor,
        record_type="customer",
        record_id=customer_id,
        summary=summary,
        details=details,
    )
    if event_type is not None:
        emit(event_type, customer_id, payload or {}, actor=actor.id, **emit_options)
