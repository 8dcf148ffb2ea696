"""The admin services of the customer domain, in Chromium: staff set a validation rule,
preview it and save it; a registration then shows the rule's message next to the field; a
manager overrides a customer's verification from the profile."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from portal.customers import services
from portal.customers.values import CustomerStatus, CustomerType
from tests.e2e.test_journeys_customers import field, fill_type_field, find, follow, sign_in
from tests.e2e.test_sign_in import follow_nav
from tests.factories import TYPE_DATA, new_customer

pytestmark = pytest.mark.e2e


def test_staff_set_a_rule_preview_it_save_it_and_registration_enforces_it(
    page: Page, make_user, staff, js_errors
):
    services.register_customer(staff, new_customer(CustomerType.TOURIST, name="Old Tourist"))
    user = make_user("support")
    sign_in(page, user.email)
    follow_nav(page, "Validation rules")  # the only page of the Admin menu support may open
    expect(page.get_by_role("heading", level=1)).to_have_text("Customer data validation rules")
    page.wait_for_load_state()

    page.locator("#required_TOURIST").get_by_label("Alternative phone", exact=True).check()
    row = page.get_by_role("group", name="Pattern 1")
    field(row, "Field").select_option("email")
    field(row, "Pattern").fill("(a+)+")
    page.get_by_role("button", name="Preview").click()
    expect(row.locator(".error")).to_contain_text("exponential")
    row = page.get_by_role("group", name="Pattern 1")
    field(row, "Pattern").fill(r"[a-z.]+@example\.org")
    field(row, "Message when it does not match").fill("Use the customer's example.org address.")
    page.get_by_role("button", name="Preview").click()
    expect(page.locator("#preview")).to_contain_text("would fail 1 open account")
    field(page, "What changed and why").fill("Call centre needs a second phone")
    page.get_by_role("button", name="Save as a new version").click()
    expect(page.get_by_text("saved as a new version")).to_be_visible()
    expect(page.get_by_role("table").last).to_contain_text("Call centre needs a second phone")

    to_new = page.get_by_role("navigation", name="Main")
    follow(page, to_new.get_by_role("link", name="Customers", exact=True), "Customers")
    follow(page, page.get_by_role("link", name="New customer"), "New customer")
    field(page, "Type of customer").select_option("TOURIST")
    form = page.locator("#customer-form")
    field(form, "Name").fill("New Tourist")
    field(form, "E-mail").fill("Tourist@Elsewhere.com")
    for key, value in TYPE_DATA[CustomerType.TOURIST].items():
        fill_type_field(form, key, value)
    form.get_by_role("button", name="Register customer").click()
    expect(page.locator("#email-error")).to_have_text("Use the customer's example.org address.")
    expect(page.locator("#alternative_phone-error")).to_contain_text("data rules")

    field(form, "E-mail").fill("tourist@example.org")
    field(form, "Alternative phone").fill("+18765550000")
    form.get_by_role("button", name="Register customer").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("New Tourist")
    assert js_errors == []


def test_a_manager_overrides_a_verification_from_the_profile(
    page: Page, make_user, staff, js_errors
):
    services.register_customer(
        staff, new_customer(name="Waiting Wanda", status=CustomerStatus.PENDING_VERIFICATION)
    )
    user = make_user("sales")
    sign_in(page, user.email)
    find(page, "Wanda", "Waiting Wanda")
    header_status = page.locator("#profile-header [data-status]")
    expect(header_status).to_have_text("Awaiting verification")

    status = page.locator("#profile-status")
    status.get_by_role("link", name="Override verification").click()
    expect(status.get_by_role("heading")).to_have_text("Override verification")
    status.get_by_role("button", name="Override the verification").click()
    page.get_by_role("dialog").get_by_role("button", name="Override the verification").click()
    expect(field(status, "Justification")).to_have_attribute("aria-invalid", "true")
    field(status, "Justification").fill("Passport checked at the Kingston store")
    status.get_by_role("button", name="Override the verification").click()
    page.get_by_role("dialog").get_by_role("button", name="Override the verification").click()

    expect(header_status).to_have_text("Active")
    expect(page.get_by_text("Waiting Wanda is verified")).to_be_visible()
    tabs = page.get_by_role("navigation", name="Profile sections")
    tabs.get_by_role("link", name="Change history").click()
    expect(page.locator("#history")).to_contain_text("Passport checked at the Kingston store")
    assert js_errors == []
