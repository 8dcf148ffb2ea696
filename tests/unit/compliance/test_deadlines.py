"""Deadline arithmetic: calendar months at month ends, leap years, CCPA days, business days."""

from __future__ import annotations

from datetime import date

import pytest

from portal.compliance.deadlines import (
    add_business_days,
    add_months,
    deadlines_for,
    due_label,
)
from portal.compliance.values import Jurisdiction, RequestType

GDPR, CCPA, INTERNAL = Jurisdiction.GDPR, Jurisdiction.CCPA, Jurisdiction.INTERNAL


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (date(2026, 1, 31), 1, date(2026, 2, 28)),
        (date(2028, 1, 31), 1, date(2028, 2, 29)),  # leap year
        (date(2028, 2, 29), 12, date(2029, 2, 28)),
        (date(2026, 3, 31), 1, date(2026, 4, 30)),
        (date(2026, 1, 15), 1, date(2026, 2, 15)),
        (date(2026, 11, 30), 3, date(2027, 2, 28)),
        (date(2026, 12, 31), 1, date(2027, 1, 31)),
    ],
)
def test_calendar_months_end_on_the_same_day_or_the_month_end(start, months, expected):
    assert add_months(start, months) == expected


@pytest.mark.parametrize(
    ("start", "days", "expected"),
    [
        (date(2026, 12, 4), 10, date(2026, 12, 18)),  # Friday → two weeks later
        (date(2026, 12, 5), 1, date(2026, 12, 7)),  # Saturday → Monday
        (date(2026, 12, 7), 4, date(2026, 12, 11)),  # Monday → Friday
        (date(2026, 12, 11), 1, date(2026, 12, 14)),  # Friday → Monday
        (date(2028, 2, 25), 2, date(2028, 2, 29)),  # Friday → Tuesday 29 February
    ],
)
def test_business_days_skip_weekends(start, days, expected):
    assert add_business_days(start, days) == expected


def test_gdpr_access_one_month_extended_by_two_more():
    received = date(2026, 1, 31)
    plain = deadlines_for(GDPR, RequestType.ACCESS, received, extended=False)
    assert plain.legal_due == date(2026, 2, 28)
    assert plain.extension_deadline == date(2026, 2, 28)
    assert plain.acknowledge_by is None
    extended = deadlines_for(GDPR, RequestType.ACCESS, received, extended=True)
    assert extended.legal_due == date(2026, 4, 30)
    assert extended.due == date(2026, 4, 30)


def test_gdpr_erasure_internal_deadline_is_the_earlier_of_30_days_and_the_law():
    # 31 January in a leap year: the law gives until 29 February, the company rule 1 March.
    leap = deadlines_for(GDPR, RequestType.ERASURE, date(2028, 1, 31), extended=False)
    assert leap.legal_due == date(2028, 2, 29)
    assert leap.internal_due == date(2028, 2, 29)
    # 1 March: the law gives until 1 April, the company rule 31 March.
    march = deadlines_for(GDPR, RequestType.ERASURE, date(2026, 3, 1), extended=False)
    assert march.legal_due == date(2026, 4, 1)
    assert march.internal_due == date(2026, 3, 31)
    # An extension moves the legal limit, not the company's 30 days.
    extended = deadlines_for(GDPR, RequestType.ERASURE, date(2026, 3, 1), extended=True)
    assert extended.legal_due == date(2026, 6, 1)
    assert extended.due == date(2026, 3, 31)


def test_ccpa_45_days_plus_45_and_acknowledgement_in_10_business_days():
    received = date(2026, 12, 24)  # Thursday
    plain = deadlines_for(CCPA, RequestType.ACCESS, received, extended=False)
    assert plain.legal_due == date(2027, 2, 7)
    assert plain.extension_deadline == date(2027, 2, 7)
    assert plain.acknowledge_by == date(2027, 1, 7)
    assert deadlines_for(CCPA, RequestType.ACCESS, received, extended=True).legal_due == date(
        2027, 3, 24
    )
    erasure = deadlines_for(CCPA, RequestType.ERASURE, received, extended=False)
    assert erasure.internal_due == date(2027, 1, 23)


def test_internal_policy_has_30_days_and_no_extension():
    found = deadlines_for(INTERNAL, RequestType.ERASURE, date(2026, 2, 1), extended=False)
    assert found.legal_due == date(2026, 3, 3)
    assert found.extension_deadline is None


@pytest.mark.parametrize(
    ("due", "label"),
    [
        (date(2026, 5, 13), "due in 3 days"),
        (date(2026, 5, 11), "due in 1 day"),
        (date(2026, 5, 10), "due today"),
        (date(2026, 5, 9), "overdue by 1 day"),
        (date(2026, 5, 1), "overdue by 9 days"),
    ],
)
def test_due_labels(due, label):
    assert due_label(due, date(2026, 5, 10)) == label
