"""The loyalty pages: the profile's tab, the staff tools and their refusals (422, nothing
written), the programme settings with their preview, the report, and who may open what."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.loyalty import services
from portal.loyalty.models import LoyaltyAccount, LoyaltyEntry, ProgrammeVersion
from portal.loyalty.values import LoyaltyTier, Programme
from portal.security.models import AuditEntry
from tests.unit.loyalty.ledger import assert_summary_is_ledger, place

HTMX = {"HX-Request": "true"}


def entries() -> int:
    return db.session.scalar(select(func.count()).select_from(LoyaltyEntry))


def test_the_tab_shows_tier_points_and_expiry(client, login_as, customer):
    login_as("sales")
    place(customer.id, 120_00, days_ago=40)  # past its return window: available
    place(customer.id, 50_00)  # pending
    tab = client.get(f"/customers/{customer.id}?tab=loyalty")
    assert tab.status_code == 200
    assert "/loyalty/customers/" in tab.text
    panel = client.get(f"/loyalty/customers/{customer.id}")
    assert panel.status_code == 200
    assert "120 points" in panel.text
    assert "50 points" in panel.text
    assert "points expire on" in panel.text
    assert "Standard" in panel.text
    viewed = db.session.scalars(select(AuditEntry).where(AuditEntry.record_id == customer.id)).all()
    assert any(e.summary == "Viewed the loyalty account" for e in viewed)


def test_ledger_filters_and_pages_in_sql(client, login_as, customer, staff):
    login_as("sales")
    for _ in range(30):
        services.adjust(staff, customer.id, 1, "Goodwill")
    first = client.get(f"/loyalty/customers/{customer.id}?kind=ADJUST")
    assert 'rel="next"' in first.text
    second = client.get(f"/loyalty/customers/{customer.id}?kind=ADJUST&page=2")
    assert second.text.count("Goodwill") == 5
    assert client.get(f"/loyalty/customers/{customer.id}?kind=REDEEM").text.count("Goodwill") == 0
    bad = client.get(f"/loyalty/customers/{customer.id}?date_from=2026-05-01&date_to=2026-01-01")
    assert bad.status_code == 422
    assert "before the start date" in bad.text


def test_an_adjustment_is_written_audited_and_shown(client, login_as, customer):
    login_as("marketing")
    response = client.post(
        f"/loyalty/customers/{customer.id}/adjust",
        data={"points": "250", "reason": "Parcel arrived late"},
        headers=HTMX,
    )
    assert response.status_code == 200
    assert "Parcel arrived late" in response.text
    assert "+250" in response.text
    assert assert_summary_is_ledger(customer.id).balance == 250
    assert db.session.scalar(select(func.count()).where(AuditEntry.action == "loyalty.adjust")) == 1


def test_bad_adjustments_are_refused_with_a_message_and_nothing_written(client, login_as, customer):
    login_as("administrator")
    url = f"/loyalty/customers/{customer.id}/adjust"
    for data, message in (
        ({"points": "12.5", "reason": "x"}, "whole number"),
        ({"points": "abc", "reason": "x"}, "whole number"),
        ({"points": "0", "reason": "x"}, "whole number"),
        ({"points": "-10", "reason": "x"}, "available to take away"),
        ({"points": "10", "reason": ""}, "required"),
        ({"points": "10", "reason": "   "}, "required"),
    ):
        response = client.post(url, data=data, headers=HTMX)
        assert response.status_code == 422, data
        assert message in response.text, data
    assert entries() == 0


def test_redemption_refuses_more_than_available_and_pending_points(client, login_as, customer):
    login_as("sales")
    place(customer.id, 100_00, days_ago=40)
    place(customer.id, 100_00)  # pending
    url = f"/loyalty/customers/{customer.id}/redeem"
    before = entries()
    pending = client.post(url, data={"points": "150", "redemption": "Voucher"}, headers=HTMX)
    assert pending.status_code == 422
    assert "pending" in pending.text
    too_many = client.post(url, data={"points": "900", "redemption": "Voucher"}, headers=HTMX)
    assert too_many.status_code == 422
    assert "Only 100 points are available" in too_many.text
    assert entries() == before
    done = client.post(url, data={"points": "60", "redemption": "Voucher"}, headers=HTMX)
    assert done.status_code == 200
    assert assert_summary_is_ledger(customer.id).balance == 40


def test_unknown_customer_answers_404(client, login_as):
    login_as("administrator")
    assert client.get("/loyalty/customers/cust-nobody").status_code == 404
    response = client.post(
        "/loyalty/customers/cust-nobody/adjust", data={"points": "5", "reason": "x"}
    )
    assert response.status_code == 404
    assert entries() == 0


def test_ambassador_is_granted_with_a_reason(client, login_as, customer):
    login_as("marketing")
    url = f"/loyalty/customers/{customer.id}/ambassador"
    assert client.post(url, data={"reason": ""}, headers=HTMX).status_code == 422
    response = client.post(url, data={"reason": "Food blogger"}, headers=HTMX)
    assert response.status_code == 200
    assert "Food blogger" in response.text
    assert db.session.get(LoyaltyAccount, customer.id).tier is LoyaltyTier.AMBASSADOR


def _settings(**changes) -> dict:
    data = {
        "points_per_unit": "2",
        "point_value_minor": "1",
        "standard_percent": "100",
        "silver_percent": "110",
        "gold_percent": "125",
        "platinum_percent": "150",
        "ambassador_percent": "200",
        "segment_multipliers": "",
        "campaigns": "Carnival; 2026-02-01; 2026-02-28; 200",
        "silver_basis": "POINTS",
        "silver_threshold": "1000",
        "gold_basis": "POINTS",
        "gold_threshold": "5000",
        "platinum_basis": "POINTS",
        "platinum_threshold": "15000",
        "return_window_days": "30",
        "expiry_days": "365",
        "expiry_mode": "AFTER_DAYS",
        "downgrade_policy": "AUTOMATIC",
        "grace_days": "30",
        "note": "Double points",
    }
    return data | changes


def test_programme_settings_are_versioned_and_checked(client, login_as):
    login_as("marketing")
    assert client.get("/loyalty/programme").status_code == 200
    assert client.post("/loyalty/programme", data=_settings()).status_code == 303
    assert services.programme().points_per_unit == 2
    below = client.post("/loyalty/programme", data=_settings(gold_threshold="500"))
    assert below.status_code == 422
    assert "above the threshold of the tier beneath" in below.text
    bad = client.post("/loyalty/programme", data=_settings(campaigns="Oops; tomorrow"))
    assert bad.status_code == 422
    assert "YYYY-MM-DD" in bad.text
    assert db.session.scalar(select(func.count()).select_from(ProgrammeVersion)) == 1


def test_preview_says_what_an_order_would_earn(client, login_as):
    login_as("marketing")
    data = _settings() | {
        "preview_amount": "4599",
        "preview_tier": "GOLD",
        "preview_segment": "",
        "preview_date": "2026-02-14",
    }
    response = client.post("/loyalty/programme/preview", data=data, headers=HTMX)
    # 45.99 times 2 points times 125 % times 200 % (carnival) = 229.95 → 229
    assert response.status_code == 200
    assert "<strong>229</strong>" in response.text
    assert Programme() == services.programme()  # nothing saved


def test_report_renders(client, login_as, customer, staff):
    login_as("administrator")
    place(customer.id, 80_00, days_ago=400)
    services.adjust(staff, customer.id, 10, "Goodwill")
    response = client.get("/loyalty/report")
    assert response.status_code == 200
    assert "Expected breakage" in response.text


def stat(page: str, key: str) -> str:
    """The figure of a stat box (templates/home/_macros.html) on a page."""
    found = re.search(rf'data-stat="{key}"><strong>([^<]*)</strong>', page)
    assert found, key
    return found.group(1)


def test_the_index_sums_up_the_programme(client, login_as, customer, staff):
    login_as("marketing")
    page = client.get("/loyalty/")
    assert page.status_code == 200
    assert "No members yet" in page.text

    place(customer.id, 120_00, days_ago=370)  # a year after its return window: in 25 days
    services.adjust(staff, customer.id, 30, "Goodwill")  # in a year
    page = client.get("/loyalty/").text
    assert (stat(page, "members"), stat(page, "points")) == ("1", "150")
    assert stat(page, "liability") == "$1.50"  # a cent a point
    assert stat(page, "expiring") == "120"
    assert re.search(r"Standard</th><td class=\"number\">1</td><td class=\"number\">150</td>", page)
    for link in ("/loyalty/programme", "/loyalty/report", "/customers/"):
        assert f'href="{link}"' in page


def test_who_may_open_what(client, login_as, customer):
    login_as("sales")
    assert client.get("/loyalty/").status_code == 403
    assert client.get("/loyalty/programme").status_code == 403
    assert client.get("/loyalty/report").status_code == 403
    response = client.post(
        f"/loyalty/customers/{customer.id}/adjust", data={"points": "5", "reason": "x"}
    )
    assert response.status_code == 403


def test_other_currencies_earn_by_their_points_per_unit(client, login_as):
    login_as("marketing")
    saved = client.post("/loyalty/programme", data=_settings(currency_points="eur = 1.5\nJPY=0.01"))
    assert saved.status_code == 303
    assert services.programme().currency_points == {"EUR": Decimal("1.5"), "JPY": Decimal("0.01")}
    page = client.get("/loyalty/programme")
    assert "EUR = 1.5" in page.text
    data = _settings(currency_points="JPY = 0.01") | {
        "preview_amount": "98765",
        "preview_currency": "JPY",
        "preview_tier": "STANDARD",
        "preview_segment": "",
        "preview_date": "2026-05-01",
    }
    response = client.post("/loyalty/programme/preview", data=data, headers=HTMX)
    assert "<strong>987</strong>" in response.text  # 98,765 yen at a point per 100 yen


@pytest.mark.parametrize(
    ("lines", "problem"),
    [
        ("EUR = lots", "write a currency code = points per unit"),
        ("EUR = 1\nEUR = 2", "once per currency"),
        ("XYZ = 1", "not an ISO 4217 currency code"),
        ("USD = 2", "USD is the base currency"),
        ("EUR = 0", "above 0, at most 1,000"),
        ("EUR = -1", "above 0, at most 1,000"),
        ("EUR = 1001", "above 0, at most 1,000"),
        ("EUR = NaN", "above 0, at most 1,000"),
        ("EUR = 0.00001", "at most 4 decimal places"),
    ],
)
def test_bad_currency_settings_are_refused_next_to_the_field(client, login_as, lines, problem):
    login_as("marketing")
    response = client.post("/loyalty/programme", data=_settings(currency_points=lines))
    assert response.status_code == 422
    assert 'id="currency_points-error"' in response.text
    assert problem in response.text
    assert db.session.scalar(select(func.count()).select_from(ProgrammeVersion)) == 0
