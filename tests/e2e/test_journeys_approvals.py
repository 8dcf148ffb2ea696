"""Approval journeys in a real browser, each person starting where they start: the sign-in page,
then home, then the navigation, clicking only what the pages render (issue 12).

- A B2B customer's admin submits a purchase order.
- An approver in two organisations works a queue of several requests from both, decides one and
  the others stay; then goes out of office, and the colleague decides in her place, in the
  organisation the delegation was made in only.
- Finance approves a payment-terms change, delegates, and the staff colleague decides the next.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import Browser, Page, expect

from portal.approvals import services
from portal.customers import services as customer_services
from portal.customers.models import Customer
from portal.customers.values import ContactInfo, CustomerType
from portal.extensions import db
from portal.models import utcnow
from tests.conftest import DEFAULT_PASSWORD
from tests.e2e.htmx import settled
from tests.e2e.test_approvals import decide_in_dialog, named
from tests.factories import new_customer
from tests.unit.approvals.factories import po, po_rule, roles, tier
from tests.unit.organizations.factories import external, grill_group, join

pytestmark = pytest.mark.e2e


def arrive(page: Page, user) -> None:
    """From the portal's address through the sign-in form to home, then "Approvals"."""
    page.goto("/")
    page.get_by_label("E-mail").fill(user.email)
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Welcome, {user.name}")
    page.locator(".cards").get_by_role("link", name="Approvals").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Approvals")
    settled(page)  # the decision dialog is htmx's


def back_to_queue(page: Page) -> None:
    page.get_by_role("navigation", name="Main").get_by_role(
        "link", name=re.compile("Approvals")
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Approvals")
    settled(page)


def new_person(browser: Browser, live_server: str, js_errors: list[str]) -> Page:
    """A browser of one's own, watched for script errors like `page`."""
    context = browser.new_context(base_url=live_server)
    context.set_default_timeout(10_000)
    other = context.new_page()
    other.on("pageerror", lambda exc: js_errors.append(f"{other.url}: {exc}"))
    return other


def rows(page: Page):
    return page.locator("table.approvals tbody tr")


def delegate_to(page: Page, name: str, reason: str, where: str = "") -> None:
    page.get_by_role("link", name="Out of office").click()
    if where:  # someone in several organisations chooses one
        page.get_by_role("navigation", name="Organisations").get_by_role("link", name=where).click()
    today = utcnow().date()
    page.get_by_label("Who decides for you").select_option(label=name)
    page.get_by_label("From").fill(today.isoformat())
    page.get_by_label("Until").fill((today + timedelta(days=14)).isoformat())
    page.get_by_label("Reason").fill(reason)
    page.get_by_role("button", name="Delegate").click()
    expect(page.locator(".flashes")).to_contain_text("Delegated")
    expect(page.locator("table")).to_contain_text(reason)


def test_a_b2b_admin_submits_a_purchase_order(page: Page, staff, js_errors):
    org = grill_group(staff)
    admin = named(external(org["root"], "Admin", "ada@grill.example"), "Ada Admin")
    named(external(org["root"], "Approver", "al@grill.example"), "Al Approver")
    po_rule(staff, org["root"], tier(roles(org["root"], "Approver")))

    arrive(page, admin)
    page.get_by_role("link", name="New purchase order at Caribbean Grill Group").click()
    page.get_by_label("What is it for").fill("Combi oven")
    page.get_by_label("Amount").fill("7,500.00")
    page.get_by_label("Lines").fill("1 combi oven, 7,500.00")
    page.get_by_role("button", name="Submit for approval").click()

    expect(page.locator(".flashes")).to_contain_text("Purchase order waits for approval")
    expect(page.locator("#request-status")).to_have_text("Pending")
    expect(page.locator(".tier-current")).to_contain_text("Al Approver")
    expect(page.locator(".facts")).to_contain_text("7,500.00 USD")
    back_to_queue(page)
    page.get_by_role("link", name="My requests").click()
    expect(rows(page)).to_have_count(1)
    expect(rows(page).first).to_contain_text("Combi oven")
    assert js_errors == []


def test_an_approver_in_two_organisations_decides_one_then_a_delegate_decides(
    page: Page, browser, live_server, staff, js_errors
):
    a, b = grill_group(staff, prefix="A"), grill_group(staff, prefix="B")
    a["root"].name, b["root"].name = "Akee Kitchens", "Breadfruit Bistros"
    db.session.commit()
    zoe = named(external(a["root"], "Admin", "zoe@a.example"), "Zoe Zamora")
    join(zoe, b["east"], "Approver")
    colin = named(external(a["miami"], "Viewer", "colin@a.example"), "Colin Cover")
    po_rule(staff, a["east"], tier(roles(a["root"], "Admin")))
    po_rule(staff, b["east"], tier(roles(b["root"], "Approver")))
    for org, descriptions in (
        (a, ("A combi oven", "A blast chiller")),
        (b, ("B freezer", "B fryer")),
    ):
        buyer = external(org["miami"], "Buyer")
        for text in descriptions:
            services.submit(buyer, org["miami"].id, po(750_000, description=text), rates={})

    # Zoe's queue holds the requests of both organisations; she approves one.
    arrive(page, zoe)
    expect(rows(page)).to_have_count(4)
    page.locator("tr", has_text="A combi oven").get_by_role("link", name="Approve").click()
    page.get_by_role("dialog").get_by_role("button", name="Approve").click()
    expect(page.locator(".flashes")).to_contain_text("Approve: A combi oven")
    expect(page.locator("#request-status")).to_have_text("Approved")

    # The three others are still waiting for her, in both organisations.
    back_to_queue(page)
    expect(rows(page)).to_have_count(3)
    for text in ("A blast chiller", "B freezer", "B fryer"):
        expect(page.locator("table.approvals")).to_contain_text(text)
    expect(page.locator(".topbar [data-approval-count]")).to_have_text("3")

    # Out of office: Colin, of Akee Kitchens, decides there in her place.
    delegate_to(page, "Colin Cover", "Trade fair", where="Akee Kitchens")
    expect(page.locator("table")).to_contain_text("Akee Kitchens")

    colin_page = new_person(browser, live_server, js_errors)
    arrive(colin_page, colin)
    expect(rows(colin_page)).to_have_count(1)
    expect(rows(colin_page).first).to_contain_text("A blast chiller")
    expect(colin_page.locator(".topbar [data-approval-count]")).to_have_text("1")
    colin_page.get_by_role("link", name="A blast chiller").click()
    decide_in_dialog(colin_page, "Approve")
    expect(colin_page.locator("#request-status")).to_have_text("Approved")
    expect(colin_page.locator(".chain")).to_contain_text("Colin Cover on behalf of Zoe Zamora")
    back_to_queue(colin_page)
    expect(colin_page.get_by_text("Nothing is waiting for you.")).to_be_visible()

    # Zoe is left with the other organisation's two.
    back_to_queue(page)
    expect(rows(page)).to_have_count(2)
    expect(page.locator("table.approvals")).not_to_contain_text("A blast chiller")
    assert js_errors == []


def test_finance_approves_payment_terms_then_a_colleague_decides_in_their_place(
    page: Page, browser, live_server, staff, make_user, js_errors
):
    for name, email in (("Chez Lola", "lola@example.org"), ("Bistro Bleu", "bleu@example.org")):
        customer = customer_services.register_customer(
            staff,
            new_customer(
                CustomerType.FULL_SERVICE_RESTAURANT,
                name=name,
                contact=ContactInfo(email=email, phone="+18765550000"),
            ),
        )
        services.request_payment_terms(staff, customer.id, "NET_60")
    fiona = make_user("finance", name="Fiona Finance")
    sam = make_user("support", name="Sam Support")

    # Finance approves Chez Lola's change from the queue.
    arrive(page, fiona)
    expect(rows(page)).to_have_count(2)
    page.get_by_role("link", name=re.compile("Payment terms of Chez Lola")).click()
    decide_in_dialog(page, "Approve")
    expect(page.locator("#request-status")).to_have_text("Approved")
    back_to_queue(page)
    expect(rows(page)).to_have_count(1)

    # Away next week: Sam decides in her place.
    delegate_to(page, "Sam Support", "Holiday")
    expect(page.locator("table")).to_contain_text("EFI staff decisions")

    sam_page = new_person(browser, live_server, js_errors)
    arrive(sam_page, sam)
    expect(rows(sam_page)).to_have_count(1)
    sam_page.get_by_role("link", name=re.compile("Payment terms of Bistro Bleu")).click()
    decide_in_dialog(sam_page, "Approve")
    expect(sam_page.locator(".chain")).to_contain_text("Sam Support on behalf of Fiona Finance")

    db.session.expire_all()
    terms = {c.name: c.payment_terms for c in db.session.query(Customer)}
    assert terms == {"Chez Lola": "NET_60", "Bistro Bleu": "NET_60"}
    assert js_errors == []
