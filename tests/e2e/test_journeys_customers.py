"""The customer journeys of sales and support staff, in Chromium: each starts at sign-in, goes
through the navigation and only clicks the links and submits the forms the pages render.

The one thing a person has that the page does not show is the verification code: it goes to
the customer, so the test reads it from a stand-in of the notification port.
"""

from __future__ import annotations

import csv
import io
import re

import pytest
from playwright.sync_api import Page, expect

from portal.customers import services
from portal.customers.models import Customer
from portal.customers.values import CustomerType
from portal.extensions import db
from tests.e2e.htmx import settled
from tests.e2e.test_sign_in import sign_in_locally
from tests.factories import BUSINESS, TYPE_DATA, Outbox, address, new_customer

pytestmark = pytest.mark.e2e

STAFF = ["sales", "support"]


def field(scope, label: str):
    return scope.get_by_label(label, exact=True)


def follow(page: Page, link, heading: str) -> None:
    """Click a link to another page and wait until htmx runs on it."""
    link.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    settled(page)


def to_directory(page: Page) -> None:
    page.wait_for_load_state()  # leaving a page still loading would cut off its files
    main_nav = page.get_by_role("navigation", name="Main")
    follow(page, main_nav.get_by_role("link", name="Customers", exact=True), "Customers")


def sign_in(page: Page, email: str) -> None:
    """Sign in and land on the home page, loaded (leaving earlier would cut off its files)."""
    sign_in_locally(page, email)
    expect(page.get_by_role("navigation", name="Main")).to_be_visible()
    page.wait_for_load_state()


def open_directory(page: Page, email: str) -> None:
    sign_in(page, email)
    to_directory(page)


def find(page: Page, search: str, name: str) -> None:
    """From any page: the directory, a search, the customer's profile."""
    to_directory(page)
    field(page, "Search").fill(search)
    results = page.locator("#customer-results")
    expect(results.get_by_role("link", name=name)).to_be_visible()
    follow(page, results.get_by_role("link", name=name), name)


def save(section) -> None:
    section.get_by_role("button", name="Save").click()


def change_primary_contact(
    page: Page, sent: Outbox, label: str, heading: str, value: str, shown: str = ""
):
    """Change → the form for that field → code sent → the code entered → the new value, as the
    header shows it (`shown`: a phone is grouped as its country writes it)."""
    contact = page.locator("#profile-contact")
    contact.locator("dd").filter(has=page.get_by_role("link", name="Change")).nth(
        0 if label == "New e-mail" else 1
    ).get_by_role("link", name="Change").click()
    expect(contact.get_by_role("heading")).to_have_text(heading)
    field(contact, label).fill(value)
    contact.get_by_role("button", name="Send a code").click()
    expect(contact).to_contain_text(f"Waiting for the code sent to {value}")
    field(contact, "Code").fill(sent.codes[value])
    contact.get_by_role("button", name="Confirm").click()
    expect(contact).not_to_contain_text("Waiting for the code")
    expect(page.locator("#profile-header")).to_contain_text(shown or value)


@pytest.mark.parametrize("role", STAFF)
def test_staff_edit_every_section_of_a_profile(page: Page, make_user, staff, sent, js_errors, role):
    customer = services.register_customer(
        staff, new_customer(CustomerType.FULL_SERVICE_RESTAURANT, name="Chez Lola")
    )
    services.add_address(staff, customer.id, address())
    user = make_user(role)
    sign_in(page, user.email)
    find(page, "Chez", "Chez Lola")
    page.evaluate("window.__e2eMarker = 'same page'")

    # Details
    details = page.locator("#profile-details")
    details.get_by_role("link", name="Edit").click()
    expect(details.get_by_role("heading")).to_have_text("Edit profile")
    field(details, "Name").fill("Chez Lola Bistro")
    field(details, "Seating capacity").fill("95")
    save(details)
    expect(page.locator("#profile-header h1")).to_have_text("Chez Lola Bistro")
    expect(page.locator("#profile-details")).to_contain_text("95")

    # Primary e-mail and phone, each confirmed with the code sent to the new one
    change_primary_contact(
        page, sent, "New e-mail", "Change the primary e-mail", "bookings@chezlola.example"
    )
    change_primary_contact(
        page, sent, "New phone", "Change the primary phone", "+18765550100", "+1 876-555-0100"
    )

    # Status: deactivate with a reason, then reactivate
    status = page.locator("#profile-status")
    status.get_by_role("link", name="Deactivate").click()
    expect(status).to_contain_text("Now Active.")
    expect(field(status, "New status")).to_have_value("INACTIVE")
    field(status, "Reason").fill("Closed for renovation")
    save(status)
    expect(page.locator("#profile-header [data-status]")).to_have_text("Inactive")
    expect(status).to_contain_text("Inactive since")
    status.get_by_role("link", name="Reactivate").click()
    expect(field(status, "New status")).to_have_value("ACTIVE")
    save(status)
    expect(field(status, "Reason")).to_have_attribute("aria-invalid", "true")
    field(status, "Reason").fill("Reopened")
    save(status)
    expect(page.locator("#profile-header [data-status]")).to_have_text("Active")

    # Payment terms: a request that finance decides
    page.locator("#profile-details").get_by_role("link", name="Request a change").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Payment terms of Chez Lola Bistro")
    field(page, "New payment terms").select_option("NET_60")
    page.get_by_role("button", name="Ask finance to approve").click()
    expect(page.get_by_text("The change waits for finance.")).to_be_visible()
    find(page, "Chez", "Chez Lola Bistro")
    page.evaluate("window.__e2eMarker = 'same page'")

    # Addresses: add one, edit it, make it the default
    tabs = page.get_by_role("navigation", name="Profile sections")
    tabs.get_by_role("link", name="Addresses").click()
    addresses = page.locator("#addresses")
    addresses.get_by_role("link", name="Add address").click()
    new = page.locator("section#address-new")
    field(new, "Type").select_option("SHIPPING")
    field(new, "Street").fill("7 Harbour Street")
    field(new, "City").fill("brooklyn")
    field(new, "State / province").fill("ny")
    field(new, "Postal code").fill("11201")
    field(new, "Country").fill("us")
    save(new)
    card = addresses.locator("article").filter(has_text="7 Harbour Street")
    expect(card).to_contain_text("Brooklyn, NY 11201")
    card.get_by_role("link", name="Edit").click()
    editing = page.locator("section.editing")
    field(editing, "Street").fill("9 Harbour Street")
    save(editing)
    card = addresses.locator("article").filter(has_text="9 Harbour Street")
    card.get_by_role("button", name="Make default").click()
    expect(card.locator(".badge").first).to_have_text("Default")

    # Preferences
    tabs.get_by_role("link", name="Preferences").click()
    preferences = page.locator("#preferences")
    preferences.get_by_role("link", name="Edit").click()
    field(preferences, "E-mail").check()
    field(preferences, "Language").fill("fr-CA")
    field(preferences, "Product interests").fill("pepper sauce, ackee")
    field(preferences, "Special dates").fill("Opening: 05-14")
    save(preferences)
    expect(preferences.locator("dl")).to_contain_text("pepper sauce, ackee")
    expect(preferences.locator("dl")).to_contain_text("Opening: 05-14")

    # Interactions: record one, then filter by its type
    tabs.get_by_role("link", name="Interactions").click()
    interactions = page.locator("#interactions")
    record = interactions.locator("form.record-interaction")
    field(record, "Type").select_option("CALL")
    field(record, "Summary").fill("Asked about the NET 60 terms")
    record.get_by_role("button", name="Record interaction").click()
    expect(interactions.locator(".latest")).to_contain_text("Asked about the NET 60 terms")
    field(interactions.locator("form.filters"), "Type").select_option("EMAIL")
    expect(interactions).to_contain_text("No interactions match.")

    # The history tells who changed what
    tabs.get_by_role("link", name="Change history").click()
    history = page.locator("#history")
    expect(history).to_contain_text("Chez Lola Bistro")
    expect(history).to_contain_text("bookings@chezlola.example")

    # Closing, through the general "Change status" form: final, and the page says so
    tabs.get_by_role("link", name="Overview").click()
    status = page.locator("#profile-status")
    status.get_by_role("link", name="Change status").click()
    field(status, "New status").select_option("CLOSED")
    field(status, "Reason").fill("Sold the business")
    save(status)
    page.get_by_role("dialog").get_by_role("button", name="Close the account").click()
    expect(page.locator("#profile-header [data-status]")).to_have_text("Closed")
    expect(status).to_contain_text("A closed account is final.")
    expect(status.get_by_role("link")).to_have_count(0)
    assert page.evaluate("window.__e2eMarker") == "same page"

    db.session.expire_all()
    stored = db.session.get(Customer, customer.id)
    assert (stored.email, stored.phone) == ("bookings@chezlola.example", "+18765550100")
    assert stored.preference.language == "fr-CA"
    assert js_errors == []


def fill_type_field(form, name: str, value) -> None:
    """Type a value into the input the page renders for `name`, whatever its kind."""
    inputs = form.locator(f'[name="{name}"]')
    kind = inputs.first.evaluate("e => e.tagName === 'SELECT' ? 'select' : e.type")
    if kind == "checkbox" and isinstance(value, list):
        for item in value:
            form.locator(f'[name="{name}"][value="{item}"]').check()
    elif kind == "checkbox":
        inputs.set_checked(bool(value))
    elif kind == "select":
        inputs.select_option(str(value))
    else:
        inputs.fill(", ".join(value) if isinstance(value, list) else str(value))


@pytest.mark.parametrize("customer_type", list(CustomerType), ids=lambda t: t.value)
def test_staff_register_each_type_from_the_directory(
    page: Page, make_user, js_errors, customer_type
):
    user = make_user(STAFF[list(CustomerType).index(customer_type) % 2])
    open_directory(page, user.email)
    follow(page, page.get_by_role("link", name="New customer"), "New customer")

    field(page, "Type of customer").select_option(customer_type.value)
    expect(page).to_have_url(re.compile(f"customer_type={customer_type.value}"))
    form = page.locator("#customer-form")
    name = f"New {customer_type.value.lower()}"
    field(form, "Name").fill(name)
    field(form, "E-mail").fill(f"{customer_type.value.lower()}@example.org")
    field(form, "Phone").fill("+18765551111")
    for key, value in TYPE_DATA[customer_type].items():
        fill_type_field(form, key, value)
    if customer_type.is_b2b:
        field(form, "Tax id").fill(BUSINESS.tax_id)
        field(form, "Registration number").fill(BUSINESS.registration_number)
    form.get_by_role("button", name="Register customer").click()

    expect(page.get_by_role("heading", level=1)).to_have_text(name)
    expect(page.get_by_role("status")).to_have_text(f"{name} is registered.")
    header = page.locator("#profile-header")
    expect(header).to_contain_text(customer_type.label)
    expect(header).to_contain_text("B2B" if customer_type.is_b2b else "B2C")
    assert js_errors == []


def test_import_a_csv_then_export_the_directory(page: Page, make_user, js_errors, tmp_path):
    user = make_user("sales")
    rows = [
        "name,customer_type,email,phone,type.first_encounter",
        "Imani Import,TOURIST,imani@example.org,+18765552222,Negril beach",
        "Broken Row,TOURIST,not-an-email,,",
    ]
    upload = tmp_path / "customers.csv"
    upload.write_text("\n".join(rows) + "\n")

    open_directory(page, user.email)
    follow(page, page.get_by_role("link", name="Import CSV"), "Import customers")
    field(page, "CSV file").set_input_files(upload)
    field(page, "Dry run: report what would happen, change nothing").check()
    page.get_by_role("button", name="Import").click()
    report = page.locator(".import-report")
    expect(report.get_by_role("heading")).to_have_text("Dry run: nothing was saved")
    expect(report).to_contain_text("1 create")
    expect(report).to_contain_text("1 error")

    field(page, "CSV file").set_input_files(upload)
    field(page, "Dry run: report what would happen, change nothing").uncheck()
    page.get_by_role("button", name="Import").click()
    expect(report.get_by_role("heading")).to_have_text("Import finished")
    report.locator("tr.outcome-create a").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Imani Import")

    to_directory(page)
    field(page, "Search").fill("Imani")
    expect(page.locator("#customer-results")).to_contain_text("1 customer")
    with page.expect_download() as download:
        page.get_by_role("link", name="Export CSV").click()
    exported = list(csv.DictReader(io.StringIO(download.value.path().read_text())))
    assert [(r["name"], r["email"]) for r in exported] == [("Imani Import", "imani@example.org")]
    assert js_errors == []


def test_two_staff_editing_preferences_the_second_sees_changed_meanwhile(
    page: Page, browser, live_server, make_user, staff, js_errors
):
    customer = services.register_customer(staff, new_customer(name="Marcia Campbell"))
    first, second = make_user("sales"), make_user("support")
    other_context = browser.new_context(base_url=live_server)
    other = other_context.new_page()
    try:
        for who, user in ((page, first), (other, second)):
            sign_in(who, user.email)
            find(who, "Marcia", "Marcia Campbell")
            who.get_by_role("navigation", name="Profile sections").get_by_role(
                "link", name="Preferences"
            ).click()
            who.locator("#preferences").get_by_role("link", name="Edit").click()
            expect(who.locator("#preferences").get_by_role("heading")).to_have_text(
                "Edit preferences"
            )

        field(other.locator("#preferences"), "Language").fill("es")
        save(other.locator("#preferences"))
        expect(other.locator("#preferences dl")).to_contain_text("es")

        mine = page.locator("#preferences")
        field(mine, "Language").fill("fr")
        save(mine)
        expect(mine.get_by_role("heading")).to_have_text("Changed meanwhile")
        expect(mine.locator("tbody tr")).to_have_text(re.compile(r"Language\s*es\s*fr"))
        mine.get_by_role("link", name="Reload the form with the saved values").click()
        expect(field(mine, "Language")).to_have_value("es")
        field(mine, "Language").fill("fr")
        save(mine)
        expect(mine.locator("dl")).to_contain_text("fr")
    finally:
        other_context.close()
    db.session.expire_all()
    assert db.session.get(Customer, customer.id).preference.language == "fr"
    assert js_errors == []
