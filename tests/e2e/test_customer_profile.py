"""Customer profiles in a real browser: registering a business customer, editing an address."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from playwright.sync_api import Page, expect

from portal.customers import services
from portal.customers.models import Customer
from portal.customers.values import CustomerType
from portal.extensions import db
from tests.e2e.test_sign_in import sign_in_locally
from tests.factories import address, new_customer

pytestmark = pytest.mark.e2e


def field(page: Page, label: str):
    return page.get_by_label(label, exact=True)


def error_of(page: Page, name: str):
    return page.locator(f"#{name}-error")


def test_register_a_food_truck_after_fixing_the_mistakes(page: Page, make_user, js_errors):
    user = make_user("sales")
    sign_in_locally(page, user.email)
    page.goto("/customers/new")

    # Choosing the type swaps in that type's fields (and business identification).
    expect(field(page, "Licence / permit")).to_have_count(0)
    page.evaluate("window.__e2eMarker = 'same page'")
    field(page, "Type of customer").select_option("FOOD_TRUCK")
    expect(field(page, "Licence / permit")).to_be_visible()
    expect(field(page, "Tax id")).to_be_visible()
    expect(page).to_have_url(re.compile(r"customer_type=FOOD_TRUCK"))
    assert page.evaluate("window.__e2eMarker") == "same page"

    field(page, "Name").fill("Jerk on Wheels")
    # Inline validation: the message appears at the field as soon as it changes.
    field(page, "E-mail").fill("jerk-at-wheels")
    field(page, "E-mail").press("Tab")
    expect(error_of(page, "email")).to_contain_text("Enter a valid e-mail address")
    field(page, "E-mail").fill("orders@jerkonwheels.example")
    field(page, "E-mail").press("Tab")
    expect(error_of(page, "email")).to_have_count(0)

    field(page, "Licence / permit").fill("MFV-2231")
    field(page, "Operating locations").fill("Downtown, Harbour front")
    field(page, "Registration number").fill("REG-5566")
    with page.expect_response(lambda r: r.url.endswith("/customers/new")) as answer:
        page.get_by_role("button", name="Register customer").click()
    assert answer.value.status == 422
    expect(error_of(page, "tax_id")).to_have_text("Required for business customers.")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Customer)) == 0

    field(page, "Tax id").fill("45-6677889")
    page.get_by_role("button", name="Register customer").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Jerk on Wheels")
    expect(page.locator("#profile-header")).to_contain_text("Food truck")
    expect(page.locator("#profile-details")).to_contain_text("••••7889")
    expect(page.locator("#profile-details")).not_to_contain_text("45-6677889")
    assert js_errors == []


def test_edit_an_address_in_place(page: Page, make_user, staff, js_errors):
    customer = services.register_customer(
        staff, new_customer(CustomerType.TOURIST, name="Tia Tourist")
    )
    home = services.add_address(staff, customer.id, address())
    user = make_user("support")
    sign_in_locally(page, user.email)
    page.goto(f"/customers/{customer.id}")

    page.locator(".tabs").get_by_role("link", name="Addresses").click()
    expect(page).to_have_url(re.compile(r"tab=addresses"))
    card = page.locator(f"#address-{home.id}")
    expect(card).to_contain_text("12 Hope Road")
    page.evaluate("window.__e2eMarker = 'same page'")

    card.get_by_role("link", name="Edit").click()
    form = page.locator(f"section#address-{home.id}")
    expect(form.get_by_role("heading")).to_have_text("Edit address")
    field(page, "Postal code").fill("ABC")
    form.get_by_role("button", name="Save").click()
    expect(error_of(page, "postal_code")).to_contain_text("does not match the country's format")

    field(page, "Street").fill("40 Hope Road")
    field(page, "Postal code").fill("10002")
    form.get_by_role("button", name="Save").click()
    expect(page.locator(f"article#address-{home.id}")).to_contain_text("40 Hope Road")
    expect(page.locator("#profile-header")).to_contain_text("Can place orders")
    assert page.evaluate("window.__e2eMarker") == "same page"
    db.session.expire_all()
    assert db.session.get(type(home), home.id).street1 == "40 Hope Road"
    assert js_errors == []
