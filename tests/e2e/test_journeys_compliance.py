"""Compliance officers' journeys in the browser, from the sign-in page: an access request
recorded, verified and answered with an export; a FULL erasure planned by one officer, approved
by a second in a browser of their own, and executed."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from playwright.sync_api import Page, expect

from portal.events import intake
from portal.extensions import db
from tests.e2e.test_compliance import approve_as_second_officer, choose_customer
from tests.e2e.test_sign_in import sign_in_locally
from tests.unit.compliance.erasure_check import dump_database
from tests.unit.compliance.everywhere import customer_everywhere
from tests.unit.events.messages import message

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("compliance_exports")]


def _to_compliance(page: Page, officer) -> None:
    sign_in_locally(page, officer.email)
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Welcome, {officer.name}")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Compliance").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Data-subject requests")


def _record(page: Page, request_type: str, person) -> None:
    page.get_by_role("link", name="Record a request").click()
    page.get_by_label("Type").select_option(request_type)
    page.get_by_label("Jurisdiction").select_option("GDPR")
    page.get_by_label("Received by").select_option("EMAIL")
    page.get_by_label("Requester").fill(person.name)
    page.get_by_label("E-mail").fill(person.email)
    choose_customer(page, person)
    page.get_by_role("button", name="Record the request").click()
    page.get_by_label("Verified by").fill("Reply from the e-mail on file")
    page.get_by_label("Evidence seen").fill("Reply received within the hour")
    page.get_by_role("button", name="Record verification").click()
    expect(page.locator(".request-status")).to_have_text("In progress")


def test_an_officer_answers_an_access_request_with_an_export(
    page: Page, make_user, staff, js_errors
):
    person = customer_everywhere(staff)
    officer = make_user("compliance_officer", name="Olga Officer")
    _to_compliance(page, officer)
    _record(page, "ACCESS", person)
    expect(page.get_by_role("heading", level=1)).to_have_text("Access request (GDPR)")

    page.get_by_role("button", name="Create the export (ZIP)").click()
    exports = page.locator(".exports")
    with page.expect_download() as download:
        exports.get_by_role("link", name="dsar-").click()
    archive = zipfile.ZipFile(io.BytesIO(download.value.path().read_bytes()))
    identity = json.loads(archive.read("json/identity.json"))
    assert identity["customer"][0]["email"] == person.email
    assert identity["customer"][0]["tax_id"] == "***"
    page.reload()
    expect(exports).to_contain_text("1 downloads")  # the download is counted (and audited)

    page.locator("#complete-note").fill("Sent the export by e-mail")
    page.get_by_role("button", name="Mark completed").click()
    expect(page.locator(".request-status")).to_have_text("Completed")
    assert js_errors == []


def test_a_full_erasure_with_four_eyes(
    page: Page, browser, live_server, make_user, staff, js_errors
):
    person = customer_everywhere(staff)
    first = make_user("compliance_officer", name="Olga Officer")
    second = make_user("compliance_officer", name="Sam Second")
    _to_compliance(page, first)
    _record(page, "ERASURE", person)
    page.get_by_label("Scope").select_option("FULL")
    page.get_by_role("button", name="Plan the erasure").click()
    expect(page.locator(".erasure")).to_contain_text("Waiting for a second compliance officer")
    # The planner cannot approve their own plan.
    expect(page.get_by_role("button", name="Approve the full erasure")).to_have_count(0)

    def open_request(second_page: Page) -> None:
        _to_compliance(second_page, second)
        second_page.locator(".dsar-requests").get_by_role("link", name=person.name).click()

    approve_as_second_officer(browser, live_server, js_errors, second, open_request)

    page.reload()
    page.get_by_label("Your password").fill("correct horse battery staple")
    page.get_by_role("button", name="Erase now").click()
    page.get_by_role("dialog").get_by_role("button", name="Erase the data").click()
    expect(page.locator(".request-status")).to_have_text("Completed")
    expect(page.locator(".receipt")).to_contain_text("Legal obligation")

    db.session.expire_all()
    dump = dump_database().lower()
    assert [trace for trace in person.traces if trace.lower() in dump] == []
    assert js_errors == []


def test_an_officer_finds_who_to_call_after_a_cancelled_subscription(
    page: Page, make_user, customer, js_errors
):
    """SubscriptionCancelled, taken in as another system sends it, queues a retention call;
    the officer reaches it from the requests page and opens the customer."""
    for event in ("SubscriptionCreated", "SubscriptionCancelled"):
        intake.consume(message(event, customer.id, reason="Too expensive"), "test")
    db.session.commit()
    officer = make_user("compliance_officer", name="Olga Officer")

    _to_compliance(page, officer)
    page.get_by_role("link", name="Retention").click()
    follow_ups = page.locator(".retention-follow-ups")
    expect(page.locator("#follow-ups + p + .count")).to_have_text("1 open")
    expect(follow_ups).to_contain_text("Too expensive")
    follow_ups.get_by_role("link", name=customer.name).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(customer.name)
    assert js_errors == []


def test_an_officer_previews_then_applies_retention_from_its_page(
    page: Page, make_user, customer, js_errors
):
    officer = make_user("compliance_officer", name="Olga Officer")
    _to_compliance(page, officer)
    page.get_by_role("link", name="Retention").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Retention policies")
    page.get_by_role("button", name="Preview (dry run)").click()
    expect(page.get_by_role("status")).to_contain_text("Dry run done: nothing was changed.")
    preview = page.locator(".retention-preview")
    expect(preview.locator("[data-rule]")).to_have_count(4)
    expect(preview).to_contain_text("Flag accounts inactive for over N months for review")
    page.get_by_role("button", name="Apply these changes").click()
    expect(page.get_by_role("status")).to_contain_text("Retention applied:")
    runs = page.locator(".retention-runs tbody tr")
    expect(runs).to_have_count(2)
    expect(runs.first).to_contain_text("applied")
    assert js_errors == []
