"""The customer directory in a real browser: active search and sortable columns over HTMX."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from portal.customers import services
from portal.customers.values import ContactInfo, CustomerType
from tests.e2e.test_sign_in import sign_in_locally
from tests.factories import new_customer

pytestmark = pytest.mark.e2e


def rows(page: Page):
    return page.locator("#customer-results tbody tr")


def test_search_as_you_type_and_sort_by_a_column(page: Page, make_user, js_errors):
    user = make_user("sales")
    for name, email, phone, kind in (
        ("Marcia Campbell", "marcia@example.org", "+18765551234", CustomerType.EXPAT),
        ("Desmond Reid", "des@example.org", "+14165550199", CustomerType.TOURIST),
        ("Delia Brown", "delia@example.org", "+12125550147", CustomerType.FOOD_TRUCK),
    ):
        contact = ContactInfo(email=email, phone=phone)
        services.register_customer(user, new_customer(kind, name=name, contact=contact))

    sign_in_locally(page, user.email)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Customers").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Customers")
    expect(rows(page)).to_have_count(3)
    expect(page.locator("#customer-results .count")).to_have_text("3 customers")

    # A full page load would lose this marker; HTMX swaps only the results.
    page.evaluate("window.__e2eMarker = 'same page'")
    with page.expect_response(
        lambda r: "/customers/?" in r.url and r.request.headers.get("hx-request") == "true"
    ):
        page.get_by_label("Search").press_sequentially("de", delay=30)
    expect(rows(page)).to_have_count(2)
    expect(rows(page).first).to_contain_text("Delia Brown")
    expect(page).to_have_url(re.compile(r"/customers/\?q=de$"))

    page.get_by_label("Search").fill("")
    page.get_by_label("Search").press_sequentially("555014", delay=30)
    expect(rows(page)).to_have_count(1)
    expect(rows(page)).to_contain_text("Delia Brown")
    expect(page).to_have_url(re.compile(r"q=555014"))

    page.get_by_label("Search").fill("")
    expect(rows(page)).to_have_count(3)
    expect(rows(page).nth(0)).to_contain_text("Delia Brown")

    # Sorting by a header keeps the search and flips on a second click.
    page.locator("#customer-results th").get_by_role("link", name="Type").click()
    expect(rows(page).nth(0)).to_contain_text("Marcia Campbell")  # EXPAT
    expect(rows(page).nth(2)).to_contain_text("Desmond Reid")  # TOURIST
    expect(page).to_have_url(re.compile(r"sort=type"))
    page.locator("#customer-results th").get_by_role("link", name="Type").click()
    expect(rows(page).nth(0)).to_contain_text("Desmond Reid")
    expect(page).to_have_url(re.compile(r"sort=-type"))

    # The sort survives a new search: it travels with the form.
    page.get_by_label("Search").press_sequentially("@example", delay=30)
    expect(page).to_have_url(re.compile(r"q=(@|%40)example.*sort=-type"))
    expect(rows(page).nth(0)).to_contain_text("Desmond Reid")

    assert page.evaluate("window.__e2eMarker") == "same page"

    # The bookmarked URL gives the same view on a fresh load.
    page.reload()
    expect(page.get_by_label("Search")).to_have_value("@example")
    expect(rows(page).nth(0)).to_contain_text("Desmond Reid")
    assert page.evaluate("window.__e2eMarker") is None
    assert js_errors == []


def test_a_phone_typed_with_spaces_or_an_email_from_its_start_finds_the_customer(
    page: Page, make_user, js_errors
):
    user = make_user("support")
    contact = ContactInfo(email="aaliyah.giselle@example.org", phone="+18765550104")
    services.register_customer(
        user, new_customer(CustomerType.EXPAT, name="Aaliyah Brown", contact=contact)
    )
    services.register_customer(
        user,
        new_customer(
            CustomerType.TOURIST,
            name="Desmond Reid",
            contact=ContactInfo(email="des@example.org", phone="+14165550199"),
        ),
    )
    sign_in_locally(page, user.email)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Customers").click()
    expect(rows(page)).to_have_count(2)
    for typed in ("+1 876 555 0104", "(876) 555-0104", "aaliyah.gisel"):
        page.get_by_label("Search").fill("")
        expect(rows(page)).to_have_count(2)
        page.get_by_label("Search").press_sequentially(typed, delay=20)
        expect(rows(page)).to_have_count(1)
        expect(rows(page)).to_contain_text("Aaliyah Brown")
    assert js_errors == []
