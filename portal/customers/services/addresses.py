"""Customer addresses: verified through the AddressVerifier port before they are stored."""

from __future__ import annotations

from dataclasses import asdict

from portal.customers import rollups
from portal.customers.adapters import address_verifier
from portal.customers.hooks import customers_changed
from portal.customers.models import Customer, CustomerAddress
from portal.customers.ports import AddressCheck, AddressVerifier, AddressVerifierUnavailable
from portal.customers.services._common import (
    address_data,
    load_address,
    load_customer,
    record,
)
from portal.customers.values import AddressCheckOutcome, AddressData
from portal.domain import NON_FIELD, DomainError, StaleVersion, use_case
from portal.extensions import db
from portal.models import utcnow
from portal.security.models import User


class AddressVerificationUnavailable(DomainError):
    def __init__(self):
        super().__init__({NON_FIELD: ["Addresses cannot be checked right now; try again soon."]})


def _check(address: AddressData, verifier: AddressVerifier | None) -> AddressCheck:
    """The verifier's answer, counted for the data-quality dashboard by country and outcome."""
    try:
        check = (verifier or address_verifier()).verify(address)
    except AddressVerifierUnavailable:
        _refused(address, AddressCheckOutcome.UNAVAILABLE)
        raise AddressVerificationUnavailable() from None
    if check.errors:
        _refused(address, next(iter(check.errors)))
        raise DomainError(check.errors)
    outcome = AddressCheckOutcome.VERIFIED if check.verified else AddressCheckOutcome.UNCONFIRMED
    rollups.address_checked(check.address.country, outcome)
    return check


def _refused(address: AddressData, outcome: str) -> None:
    """Count a refused check on its own: the use case then rolls back, and every caller checks
    before it writes anything, so this commit saves nothing else."""
    db.session.rollback()
    rollups.address_checked((address.country or "").strip(), outcome)
    db.session.commit()


def _apply(address: CustomerAddress, check: AddressCheck) -> None:
    for name, value in asdict(check.address).items():
        setattr(address, name, value)
    address.verified = check.verified
    address.verified_at = utcnow() if check.verified else None


def _make_default(customer: Customer, address: CustomerAddress) -> None:
    """One default per address type."""
    for other in customer.addresses:
        if other is not address and other.address_type == address.address_type:
            other.is_default = False
    address.is_default = True


def _changed(actor: User, address: CustomerAddress, previous: dict, summary: str) -> None:
    record(
        actor,
        "customer.address_update",
        address.customer_id,
        summary,
        "CustomerAddressUpdated",
        {
            "customerId": address.customer_id,
            "addressId": address.id,
            "previousData": previous,
            "updatedData": address_data(address),
        },
        details={"address_id": address.id},
    )
    customers_changed([address.customer_id], actor_id=actor.id)
    db.session.commit()


@use_case
def add_address(
    actor: User,
    customer_id: str,
    data: AddressData,
    *,
    make_default: bool = False,
    verifier: AddressVerifier | None = None,
) -> CustomerAddress:
    """Verify, standardise and store an address; emits CustomerAddressAdded.

    The first address of a type becomes its default. Raises DomainError with field messages
    (street1, city, country, postal_code) or AddressVerificationUnavailable.
    """
    customer = load_customer(customer_id)
    check = _check(data, verifier)
    address = CustomerAddress(customer_id=customer.id)
    _apply(address, check)
    customer.addresses.append(address)
    if make_default or not any(
        a.is_default for a in customer.addresses if a.address_type == address.address_type
    ):
        _make_default(customer, address)
    db.session.flush()
    record(
        actor,
        "customer.address_add",
        customer.id,
        f"Added a {address.address_type} address",
        "CustomerAddressAdded",
        {
            "customerId": customer.id,
            "addressType": address.address_type,
            "addressData": address_data(address),
        },
        details={"address_id": address.id},
    )
    customers_changed([customer.id], actor_id=actor.id)
    db.session.commit()
    return address


@use_case
def update_address(
    actor: User,
    customer_id: str,
    address_id: str,
    data: AddressData,
    expected_version: int,
    *,
    verifier: AddressVerifier | None = None,
) -> CustomerAddress:
    """Change an address the user saw at `expected_version`; it is verified again.

    Raises StaleVersion, DomainError or AddressVerificationUnavailable.
    """
    address = _load_seen(customer_id, address_id, expected_version)
    check = _check(data, verifier)
    previous = address_data(address)
    type_changed = check.address.address_type != address.address_type
    _apply(address, check)
    if type_changed:
        customer = address.customer
        address.is_default = False
        if not any(
            a.is_default for a in customer.addresses if a.address_type == address.address_type
        ):
            _make_default(customer, address)
    _changed(actor, address, previous, f"Changed the {address.address_type} address")
    return address


def _load_seen(customer_id: str, address_id: str, expected_version: int | None):
    """The address, if it is still the version the user saw (None: no check)."""
    address = load_address(customer_id, address_id)
    if expected_version is not None and address.version != expected_version:
        raise StaleVersion(address_data(address), address.version)
    return address


@use_case
def set_default_address(
    actor: User, customer_id: str, address_id: str, *, expected_version: int | None = None
) -> CustomerAddress:
    """Make this the default address of its type (the previous default stops being one)."""
    address = _load_seen(customer_id, address_id, expected_version)
    previous = address_data(address)
    _make_default(address.customer, address)
    _changed(actor, address, previous, f"Made default {address.address_type} address")
    return address


@use_case
def verify_address(
    actor: User,
    customer_id: str,
    address_id: str,
    *,
    expected_version: int | None = None,
    verifier: AddressVerifier | None = None,
) -> CustomerAddress:
    """Ask the verifier again (e.g. after it was unavailable) and mark the address verified.

    Raises DomainError when the verifier does not confirm it, StaleVersion when the address
    changed after the user saw it at `expected_version`.
    """
    address = _load_seen(customer_id, address_id, expected_version)
    stored = AddressData(
        **{name: getattr(address, name) for name in AddressData.__dataclass_fields__}
    )
    check = _check(stored, verifier)
    if not check.verified:
        _refused(stored, AddressCheckOutcome.UNCONFIRMED)
        raise DomainError({NON_FIELD: ["The address could not be confirmed as deliverable."]})
    previous = address_data(address)
    _apply(address, check)
    _changed(actor, address, previous, f"Verified the {address.address_type} address")
    return address
