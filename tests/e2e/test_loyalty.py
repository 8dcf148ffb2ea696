"""The loyalty programme in a real browser: support staff open a customer's Loyalty tab and
adjust the points; an administrator changes the programme's settings."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from portal.customers import services as customers
from portal.loyalty import services
from tests.e2e.test_layout import AXE, accessibility_problems
from tests.e2e.test_sign_in import follow_nav, sign_in_locally
from tests.factories import new_customer
from tests.unit.loyalty.ledger import place

pytestmark = pytest.mark.e2e


def test_marketing_opens_loyalty_from_home_and_its_report(
    page: Page, make_user, customer, js_errors
):
    place(customer.id, 120_00, days_ago=370)  # a year after its return window: in 25 days
    place(customer.id, 80_00)
    page.context.add_init_script(path=str(AXE))
    sign_in_locally(page, make_user("marketing").email)

    follow_nav(page, "Loyalty")
    expect(page.get_by_role("heading", level=1)).to_have_text("Loyalty")
    glance = page.locator("#loyalty-glance")
    expect(glance.locator('[data-stat="members"] strong')).to_have_text("1")
    expect(glance.locator('[data-stat="points"] strong')).to_have_text("200")
    expect(glance.locator('[data-stat="liability"] strong')).to_have_text("$2.00")
    expect(glance.locator('[data-stat="expiring"] strong')).to_have_text("120")
    expect(page.locator("#loyalty-tiers tbody tr")).to_have_text([re.compile("^Standard")])
    assert accessibility_problems(page) == []

    page.get_by_role("link", name="Programme report").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Loyalty report")
    page.go_back()
    page.get_by_role("link", name="Adjust a customer's points").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Customers")
    assert js_errors == []


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
    follow_nav(page, "Loyalty")
    page.get_by_role("link", name="Programme settings").click()
    page.get_by_label("Points per currency unit (USD)").fill("3")
    page.get_by_label("Gold threshold (points, or cents of annual spend)").fill("100")
    page.get_by_role("button", name="Save as a new version").click()
    expect(page.locator("#gold_threshold-error")).to_contain_text("tier beneath")
    page.get_by_label("Gold threshold (points, or cents of annual spend)").fill("6000")
    page.get_by_role("button", name="Save as a new version").click()
    expect(page.get_by_role("cell", name="1", exact=True)).to_be_visible()
    assert services.programme().points_per_unit == 3
    assert js_errors == []


def test_staff_redeem_filter_the_ledger_grant_ambassador_and_read_the_report(
    page: Page, make_user, js_errors
):
    user = make_user("administrator")
    customer = customers.register_customer(user, new_customer())
    services.adjust(user, customer.id, 200, "Welcome gift")
    sign_in_locally(page, user.email)
    page.goto(f"/customers/{customer.id}")
    page.locator(".tabs").get_by_role("link", name="Loyalty", exact=True).click()
    page.get_by_text("Redeem points for the customer").click()
    page.get_by_label("Points to redeem").fill("500")
    page.get_by_label("Redeemed for").fill("Cooking class")
    page.get_by_role("button", name="Redeem", exact=True).click()
    expect(page.locator("#redeem-points-error")).to_contain_text("Only 200 points are available")
    page.get_by_label("Points to redeem").fill("80")
    page.get_by_role("button", name="Redeem", exact=True).click()
    expect(page.locator("#loyalty-balance")).to_have_text("120 points")
    page.get_by_label("Kind").select_option(label="Redeemed")
    page.get_by_role("button", name="Filter").click()
    ledger = page.locator(".loyalty-ledger")
    expect(ledger).to_contain_text("Cooking class")
    expect(ledger).not_to_contain_text("Welcome gift")
    page.locator("summary", has_text="Grant Ambassador").click()
    page.get_by_label("Why").fill("Runs our cooking classes")
    page.get_by_role("button", name="Grant Ambassador", exact=True).click()
    expect(page.locator("#loyalty-tier")).to_contain_text("Ambassador")
    page.get_by_role("navigation", name="Main").get_by_role(
        "link", name="Loyalty", exact=True
    ).click()
    page.get_by_role("link", name="Programme report").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("report")
    assert js_errors == []
