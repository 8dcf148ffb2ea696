"""The customer domain's rules: pure functions returning {field name: [messages]}.

Forms check shape; these check meaning. The services call them and refuse to save on any error.
"""

from __future__ import annotations

from portal.customers.rules._errors import ErrorList, Errors
from portal.customers.rules.address import POSTAL_CODE_FORMATS, address_errors, country_error
from portal.customers.rules.contact import (
    contact_errors,
    email_error,
    name_errors,
    normalise_phone,
    phone_error,
)
from portal.customers.rules.preferences import preference_errors
from portal.customers.rules.status import (
    TRANSITIONS,
    can_place_orders,
    is_deactivation,
    is_reactivation,
    transition_errors,
)
from portal.customers.rules.types import TYPE_FIELDS, business_errors, type_data_errors
from portal.customers.values import CustomerStatus, NewCustomer

__all__ = [
    "POSTAL_CODE_FORMATS",
    "TRANSITIONS",
    "TYPE_FIELDS",
    "Errors",
    "address_errors",
    "business_errors",
    "can_place_orders",
    "contact_errors",
    "country_error",
    "email_error",
    "is_deactivation",
    "is_reactivation",
    "name_errors",
    "new_customer_errors",
    "normalise_phone",
    "phone_error",
    "preference_errors",
    "transition_errors",
    "type_data_errors",
]


def new_customer_errors(data: NewCustomer) -> Errors:
    """Everything a new customer must satisfy before it is stored."""
    errors = ErrorList()
    errors.extend(name_errors(data.name))
    errors.extend(contact_errors(data.contact))
    errors.extend(type_data_errors(data.customer_type, data.type_data))
    errors.extend(business_errors(data.customer_type, data.business))
    if data.status not in (CustomerStatus.ACTIVE, CustomerStatus.PENDING_VERIFICATION):
        errors.add("status", "A new account starts ACTIVE or PENDING_VERIFICATION.")
    return errors.as_dict()
