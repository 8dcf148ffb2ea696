"""A customer's admin runs their own organisation in a real browser: the tree, an inherited
attribute overridden, a member invited as Buyer at one location, and no way into another
organisation."""

from __future__ import annotations

import logging
import re

import pytest
from playwright.sync_api import Page, expect

from tests.conftest import DEFAULT_PASSWORD
from tests.e2e.htmx import settled
from tests.e2e.test_sign_in import sign_in_locally
from tests.unit.organizations.factories import external, grill_group

pytestmark = pytest.mark.e2e

INVITATION = re.compile(r"https?://\S+/organizations/invitations/accept/\S+")


def tree(page: Page):
    return page.get_by_role("tree", name="Organisation tree")


def item(page: Page, name: str):
    return tree(page).get_by_role("treeitem", name=re.compile("^" + name)).first


def test_a_customer_admin_runs_their_organisation(
    page: Page, browser, live_server, staff, caplog, js_errors
):
    mine = grill_group(staff)
    theirs = grill_group(staff, prefix="X")
    admin = external(mine["root"], "Admin", email="ada@grill.example")

    sign_in_locally(page, admin.email, DEFAULT_PASSWORD)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Welcome")
    page.wait_for_load_state("load")  # leaving earlier would abort its scripts (a js error)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Organisations").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Caribbean Grill Group")
    page.wait_for_load_state()  # the tree's keys are portal.js's (deferred): loaded first
    page.evaluate("window.__e2eMarker = 'same page'")

    # Expand East Division from the keyboard: the children arrive lazily.
    east = item(page, "East Division")
    east.focus()
    with page.expect_response(lambda r: r.url.endswith("/children")):
        page.keyboard.press("ArrowRight")
    expect(east).to_have_attribute("aria-expanded", "true")
    expect(item(page, "Miami Beach")).to_be_visible()
    settled(page)
    page.keyboard.press("ArrowRight")
    page.keyboard.press("Enter")
    expect(page.locator("#node-panel h1")).to_contain_text("Miami Beach")
    expect(page.get_by_role("navigation", name="Breadcrumbs")).to_contain_text(
        "Caribbean Grill Group"
    )
    assert page.evaluate("window.__e2eMarker") == "same page"

    # Override one inherited attribute at the location...
    row = page.locator("#attr-delivery_instructions")
    row.get_by_label("Delivery instructions here").fill("Back door on 5th Street")
    row.get_by_role("button", name="Override").click()
    expect(page.locator("#attr-delivery_instructions")).to_contain_text("set here")

    # ...and see it inherited by the department below (the tree stays open at Miami Beach).
    expect(item(page, "Miami Beach")).to_have_attribute("aria-expanded", "true")
    tree(page).get_by_role("link", name="Kitchen", exact=True).click()
    kitchen_row = page.locator("#attr-delivery_instructions")
    expect(kitchen_row).to_contain_text("Back door on 5th Street")
    expect(kitchen_row).to_contain_text(
        "inherited from Caribbean Grill Group \N{SINGLE RIGHT-POINTING ANGLE QUOTATION MARK} "
        "East Division \N{SINGLE RIGHT-POINTING ANGLE QUOTATION MARK} Miami Beach"
    )

    # Invite a buyer at Miami Beach; the log adapter carries the link.
    tree(page).get_by_role("link", name="Miami Beach", exact=True).click()
    expect(page.locator("#node-panel h1")).to_contain_text("Miami Beach")
    page.locator("#node-panel").get_by_role("link", name="Members").click()
    caplog.set_level(logging.INFO, logger="portal.organizations.ports")
    invite = page.locator("form.invite")
    expect(invite).to_contain_text("Invite someone to Miami Beach")
    invite.get_by_label("E-mail").fill("bea.buyer@grill.example")
    invite.get_by_label("Name").fill("Bea Buyer")
    invite.get_by_label("Role").select_option(label="Buyer")
    invite.get_by_role("button", name="Send invitation").click()
    expect(page.locator("#main")).to_contain_text("bea.buyer@grill.example")
    link = INVITATION.search(caplog.text).group(0)

    invitee = browser.new_context(base_url=live_server)
    other = invitee.new_page()
    other.goto(link)
    other.get_by_label("Choose a password").fill("a long enough password")
    other.get_by_label("Repeat the password").fill("a long enough password")
    other.get_by_role("button", name="Accept the invitation").click()
    sign_in_locally(other, "bea.buyer@grill.example", "a long enough password")
    other.goto("/organizations/")
    expect(other.locator("#node-panel h1")).to_contain_text("Miami Beach")
    expect(other.get_by_role("link", name="Members")).to_be_visible()
    invitee.close()

    page.reload()
    expect(page.locator("#node-panel")).to_contain_text("Bea Buyer")
    expect(page.locator("#node-panel")).to_contain_text("Buyer")

    # Search opens the way to each match and marks it.
    page.get_by_label("Find a node").fill("kitch")
    expect(tree(page).locator("mark")).to_have_text(["Kitchen"])
    expect(page.locator(".tree-note")).to_contain_text("1 match for")

    # Editing the URL to another organisation's node finds nothing.
    for path in (
        f"/organizations/nodes/{theirs['miami'].id}",
        f"/organizations/nodes/{theirs['root'].id}/members",
        f"/organizations/{theirs['root'].id}/roles",
    ):
        response = page.goto(path)
        assert response is not None
        assert response.status == 404, path
        expect(page.get_by_role("heading", level=1)).to_have_text("Not found")
    assert js_errors == []
