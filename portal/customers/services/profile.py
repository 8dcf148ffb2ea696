"""Registering a customer and editing the profile."""

from __future__ import annotations

from sqlalchemy.orm.exc import StaleDataError

from portal.customers.hooks import customers_changed
from portal.customers.models import Customer
from portal.customers.rules import (
    ErrorList,
    business_errors,
    contact_errors,
    name_errors,
    type_data_errors,
)
from portal.customers.services._common import (
    contact_info,
    iso,
    load_customer,
    public,
    record,
)
from portal.customers.services.acquisition import new_customer_acquisition
from portal.customers.services.validation import edit_errors, registration_errors
from portal.customers.values import (
    BusinessIdentification,
    ContactInfo,
    NewCustomer,
    ProfileChanges,
    camel,
)
from portal.domain import DomainError, StaleVersion, use_case
from portal.events.outbox import SYSTEM, emit
from portal.extensions import db
from portal.models import utcnow
from portal.security import audit
from portal.security.audit import Actor
from portal.security.models import User

BUSINESS_DETAILS = (
    "legal_entity_name",
    "dba_name",
    "industry_code",
    "year_established",
    "company_size",
    "organization_type",
    "payment_terms",
)
CONTACT_SETTINGS = (
    "alternative_email",
    "alternative_phone",
    "preferred_contact_method",
    "preferred_contact_time",
    "do_not_contact",
    "marketing_opt_out",
)
PROFILE_FIELDS = (
    "name",
    *CONTACT_SETTINGS,
    "type_data",
    "tax_id",
    "registration_number",
    *BUSINESS_DETAILS,
)


def profile_values(customer: Customer) -> dict:
    """The editable profile, keyed by field name (identifiers in clear: internal use only)."""
    return {name: getattr(customer, name) for name in PROFILE_FIELDS}


def _apply_business(customer: Customer, business: BusinessIdentification) -> None:
    for name in BUSINESS_DETAILS:
        setattr(customer, name, getattr(business, name))
    # Left out on an edit means "keep": forms do not echo identifiers back in clear.
    for name in ("tax_id", "registration_number"):
        if value := getattr(business, name):
            setattr(customer, name, value.strip())


@use_case
def register_customer(actor: Actor, data: NewCustomer) -> Customer:
    """Create a customer after checking every creation rule; emits CustomerCreated.

    Raises DomainError with field messages (name, email, phone, type fields, tax_id, ...),
    the configured validation rules' included.
    """
    channel, acquisition_errors = new_customer_acquisition(data)
    if errors := {**registration_errors(data), **acquisition_errors}:
        raise DomainError(errors)
    now = utcnow()
    contact = data.contact
    customer = Customer(
        name=data.name.strip(),
        customer_type=data.customer_type,
        status=data.status,
        email=contact.email,
        phone=contact.phone,
        alternative_email=contact.alternative_email,
        alternative_phone=contact.alternative_phone,
        preferred_contact_method=contact.preferred_contact_method,
        preferred_contact_time=contact.preferred_contact_time,
        do_not_contact=contact.do_not_contact,
        marketing_opt_out=data.marketing_opt_out,
        type_data=dict(data.type_data),
        acquisition_channel=channel,
        acquisition_source=data.acquisition_source or None,
        created_at=now,
        updated_at=now,
    )
    if data.business is not None:
        _apply_business(customer, data.business)
    db.session.add(customer)
    db.session.flush()  # assigns the id the event and the audit entry refer to
    record(
        actor,
        "customer.register",
        customer.id,
        f"Registered a {customer.customer_type} customer",
        "CustomerCreated",
        {
            "customerId": customer.id,
            "customerType": customer.customer_type,
            "name": customer.name,
            "contactInfo": contact_info(customer),
            "createdAt": iso(now),
        },
    )
    customers_changed([customer.id], actor_id=actor.id)
    db.session.commit()
    return customer


def _profile_errors(customer: Customer, changes: ProfileChanges) -> dict:
    contact = ContactInfo(
        email=customer.email,
        phone=customer.phone,
        alternative_email=changes.alternative_email,
        alternative_phone=changes.alternative_phone,
        preferred_contact_method=changes.preferred_contact_method,
        preferred_contact_time=changes.preferred_contact_time,
        do_not_contact=changes.do_not_contact,
    )
    errors = ErrorList()
    errors.extend(name_errors(changes.name))
    errors.extend(contact_errors(contact, has_postal_address=bool(customer.addresses)))
    errors.extend(type_data_errors(customer.customer_type, changes.type_data))
    errors.extend(
        business_errors(customer.customer_type, changes.business, stored_identifiers=True)
    )
    errors.extend(edit_errors(customer, changes))
    # "Payment terms must be approved by finance": a change goes through an approval request.
    if changes.business and changes.business.payment_terms != customer.payment_terms:
        errors.add(
            "payment_terms",
            "Payment terms change only with finance's approval: request it from the profile.",
        )
    return errors.as_dict()


@use_case
def update_customer(
    actor: Actor, customer_id: str, changes: ProfileChanges, expected_version: int
) -> Customer:
    """Edit the profile of the version the user saw; emits CustomerUpdated if anything changed.

    Raises StaleVersion (with the current values) when the customer moved past
    `expected_version`, DomainError with field messages when a rule fails.
    """
    customer = load_customer(customer_id)
    if customer.version_id != expected_version:
        raise StaleVersion(public(profile_values(customer)), customer.version_id)
    if errors := _profile_errors(customer, changes):
        raise DomainError(errors)

    before = profile_values(customer)
    customer.name = changes.name.strip()
    for name in CONTACT_SETTINGS:
        setattr(customer, name, getattr(changes, name))
    customer.type_data = dict(changes.type_data)
    if changes.business is not None:
        _apply_business(customer, changes.business)
    after = profile_values(customer)
    modified = [name for name in PROFILE_FIELDS if before[name] != after[name]]
    if not modified:
        db.session.rollback()  # equal values reassigned must not bump the version later
        return customer
    try:
        db.session.flush()
    except StaleDataError:
        # Another session committed between our read and our write.
        db.session.rollback()
        current = load_customer(customer_id)
        raise StaleVersion(public(profile_values(current)), current.version_id) from None

    record(
        actor,
        "customer.update",
        customer.id,
        f"Changed {', '.join(modified)}",
        "CustomerUpdated",
        {
            "customerId": customer.id,
            "modifiedFields": [camel(n) for n in modified],
            "previousValues": _masked(before, modified),
            "newValues": _masked(after, modified),
        },
        details={"fields": modified},
    )
    customers_changed([customer.id], actor_id=actor.id)
    db.session.commit()
    return customer


def apply_approved_payment_terms(
    actor: User | None, customer_id: str, terms: str, approval_request_id: str
) -> None:
    """Set the payment terms finance approved (portal.approvals), in the approval's own
    transaction, with the audit entry and CustomerUpdated; `actor` None: the system decided."""
    customer = db.session.get(Customer, customer_id)
    previous = customer.payment_terms
    customer.payment_terms = terms
    audit.record(
        "customer.update",
        user=actor,
        actor=None if actor else SYSTEM,
        record_type="customer",
        record_id=customer.id,
        summary=f"Payment terms {previous or 'none'} → {terms}, approved by finance",
        details={"fields": ["payment_terms"], "approval_request": approval_request_id},
    )
    emit(
        "CustomerUpdated",
        customer.id,
        {
            "customerId": customer.id,
            "modifiedFields": ["paymentTerms"],
            "previousValues": {"paymentTerms": previous},
            "newValues": {"paymentTerms": terms},
        },
        actor=actor.id if actor else SYSTEM,
    )


def _masked(values: dict, names: list[str]) -> dict:
    return {camel(n): v for n, v in public({n: values[n] for n in names}).items()}
