"""The fields of each customer type: exactly these may appear in `type_data`.

B2C rules 1-6 and B2B rules 2-6 of the domain document, plus the business identification every
B2B customer needs (B2B rule 1).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from portal.customers.models import Customer
from portal.customers.rules._errors import ErrorList, Errors
from portal.customers.rules.address import country_error
from portal.customers.values import (
    CARIBBEAN_CUISINES,
    COMPANY_SIZES,
    DELIVERY_FREQUENCIES,
    ORGANIZATION_TYPES,
    PAYMENT_TERMS,
    BusinessIdentification,
    CustomerType,
    ResidencyStatus,
)
from portal.limits import INTEGER, max_length, text_error

Check = Callable[[Any], str | None]


@dataclass(frozen=True)
class Field:
    check: Check
    required: bool = True


def text(longest: int = 200) -> Check:
    def check(value: Any) -> str | None:
        if not isinstance(value, str) or not value.strip():
            return "Enter a text."
        return text_error(value, longest)

    check.longest = longest  # the form's input takes its limit from here
    return check


def integer(minimum: int, maximum: int | None = None) -> Check:
    """A whole number from `minimum` to `maximum`; without a maximum, up to the largest that
    the segment rules' INTEGER comparison of type data can hold."""
    highest = INTEGER[1] if maximum is None else maximum

    def check(value: Any) -> str | None:
        if not isinstance(value, int) or isinstance(value, bool):
            return "Enter a whole number."
        if value < minimum and maximum is None:
            return f"Must be at least {minimum}."
        if not minimum <= value <= highest:
            return f"Must be at least {minimum} and at most {highest:,}."
        return None

    return check


def one_of(options: tuple[str, ...]) -> Check:
    def check(value: Any) -> str | None:
        return None if value in options else f"Choose one of {', '.join(options)}."

    return check


def list_of(item: Check, *, at_least: int = 1) -> Check:
    def check(value: Any) -> str | None:
        if not isinstance(value, list | tuple) or len(value) < at_least:
            return f"Give at least {at_least}."
        return next(filter(None, map(item, value)), None)

    return check


def flag(value: Any) -> str | None:
    return None if isinstance(value, bool) else "Must be yes or no."


def optional(check: Check) -> Field:
    return Field(check, required=False)


RESTAURANT = {"cuisine_type": Field(text()), "seating_capacity": Field(integer(1))}

TYPE_FIELDS: dict[CustomerType, dict[str, Field]] = {
    CustomerType.DIASPORA_COMMUNITY: {
        "origin_region": Field(text()),
        "cultural_affinity": optional(text()),
        "generational_remove": optional(integer(0)),
        "caribbean_cuisines": Field(list_of(one_of(CARIBBEAN_CUISINES))),
    },
    CustomerType.EXPAT: {
        "country_of_origin": Field(country_error),
        "residency_status": Field(one_of(tuple(ResidencyStatus))),
        "has_subscription": optional(flag),
        "delivery_preferences": optional(text(500)),
        "delivery_frequency": optional(one_of(DELIVERY_FREQUENCIES)),
    },
    CustomerType.TOURIST: {"first_encounter": Field(text())},
    CustomerType.INDIGENOUS_FOODIE: {
        "culinary_interests": Field(list_of(text())),
        "family_size": optional(integer(1)),
    },
    CustomerType.FOOD_TRUCK: {
        "license_permit": Field(text()),
        "operating_locations": Field(list_of(text())),
    },
    CustomerType.LIMITED_SERVICE_RESTAURANT: RESTAURANT,
    CustomerType.FULL_SERVICE_RESTAURANT: RESTAURANT,
    CustomerType.HOTEL_RESTAURANT: {
        "star_rating": Field(integer(1, 5)),
        "dining_venues": Field(integer(1)),
    },
    CustomerType.PRIVATE_CHEF: {
        "service_area": Field(text()),
        "client_capacity": Field(integer(1)),
    },
    CustomerType.SPECIALTY_MARKET: {
        "retail_square_footage": Field(integer(1)),
        "customer_volume": Field(integer(1)),
    },
}


def _expat_subscription(data: dict) -> Errors:
    """Expats with subscriptions must provide delivery preferences and frequency."""
    errors = ErrorList()
    if data.get("has_subscription"):
        for field in ("delivery_preferences", "delivery_frequency"):
            if data.get(field) in (None, ""):
                errors.add(field, "Required when the customer has a subscription.")
    return errors.as_dict()


CROSS_FIELD_RULES: dict[CustomerType, Callable[[dict], Errors]] = {
    CustomerType.EXPAT: _expat_subscription,
}


def type_data_errors(customer_type: CustomerType, data: dict) -> Errors:
    fields = TYPE_FIELDS[customer_type]
    errors = ErrorList()
    for name in data.keys() - fields.keys():
        errors.add(name, f"Not a field of a {customer_type.value} customer.")
    for name, spec in fields.items():
        value = data.get(name)
        if value in (None, "", [], ()):
            if spec.required:
                errors.add(name, "Required for this type of customer.")
        elif message := spec.check(value):
            errors.add(name, message)
    if cross_field := CROSS_FIELD_RULES.get(customer_type):
        errors.extend(cross_field(data))
    return errors.as_dict()


BUSINESS_FIELDS: dict[str, Field] = {
    "tax_id": Field(text(40)),
    "registration_number": Field(text(40)),
    "legal_entity_name": optional(text(max_length(Customer.legal_entity_name))),
    "dba_name": optional(text(max_length(Customer.dba_name))),
    "industry_code": optional(text(max_length(Customer.industry_code))),
    "year_established": optional(integer(1800, 2100)),
    "company_size": optional(one_of(COMPANY_SIZES)),
    "organization_type": optional(one_of(ORGANIZATION_TYPES)),
    "payment_terms": optional(one_of(PAYMENT_TERMS)),
}


def business_errors(
    customer_type: CustomerType,
    business: BusinessIdentification | None,
    *,
    stored_identifiers: bool = False,
) -> Errors:
    """B2B customers need a tax id and a registration number; B2C customers have neither.

    `stored_identifiers`: an update may leave both identifiers out to keep the stored ones.
    """
    errors = ErrorList()
    if not customer_type.is_b2b:
        if business is not None:
            errors.add("tax_id", "Only business customers have business identification.")
        return errors.as_dict()
    values = vars(business) if business is not None else {}
    for name, spec in BUSINESS_FIELDS.items():
        value = values.get(name)
        if value in (None, ""):
            if spec.required and not stored_identifiers:
                errors.add(name, "Required for business customers.")
        elif message := spec.check(value):
            errors.add(name, message)
    return errors.as_dict()
