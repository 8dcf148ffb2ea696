"""The loyalty programme in a real browser: support staff open a customer's Loyalty tab and
adjust the points; an administrator changes the programme's settings."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from portal.customers import services as customers
from portal.loyalty import services
from tests.e2e.test_sign_in import sign_in_locally
from tests.factories import new_customer

pytestmark = pytest.mark.e2e


def test_staff_adjust_points_on_the_loyalty_tab(page: Page, make_user, js_errors):
    user = make_user("administrator")
    customer = customers.register_customer(user, new_customer())
    sign_in_locally(page, user.email)
    page.goto(f"/customers/{customer.id}")
    page.locator(".tabs").get_by_role("link", name="Loyalty", exact=True).click()
    expect(page.locator("#loyalty-panel")).to_be_visible()
    page.get_by_text("Adjust points").click()
    page.get_by_label("Points (negative to take away)").fill("-5")
    page.get_by_label("Reason", exact=True).fill("Typo")
    page.get_by_role("button", name="Save adjustment").click()
    expect(page.locator("#points-error")).to_contain_text("available to take away")
    page.get_by_label("Points (negative to take away)").fill("150")
    page.get_by_label("Reason", exact=True).fill("Parcel arrived late")
    page.get_by_role("button", name="Save adjustment").click()
    expect(page.locator("#loyalty-balance")).to_have_text("150 points")
    expect(page.locator(".loyalty-ledger")).to_contain_text("Parcel arrived late")
    assert js_errors == []


def test_admin_changes_the_programme(page: Page, make_user, js_errors):
    user = make_user("administrator")
    sign_in_locally(page, user.email)
    page.goto("/")
    page.get_by_role("navigation", name="Main").get_by_role(
        "link", name="Loyalty", exact=True
    ).click()
    page.get_by_label("Points per currency unit (USD)").fill("3")
    page.get_by_label("Gold threshold (points, or cents of annual spend)").fill("100")
    page.get_by_role("button", name="Save as a new version").click()
    expect(page.locator("#gold_threshold-error")).to_contain_text("tier beneath")
    page.get_by_label("Gold threshold (points, or cents of annual spend)").fill("6000")
    page.get_by_role("button", name="Save as a new version").click()
    expect(page.get_by_role("cell", name="1", exact=True)).to_be_visible()
    assert services.programme().points_per_unit == 3
    assert js_errors == []
