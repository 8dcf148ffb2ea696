"""Address: required parts, an ISO-3166 country and a postal code in that country's format."""

from __future__ import annotations

import re

import pycountry

from portal.customers.models import CustomerAddress
from portal.customers.rules._errors import ErrorList, Errors
from portal.customers.values import AddressData
from portal.limits import column_text_error

TEXTS = ("street1", "street2", "city", "state", "postal_code", "note")

# Postal code formats, checked after standardisation (upper case, single spaces).
POSTAL_CODE_FORMATS: dict[str, str] = {
    "US": r"\d{5}(-\d{4})?",
    "PR": r"00[679]\d{2}(-\d{4})?",
    "CA": r"[ABCEGHJ-NPRSTVXY]\d[ABCEGHJ-NPRSTV-Z] ?\d[ABCEGHJ-NPRSTV-Z]\d",
    "GB": r"(GIR ?0AA|[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2})",
    "DE": r"\d{5}",
    "FR": r"\d{5}",
    "ES": r"(0[1-9]|[1-4]\d|5[0-2])\d{3}",
    "IT": r"\d{5}",
    "NL": r"\d{4} ?[A-Z]{2}",
    "AU": r"\d{4}",
    "JM": r"(JM[A-Z]{3}\d{2}|\d{2})",
    "TT": r"\d{6}",
    "BB": r"BB\d{5}",
    "DO": r"\d{5}",
    # The Bahamas has no postal codes.
    "BS": r"",
}
NO_POSTAL_CODE = frozenset(code for code, pattern in POSTAL_CODE_FORMATS.items() if not pattern)


def country_error(code: object) -> str | None:
    # Any value: a type field's check meets what an API body or an import cell holds.
    if (
        not isinstance(code, str)
        or len(code) != 2
        or pycountry.countries.get(alpha_2=code.upper()) is None
    ):
        return "Choose a country (ISO 3166 two-letter code)."
    return None


def postal_code_error(country: str, postal_code: str | None) -> str | None:
    pattern = POSTAL_CODE_FORMATS.get(country.upper())
    if pattern is None:
        return None  # no format known: accept what the verifier accepts
    if country.upper() in NO_POSTAL_CODE:
        return "This country has no postal codes; leave it empty." if postal_code else None
    if not postal_code:
        return "Enter the postal code."
    if not re.fullmatch(pattern, postal_code.upper()):
        return "This postal code does not match the country's format."
    return None


def address_errors(address: AddressData) -> Errors:
    errors = ErrorList()
    for field in TEXTS:
        if message := column_text_error(getattr(CustomerAddress, field), getattr(address, field)):
            errors.add(field, message)
    for field in ("street1", "city"):
        if not (getattr(address, field) or "").strip():
            errors.add(field, "Required.")
    if message := country_error(address.country):
        errors.add("country", message)
    elif message := postal_code_error(address.country, address.postal_code):
        errors.add("postal_code", message)
    return errors.as_dict()
