"""Marketing spend's rules: a known source, an ISO 4217 currency, a month in the portal's
calendar. Amounts are parsed (and bounded by the column) where they are typed."""

from __future__ import annotations

import re
from collections.abc import Collection
from datetime import date

from babel.numbers import list_currencies

from portal.domain import Errors

MONTH = re.compile(r"(\d{4})-(\d{2})")
FIRST_MONTH, LAST_MONTH = date(2000, 1, 1), date(2100, 12, 1)


def parse_month(text: str) -> date:
    """ "2026-11" → 2026-11-01; ValueError with a message for the field otherwise."""
    found = MONTH.fullmatch(text.strip())
    try:
        month = date(int(found[1]), int(found[2]), 1) if found else None
    except ValueError:
        month = None
    if month is None or not FIRST_MONTH <= month <= LAST_MONTH:
        raise ValueError("Enter a month like 2026-11.")
    return month


def spend_errors(source: str, currency: str, sources: Collection[str]) -> Errors:
    errors: Errors = {}
    if source not in sources:
        errors["source"] = ["Choose a source from the list."]
    if currency not in list_currencies():
        errors["currency"] = ["Enter an ISO currency code, e.g. USD."]
    return errors
