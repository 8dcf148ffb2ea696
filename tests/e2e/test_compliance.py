"""A GDPR erasure end to end in a real browser: intake by e-mail, identity, due date,
extension, FULL erasure approved by a second officer, the receipt, and no trace left."""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import Page, expect

from portal.extensions import db
from tests.e2e.conftest import TIMEOUT_MS
from tests.e2e.htmx import settled
from tests.e2e.test_sign_in import sign_in_locally
from tests.unit.compliance.erasure_check import dump_database
from tests.unit.compliance.everywhere import customer_everywhere

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("compliance_exports")]


def approve_as_second_officer(browser, live_server, js_errors, officer, open_request) -> None:
    """The second officer, in a browser of their own, approves the erasure `open_request`
    (given their page) brings them to."""
    other = browser.new_context(base_url=live_server)
    other.set_default_timeout(TIMEOUT_MS)
    second_page = other.new_page()
    second_page.on("pageerror", lambda exc: js_errors.append(str(exc)))
    open_request(second_page)
    second_page.get_by_role("button", name="Approve the full erasure").click()
    expect(second_page.locator(".approved")).to_contain_text(officer.name)
    other.close()


def choose_customer(page: Page, person) -> None:
    """The request's customer from the picker, as its hint says: type, then choose. The list
    closes and stays closed, so the button below does not move under the pointer."""
    picked = page.get_by_label("Customer id (if known)")
    picked.fill(person.email)
    matches = page.get_by_role("listbox", name="Matches")
    matches.get_by_role("option", name=person.name).click()
    expect(picked).to_have_value(person.id)
    expect(picked).to_be_focused()
    settled(page)
    expect(matches.locator("li")).to_have_count(0)


def test_gdpr_erasure_from_intake_to_receipt(
    page: Page, browser, live_server, make_user, staff, js_errors
):
    person = customer_everywhere(staff)
    first = make_user("compliance_officer", name="Olga Officer")
    second = make_user("compliance_officer", name="Sam Second")
    sign_in_locally(page, first.email)

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Compliance").click()
    page.get_by_role("link", name="Record a request").click()
    page.get_by_label("Type").select_option("ERASURE")
    page.get_by_label("Jurisdiction").select_option("GDPR")
    page.get_by_label("Received by").select_option("EMAIL")
    page.get_by_label("Requester").fill(person.name)
    page.get_by_label("E-mail").fill(person.email)
    choose_customer(page, person)
    page.get_by_role("button", name="Record the request").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Erasure request (GDPR)")
    # The earlier of one calendar month and the company's 30 days: 28 to 30 days from today.
    expect(page.locator(".deadlines")).to_contain_text(re.compile(r"due in (28|29|30) days"))
    request_url = page.url

    page.get_by_label("Verified by").fill("Reply from the e-mail on file")
    page.get_by_label("Evidence seen").fill("Reply received within the hour")
    page.get_by_role("button", name="Record verification").click()
    expect(page.locator(".request-status")).to_have_text("In progress")
    expect(page.locator(".verified")).to_contain_text("Olga Officer")

    page.locator("#extend-reason").fill("Data held in three systems")
    page.get_by_role("button", name="Extend the deadline").click()
    expect(page.locator(".legal-due")).to_contain_text("(extended)")
    expect(page.locator(".timeline")).to_contain_text("Data held in three systems")

    page.get_by_label("Scope").select_option("FULL")
    page.get_by_role("button", name="Plan the erasure").click()
    expect(page.locator(".erasure")).to_contain_text("Waiting for a second compliance officer")

    def open_request(second_page: Page) -> None:
        sign_in_locally(second_page, second.email)
        second_page.goto(request_url)

    approve_as_second_officer(browser, live_server, js_errors, second, open_request)

    page.reload()
    page.get_by_label("Your password").fill("not my password")
    page.get_by_role("button", name="Erase now").click()
    page.get_by_role("dialog").get_by_role("button", name="Erase the data").click()
    expect(page.locator(".execute-form")).to_contain_text("not your password")
    page.get_by_label("Your password").fill("correct horse battery staple")
    page.get_by_role("button", name="Erase now").click()
    page.get_by_role("dialog").get_by_role("button", name="Erase the data").click()
    expect(page.locator(".request-status")).to_have_text("Completed")
    expect(page.locator(".completion")).to_have_text("Partial")
    expect(page.locator(".receipt")).to_contain_text("Legal obligation")

    with page.expect_download() as download:
        page.get_by_role("link", name="Download the receipt").click()
    receipt = json.loads(download.value.path().read_text())
    assert receipt["purgeType"] == "FULL"
    assert re.fullmatch(r"cust-.*", receipt["customerId"])

    db.session.expire_all()
    dump = dump_database().lower()
    for trace in person.traces:
        assert trace.lower() not in dump, trace
    assert js_errors == []
