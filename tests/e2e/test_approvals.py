"""Approvals in a real browser, as the issue's "done when" tells it: an org admin defines a
two-tier rule for purchase orders over 5,000.00 USD at a division; a Buyer at a location below
submits 7,500.00 USD; the first approver asks for changes; the Buyer resubmits; the first tier
approves, the absent second approver's delegate approves on their behalf; the Buyer sees it."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from portal.extensions import db
from tests.conftest import DEFAULT_PASSWORD
from tests.e2e.htmx import settled
from tests.e2e.test_sign_in import sign_in_locally
from tests.unit.organizations.factories import external, grill_group

pytestmark = pytest.mark.e2e


def person(browser: Browser, live_server: str, email: str, js_errors: list[str]) -> Page:
    """A browser of their own for each person, watched for script errors like `page`."""
    context = browser.new_context(base_url=live_server)
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.on("pageerror", lambda exc: js_errors.append(f"{page.url}: {exc}"))
    page.on(
        "console",
        lambda m: (
            m.type == "error"
            and not m.text.startswith("Failed to load resource")
            and js_errors.append(f"{page.url}: {m.text}")
        ),
    )
    sign_in_locally(page, email, DEFAULT_PASSWORD)
    return page


def named(user, name: str):
    user.name = name
    db.session.commit()
    return user


def open_queue(page: Page, name: str = "Approvals") -> None:
    page.get_by_role("navigation", name="Main").get_by_role("link", name=re.compile(name)).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Approvals")
    settled(page)  # the decision dialog is htmx's


def decide_in_dialog(page: Page, button: str, comment: str = "") -> None:
    page.locator(".actions").get_by_role("link", name=button).click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible()
    if comment:
        dialog.get_by_label("Comment").fill(comment)
    dialog.get_by_role("button", name=button).click()
    expect(page.locator(".flashes")).to_contain_text(button)


def test_two_tier_approval_with_changes_and_a_delegate(
    page: Page, browser, live_server, staff, js_errors
):
    org = grill_group(staff)
    admin = named(external(org["root"], "Admin", "ada.admin@grill.example"), "Ada Admin")
    buyer = named(external(org["miami"], "Buyer", "bea.buyer@grill.example"), "Bea Buyer")
    named(external(org["east"], "Approver", "al.approver@grill.example"), "Al Approver")
    named(external(org["east"], "Viewer", "dee.deputy@grill.example"), "Dee Deputy")

    # The org admin defines the rule at East Division, with two tiers.
    sign_in_locally(page, admin.email, DEFAULT_PASSWORD)
    open_queue(page)
    page.get_by_role("link", name="Approval rules at Caribbean Grill Group").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Approval rules at Caribbean Grill Group"
    )
    page.get_by_role("navigation", name="Nodes below").get_by_role(
        "link", name="East Division"
    ).click()
    page.get_by_role("link", name="New rule here").click()
    page.get_by_label("Name", exact=True).fill("Large kitchen orders")
    page.get_by_label("Applies when the amount is").select_option(">")
    page.get_by_label("Thresholds").fill("USD 5,000.00")
    page.get_by_label("Tier 1 group A: Approver").check()
    page.get_by_role("button", name="Add a tier").click()
    expect(page.get_by_text("Tier 2", exact=False).first).to_be_visible()
    page.get_by_label("Tier 2 group A: Admin").check()
    page.get_by_role("button", name="Save rule").click()
    expect(page.locator(".flashes")).to_contain_text("Saved the rule Large kitchen orders")
    page.get_by_role("navigation", name="Nodes below").get_by_role(
        "link", name="Miami Beach"
    ).click()
    expect(page.locator(".origin").first).to_contain_text("Inherited from East Division")

    # ... and is away next: Dee decides in her place.
    open_queue(page)
    page.get_by_role("link", name="Out of office").click()
    page.get_by_label("Who decides for you").select_option(label="Dee Deputy")
    page.get_by_label("From").fill("2026-01-01")
    page.get_by_label("Until").fill("2099-12-31")
    page.get_by_label("Reason").fill("Holiday")
    page.get_by_role("button", name="Delegate").click()
    expect(page.locator("table")).to_contain_text("Holiday")

    # The Buyer at Miami Beach submits 7,500.00 USD.
    bea = person(browser, live_server, buyer.email, js_errors)
    open_queue(bea)
    bea.get_by_role("link", name="New purchase order at Miami Beach").click()
    bea.get_by_label("What is it for").fill("Combi oven")
    bea.get_by_label("Amount").fill("7,500.00")
    bea.get_by_role("button", name="Submit for approval").click()
    expect(bea.locator("#request-status")).to_have_text("Pending")
    expect(bea.locator(".tier-current")).to_contain_text("Al Approver")

    # The first approver sees it counted in the navigation and asks for changes.
    al = person(browser, live_server, "al.approver@grill.example", js_errors)
    nav_count = al.locator(".topbar [data-approval-count]")
    expect(nav_count).to_have_text("1")
    open_queue(al)
    al.get_by_role("link", name="Combi oven").click()
    decide_in_dialog(al, "Request changes", "Two smaller ovens, please")
    expect(al.locator("#request-status")).to_have_text("Changes requested")
    expect(nav_count).to_have_text("0")

    # The Buyer edits and resubmits: round 2 starts at tier 1.
    bea.reload()
    expect(bea.locator(".history")).to_contain_text("Two smaller ovens, please")
    bea.get_by_role("link", name="Edit and resubmit").click()
    bea.get_by_label("What is it for").fill("Two combi ovens")
    bea.get_by_label("Amount").fill("7,400.00")
    bea.get_by_role("button", name="Resubmit").click()
    expect(bea.locator("#request-status")).to_have_text("Pending")

    # Tier 1 approves from the queue; tier 2 waits on the absent admin.
    open_queue(al)
    al.locator("tr", has_text="Two combi ovens").get_by_role("link", name="Approve").click()
    al.get_by_role("dialog").get_by_role("button", name="Approve").click()
    expect(al.locator(".tier-current")).to_contain_text("Tier 2")

    # Dee approves on Ada's behalf.
    dee = person(browser, live_server, "dee.deputy@grill.example", js_errors)
    open_queue(dee)
    dee.get_by_role("link", name="Two combi ovens").click()
    decide_in_dialog(dee, "Approve")
    expect(dee.locator("#request-status")).to_have_text("Approved")

    # The Buyer sees the decision and who took it.
    bea.reload()
    expect(bea.locator("#request-status")).to_have_text("Approved")
    expect(bea.locator(".chain")).to_contain_text("Dee Deputy on behalf of Ada Admin")
    assert js_errors == []
