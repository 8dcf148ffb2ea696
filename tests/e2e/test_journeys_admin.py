"""The administrator's journeys in a real browser, from sign-in and the home page's navigation:
the event browser and an event's payload, parked events replayed and discarded, an API token
with one scope (its secret shown once, then revoked), a webhook for one event type."""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import Page, expect

from portal.events import intake
from portal.extensions import db
from tests.e2e.htmx import settled
from tests.e2e.test_sign_in import sign_in_locally
from tests.unit.events.messages import message

pytestmark = pytest.mark.e2e


def _signed_in_admin(page: Page, make_user) -> None:
    admin = make_user("administrator", name="Ada Admin")
    sign_in_locally(page, admin.email)
    expect(page.get_by_role("navigation", name="Main")).to_be_visible()


def _nav(page: Page, name: str) -> None:
    """The administrator's pages are in the bar's Admin menu."""
    nav = page.get_by_role("navigation", name="Main")
    nav.locator("summary", has_text="Admin").click()
    nav.get_by_role("link", name=name, exact=True).click()
    settled(page)  # its confirmations and filters are the deferred scripts'


def test_administrator_browses_events_and_handles_parked_ones(
    page: Page, make_user, customer, js_errors
):
    order = message("OrderPlaced", customer.id)
    intake.park(json.dumps(order), "the database was down", "queue")
    intake.park("not json at all", "the body is not JSON", "queue")
    placed = message("OrderPlaced", customer.id)
    early = message("OrderCancelled", customer.id, orderId=placed["payload"]["orderId"])
    assert intake.take_batch([json.dumps(early).encode()], "queue") == [intake.PARKED]
    db.session.commit()
    _signed_in_admin(page, make_user)

    _nav(page, "Events")
    expect(page.get_by_role("heading", level=1)).to_have_text("Domain events")
    results = page.locator("#event-results")
    results.get_by_role("link", name="CustomerCreated").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("CustomerCreated")
    expect(page.locator(".payload")).to_contain_text(customer.id)
    page.get_by_role("link", name="All events").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Domain events")
    page.wait_for_load_state()

    page.get_by_label("Type").select_option("CustomerUpdated")
    page.get_by_role("button", name="Filter").click()
    expect(results).to_contain_text("No events match.")
    page.get_by_label("Type").select_option("")
    page.get_by_role("button", name="Filter").click()
    expect(results.get_by_role("link", name="CustomerCreated").first).to_be_visible()

    page.get_by_role("link", name="Parked consumed events").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Parked consumed events")
    expect(page.locator(".count")).to_have_text("3 events")
    awaiting = page.get_by_role("row").filter(has_text="OrderCancelled")
    expect(awaiting).to_contain_text(f"once order {placed['payload']['orderId']} arrives")

    page.get_by_role("row").filter(has_text="the database was down").get_by_role(
        "button", name="Replay"
    ).click()
    expect(page.locator(".flashes")).to_have_text("Replayed.")
    page.get_by_role("row").filter(has_text="the body is not JSON").get_by_role(
        "button", name="Discard"
    ).click()
    expect(page.locator(".flashes")).to_have_text("Discarded.")
    expect(page.locator(".count")).to_have_text("1 event")

    page.get_by_role("link", name="Replayed").click()
    expect(page.get_by_role("row").filter(has_text="the database was down")).to_be_visible()
    expect(page.get_by_role("button", name="Replay")).to_have_count(0)
    page.get_by_role("link", name="Discarded").click()
    expect(page.get_by_role("row").filter(has_text="the body is not JSON")).to_be_visible()

    # The order arrives: the cancellation that waited for it is applied and leaves the list.
    assert intake.take_batch([json.dumps(placed).encode()], "queue") == [intake.ACCEPTED]
    page.get_by_role("link", name="Parked", exact=True).click()
    expect(page.locator(".count")).to_have_text("0 events")
    assert js_errors == []


def test_administrator_issues_a_token_with_one_scope_then_revokes_it(
    page: Page, make_user, js_errors
):
    _signed_in_admin(page, make_user)
    _nav(page, "API tokens")
    expect(page.get_by_role("heading", level=1)).to_have_text("API tokens")

    page.get_by_label("Calling system").fill("crm")
    page.get_by_role("button", name="Issue token").click()
    expect(page.locator(".field.invalid")).to_contain_text("Choose at least one scope.")

    page.get_by_label("Calling system").fill("order-service")
    page.get_by_label("events:write").check()
    page.get_by_role("button", name="Issue token").click()
    secret = page.locator(".secret")
    expect(secret).to_have_text(re.compile(r"^efi_"))
    shown = secret.inner_text()
    row = page.get_by_role("row").filter(has_text="order-service")
    expect(row.get_by_role("cell").nth(2)).to_have_text("events:write")

    _nav(page, "API tokens")
    expect(page.locator(".secret")).to_have_count(0)
    assert shown not in page.content()
    page.get_by_role("row").filter(has_text="order-service").get_by_role(
        "button", name="Revoke"
    ).click()
    confirm = page.get_by_role("dialog")
    expect(confirm).to_contain_text("Revoke the API token “order-service”?")
    confirm.get_by_role("button", name="Revoke the token").click()
    expect(page.get_by_role("row").filter(has_text="order-service")).to_contain_text("revoked")
    assert js_errors == []


def test_administrator_subscribes_a_webhook_to_one_event_type(page: Page, make_user, js_errors):
    _signed_in_admin(page, make_user)
    _nav(page, "Webhooks")
    expect(page.get_by_role("heading", level=1)).to_have_text("Webhook subscriptions")

    page.get_by_label("URL").fill("http://127.0.0.1:9/hooks/efi")
    page.get_by_label("CustomerSegmentChanged", exact=True).uncheck()
    page.get_by_role("button", name="Subscribe").click()
    expect(page.locator(".field.invalid")).to_contain_text("Choose at least one event type.")

    page.get_by_label("CustomerUpdated", exact=True).check()
    page.get_by_role("button", name="Subscribe").click()
    expect(page.locator(".secret")).to_have_text(re.compile(r"^whsec_"))
    first = page.locator(".secret").inner_text()
    row = page.get_by_role("row").filter(has_text="http://127.0.0.1:9/hooks/efi")
    expect(row.get_by_role("cell").nth(1)).to_have_text("CustomerUpdated")

    row.get_by_role("button", name="Rotate secret").click()
    expect(page.get_by_role("alert")).to_contain_text("signed with the previous secret as well")
    expect(page.locator(".secret")).to_have_text(re.compile(r"^whsec_"))
    assert page.locator(".secret").inner_text() != first

    row.get_by_role("button", name="Stop").click()
    page.get_by_role("dialog").get_by_role("button", name="Stop the webhook").click()
    expect(page.get_by_role("row").filter(has_text="127.0.0.1:9")).to_contain_text("stopped")
    page.get_by_role("link", name="Delivery log").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Webhook deliveries")
    assert js_errors == []
