"""One formatter for what pages, exports and e-mails show: dates, times, relative times,
money and numbers, through Babel (Flask-Babel) for the reader's locale.

Times are stored in UTC and shown in the display time zone (`DISPLAY_TIMEZONE`, an IANA name),
always with the zone stated, so "09:41 UTC" and "04:41 EST" are never confused. Money is kept in
minor units with its ISO currency; Babel knows each currency's digits (JPY has none, BHD three).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from functools import lru_cache

import phonenumbers
from babel import Locale
from babel import dates as babel_dates
from babel import numbers as babel_numbers
from flask import Flask, has_request_context, request
from flask_babel import Babel, get_locale, get_timezone
from markupsafe import Markup

from portal.labels import coded, label

babel = Babel()

# Locales the portal is read in; Accept-Language picks among them, else the first.
LOCALES = ("en_US", "en_GB", "es", "fr")


def init_app(app: Flask) -> None:
    app.config.setdefault("BABEL_DEFAULT_LOCALE", LOCALES[0])
    app.config.setdefault("BABEL_DEFAULT_TIMEZONE", app.config.get("DISPLAY_TIMEZONE", "UTC"))
    babel.init_app(app, locale_selector=_locale)
    for name, function in FILTERS.items():
        app.add_template_filter(function, name)
    app.add_template_global(timezone_name, "display_zone")


def _locale() -> str:
    if has_request_context():
        return request.accept_languages.best_match(LOCALES) or LOCALES[0]
    return LOCALES[0]


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def format_datetime(moment: datetime | None, length: str = "medium") -> str:
    """ "2 Dec 2026, 09:41 UTC" (en_GB) — the date, the time to the minute and the zone."""
    if moment is None:
        return ""
    pattern = {"short": "short", "medium": "medium", "long": "long"}[length]
    # The zone and locale looked up once: lists format a column of these per row.
    local, locale = _aware(moment).astimezone(get_timezone()), get_locale()
    return f"{babel_dates.format_date(local, pattern, locale=locale)}, {_time(local, locale)}"


def format_time(moment: datetime | None) -> str:
    """ "09:41 UTC": hours and minutes in the display zone, with its abbreviation."""
    if moment is None:
        return ""
    return _time(_aware(moment).astimezone(get_timezone()), get_locale())


def _time(local: datetime, locale) -> str:
    return f"{babel_dates.format_time(local, 'short', locale=locale)} {local.tzname()}"


def format_date(value: date | datetime | None, length: str = "medium") -> str:
    """ "2 Dec 2026" (en_GB), "Dec 2, 2026" (en_US); a datetime is first put in the display zone."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = _aware(value).astimezone(get_timezone()).date()
    return _day(value, length, get_locale())


# Lists format a date per row (0.1 ms each through babel: a fifth of a directory search's CPU);
# the result depends on the arguments only, and a few hundred days recur across all customers.
# (Phones are not cached: personal data would outlive an erasure in the workers' memory.)
@lru_cache(maxsize=8192)
def _day(value: date, length: str, locale: Locale) -> str:
    return babel_dates.format_date(value, length, locale=locale)


def format_relative(moment: datetime | None, now: datetime | None = None) -> Markup:
    """ "3 hours ago" in a <time> element whose title is the full date and time."""
    if moment is None:
        return Markup("")
    delta = _aware(moment) - (now or datetime.now(UTC))
    words = babel_dates.format_timedelta(
        delta, add_direction=True, threshold=1, locale=get_locale()
    )
    return Markup('<time datetime="{}" title="{}">{}</time>').format(
        _aware(moment).astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
        format_datetime(moment),
        words,
    )


def format_money(amount_minor: int | None, currency: str | None) -> str:
    """Minor units and an ISO 4217 code: (123456, "USD") → "$1,234.56", (500, "JMD") →
    "JMD 5.00" (en_US). Amounts of different currencies are never added up before this."""
    if amount_minor is None or not currency:
        return ""
    digits = babel_numbers.get_currency_precision(currency)
    return babel_numbers.format_currency(
        Decimal(int(amount_minor)).scaleb(-digits), currency, locale=get_locale()
    )


def format_number(value: int | float | Decimal | None, digits: int | None = None) -> str:
    """Grouped by the locale: 1234567 → "1,234,567"; `digits` fixes the decimals."""
    if value is None:
        return ""
    return _number(value, digits, get_locale())


# A dashboard's tables format a few hundred counts each (0.1 ms apiece through babel: a third of
# the acquisition dashboard's CPU), and small ones recur. The cache keeps bare numbers (counts,
# a rule's figures such as a seating capacity), never what they belong to.
@lru_cache(maxsize=8192)
def _number(value: int | float | Decimal, digits: int | None, locale: Locale) -> str:
    if digits is not None:
        return babel_numbers.format_decimal(
            value, format=f"#,##0.{'0' * digits}" if digits else "#,##0", locale=locale
        )
    return babel_numbers.format_decimal(value, locale=locale)


def format_percent(ratio: float | None, digits: int = 0) -> str:
    """0.953 → "95%" (or "95.3%" with digits=1)."""
    if ratio is None:
        return ""
    pattern = "#,##0%" if not digits else f"#,##0.{'0' * digits}%"
    return babel_numbers.format_percent(ratio, format=pattern, locale=get_locale())


def timezone_name() -> str:
    """The display zone's IANA name, for column headings ("When (America/Jamaica)")."""
    return str(get_timezone())


def format_phone(number: str | None) -> str:
    """A stored E.164 number grouped as its country writes it: "+18765550104" → "+1 876-555-0104"
    (libphonenumber's international format). Anything that is not one is shown as it is."""
    if not number:
        return ""
    try:
        parsed = phonenumbers.parse(number, None)
    except phonenumbers.NumberParseException:
        return number
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


FILTERS = {
    "datetime": format_datetime,
    "phone": format_phone,
    "date": format_date,
    "time": format_time,
    "relative": format_relative,
    "money": format_money,
    "number": format_number,
    "percent": format_percent,
    "label": label,
    "coded": coded,
}
