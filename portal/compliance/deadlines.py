"""Legal and internal deadlines of data-subject requests: pure date arithmetic.

- GDPR Art. 12(3): one calendar month from receipt, extendable once by two further months; the
  extension must be decided (and the person told) before the first month ends. A month ends on
  the same day of the later month, or on its last day when that day does not exist
  (31 January → 28/29 February), as in Regulation 1182/71.
- CCPA (11 CCR §7021): 45 calendar days, extendable once by 45 more with notice within the first
  45; receipt acknowledged within 10 business days.
- Internal policy: 30 days, never extended.
- The company rule "account deletion requests must be processed within 30 days" makes the
  internal target of an erasure the earlier of 30 days and the legal limit.

Business days are Monday to Friday; public holidays are not modelled (they vary by state and
country), so the acknowledgement date is at worst a holiday early, never late.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta

from portal.compliance.values import Jurisdiction, RequestType

INTERNAL_ERASURE_DAYS = 30
CCPA_DAYS = 45
CCPA_ACK_BUSINESS_DAYS = 10


def add_months(start: date, months: int) -> date:
    """The same day `months` later, or that month's last day when it is shorter."""
    year, month_index = divmod(start.year * 12 + start.month - 1 + months, 12)
    last_day = calendar.monthrange(year, month_index + 1)[1]
    return date(year, month_index + 1, min(start.day, last_day))


def add_business_days(start: date, days: int) -> date:
    """`days` working days (Monday to Friday) after `start`, not counting `start` itself."""
    current = start
    while days > 0:
        current += timedelta(days=1)
        if current.weekday() < 5:
            days -= 1
    return current


@dataclass(frozen=True)
class Deadlines:
    legal_due: date
    internal_due: date
    # The last day an extension may be decided; None when the jurisdiction allows none.
    extension_deadline: date | None
    acknowledge_by: date | None

    @property
    def due(self) -> date:
        """The date the officers work to: the earlier of the legal and internal deadlines."""
        return min(self.legal_due, self.internal_due)


def _first_period_end(jurisdiction: Jurisdiction, received: date) -> date:
    if jurisdiction is Jurisdiction.GDPR:
        return add_months(received, 1)
    if jurisdiction is Jurisdiction.CCPA:
        return received + timedelta(days=CCPA_DAYS)
    return received + timedelta(days=INTERNAL_ERASURE_DAYS)


def _extended_end(jurisdiction: Jurisdiction, received: date) -> date:
    if jurisdiction is Jurisdiction.GDPR:
        return add_months(received, 3)
    return received + timedelta(days=2 * CCPA_DAYS)


def can_extend(jurisdiction: Jurisdiction) -> bool:
    return jurisdiction is not Jurisdiction.INTERNAL


def deadlines_for(
    jurisdiction: Jurisdiction, request_type: RequestType, received: date, *, extended: bool
) -> Deadlines:
    first_end = _first_period_end(jurisdiction, received)
    legal_due = _extended_end(jurisdiction, received) if extended else first_end
    internal_due = legal_due
    if request_type is RequestType.ERASURE:
        internal_due = min(legal_due, received + timedelta(days=INTERNAL_ERASURE_DAYS))
    return Deadlines(
        legal_due=legal_due,
        internal_due=internal_due,
        extension_deadline=first_end if can_extend(jurisdiction) else None,
        acknowledge_by=(
            add_business_days(received, CCPA_ACK_BUSINESS_DAYS)
            if jurisdiction is Jurisdiction.CCPA
            else None
        ),
    )


def due_label(due: date, today: date) -> str:
    """ "due in 3 days", "due today", "overdue by 2 days"."""
    days = (due - today).days
    if days == 0:
        return "due today"
    unit = "day" if abs(days) == 1 else "days"
    return f"due in {days} {unit}" if days > 0 else f"overdue by {-days} {unit}"
