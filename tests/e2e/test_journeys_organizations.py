"""A B2B customer admin's journeys in the browser, from sign-in and the navigation: a custom
role made from the roles page, a member's role changed (the new one assigned, the old one
revoked) from the member's page, reached through the tree and the Members tab."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from portal.extensions import db
from tests.conftest import DEFAULT_PASSWORD
from tests.e2e.htmx import settled
from tests.e2e.test_sign_in import sign_in_locally
from tests.unit.organizations.factories import external, grill_group

pytestmark = pytest.mark.e2e


def open_organisation(page: Page) -> None:
    expect(page.get_by_role("heading", level=1)).to_contain_text("Welcome")
    page.wait_for_load_state("load")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Organisations").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Caribbean Grill Group")


def test_a_customer_admin_makes_a_role_and_changes_a_members_role(page: Page, staff, js_errors):
    org = grill_group(staff)
    admin = external(org["root"], "Admin", email="ada@grill.example")
    buyer = external(org["miami"], "Buyer", email="bo@grill.example")
    buyer.name = "Bo Buyer"
    db.session.commit()

    sign_in_locally(page, admin.email, DEFAULT_PASSWORD)
    open_organisation(page)

    # A custom role, from scratch, with one permission.
    page.get_by_role("link", name="Roles of Caribbean Grill Group").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Roles")
    page.get_by_role("link", name="From scratch").click()
    page.get_by_label("Name", exact=True).fill("Kitchen lead")
    page.locator(".permission input").first.check()
    page.get_by_role("button", name="Save role").click()
    expect(page.locator("#main")).to_contain_text("Kitchen lead")

    # The member's role changes: Kitchen lead at Miami Beach, then the Buyer role revoked.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Organisations").click()
    page.locator("#node-panel").get_by_role("link", name="Members").click()
    page.locator("#node-panel").get_by_role("link", name="Bo Buyer").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Bo Buyer")
    assign = page.locator("form", has=page.get_by_role("heading", name="Assign a role"))
    assign.get_by_label("Role").select_option(label="Kitchen lead")
    # The node is picked from what its name finds, not typed as a code.
    assign.get_by_label("At node").press_sequentially("miami", delay=30)
    assign.get_by_role("option", name=re.compile("Miami Beach")).click()
    expect(assign.get_by_label("At node")).to_have_value("MIA")
    assign.get_by_role("button", name="Assign").click()
    expect(page.get_by_role("status")).to_contain_text("Kitchen lead at Miami Beach assigned.")
    roles = page.locator("table.grid")
    expect(roles).to_contain_text("Kitchen lead")
    expect(roles.get_by_role("row", name="Buyer")).to_be_visible()

    settled(page)  # the confirmation is portal.js's, bound once the page and any swap settled
    roles.get_by_role("row", name="Buyer").get_by_role("button", name="Revoke").click()
    confirm = page.get_by_role("dialog")
    expect(confirm).to_contain_text("Revoke the role Buyer at")
    confirm.get_by_role("button", name="Revoke the role").click()
    expect(roles.get_by_role("row", name="Buyer")).to_have_count(0)
    expect(roles).to_contain_text("Kitchen lead")
    assert js_errors == []
