"""CustomerPreference: channels and frequency, language, interests, dietary needs, dates."""

from __future__ import annotations

import re
from datetime import date

import pycountry

from portal.customers.rules._errors import ErrorList, Errors
from portal.customers.values import COMMUNICATION_FREQUENCIES, ContactMethod, Preferences

LANGUAGE = re.compile(r"(?P<language>[a-z]{2})(-(?P<region>[A-Z]{2}))?")
MONTH_DAY = re.compile(r"\d{2}-\d{2}")


def _date_error(value: object) -> str | None:
    if not isinstance(value, str):
        return "Enter a date."
    try:
        # Month-day dates (birthdays) are checked against a leap year so 02-29 passes.
        date.fromisoformat(f"2000-{value}" if MONTH_DAY.fullmatch(value) else value)
    except ValueError:
        return "Enter a date as MM-DD or YYYY-MM-DD."
    return None


def preference_errors(preferences: Preferences) -> Errors:
    errors = ErrorList()
    unknown = set(preferences.channels) - set(ContactMethod)
    if unknown:
        errors.add("channels", f"Unknown channel: {', '.join(sorted(unknown))}.")
    if preferences.frequency and preferences.frequency not in COMMUNICATION_FREQUENCIES:
        errors.add("frequency", f"Choose one of {', '.join(COMMUNICATION_FREQUENCIES)}.")
    if preferences.language:
        match = LANGUAGE.fullmatch(preferences.language)
        if not match or pycountry.languages.get(alpha_2=match["language"]) is None:
            errors.add("language", "Use a language code such as en, es or fr-CA.")
    for field in ("product_interests", "dietary_preferences"):
        if any(not isinstance(v, str) or not v.strip() for v in getattr(preferences, field)):
            errors.add(field, "Entries cannot be empty.")
    for special in preferences.special_dates:
        if not isinstance(special, dict) or not str(special.get("label", "")).strip():
            errors.add("special_dates", "Each date needs a label.")
        elif message := _date_error(special.get("date")):
            errors.add("special_dates", message)
    return errors.as_dict()
