"""Name and ContactInfo: who the customer is and how to reach them."""

from __future__ import annotations

import phonenumbers
from email_validator import EmailNotValidError, validate_email

from portal.customers.models import Customer
from portal.customers.rules._errors import ErrorList, Errors
from portal.customers.values import ContactInfo, ContactMethod
from portal.limits import column_text_error, max_length

NAME_MAX = max_length(Customer.name)


def name_errors(name: str) -> Errors:
    errors = ErrorList()
    if not name or not name.strip():
        errors.add("name", "Enter the customer's name.")
    elif len(name) > NAME_MAX:
        errors.add("name", f"Use at most {NAME_MAX} characters.")
    return errors.as_dict()


def email_error(value: str) -> str | None:
    try:
        validate_email(value, check_deliverability=False)
    except EmailNotValidError as exc:
        return f"Enter a valid e-mail address ({exc})."
    return None


def normalise_phone(value: str | None, region: str) -> str | None:
    """A phone as people type it ("+1 876 555 0104", "(876) 555-0104", "876.555.0104") in
    E.164, a number without its country code read in `region`. Anything that is not a valid
    number comes back as typed, for phone_error to refuse with its message."""
    if not value:
        return value
    try:
        number = phonenumbers.parse(value, region)
    except phonenumbers.NumberParseException:
        return value
    if not phonenumbers.is_valid_number(number):
        return value
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def phone_error(value: str) -> str | None:
    """E.164: a plus, the country code and the number, no spaces (+18765551234)."""
    message = "Enter the number in international format, e.g. +18765551234."
    try:
        number = phonenumbers.parse(value, None)
    except phonenumbers.NumberParseException:
        return message
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    if e164 != value or not phonenumbers.is_valid_number(number):
        return message
    return None


def contact_errors(contact: ContactInfo, *, has_postal_address: bool = False) -> Errors:
    """At least one of e-mail and phone, each well formed; a preferred method that is provided;
    no preference at all for a customer who must not be contacted."""
    errors = ErrorList()
    time = contact.preferred_contact_time
    if message := column_text_error(Customer.preferred_contact_time, time):
        errors.add("preferred_contact_time", message)
    if not contact.email and not contact.phone:
        for field in ("email", "phone"):
            errors.add(field, "Give an e-mail address or a phone number.")
    for field in ("email", "alternative_email"):
        value = getattr(contact, field)
        if value and (message := email_error(value)):
            errors.add(field, message)
    for field in ("phone", "alternative_phone"):
        value = getattr(contact, field)
        if value and (message := phone_error(value)):
            errors.add(field, message)

    method = contact.preferred_contact_method
    if contact.do_not_contact:
        if method or contact.preferred_contact_time:
            errors.add(
                "preferred_contact_method",
                "A customer who must not be contacted has no preferred method or time.",
            )
    elif method in (ContactMethod.PHONE, ContactMethod.SMS) and not contact.phone:
        errors.add("preferred_contact_method", "Give a phone number to be reached by phone.")
    elif method == ContactMethod.EMAIL and not contact.email:
        errors.add("preferred_contact_method", "Give an e-mail address to be reached by e-mail.")
    elif method == ContactMethod.MAIL and not has_postal_address:
        errors.add("preferred_contact_method", "Add a postal address to be reached by mail.")
    return errors.as_dict()
