"""Duplicate customers in a real browser: the registration form warns of a likely duplicate
while the fields are filled; a reviewer opens the queue, reviews a pair, merges it after the
preview and undoes the merge."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from playwright.sync_api import Page, expect

from portal.customers import services as customers
from portal.customers.models import Customer
from portal.customers.values import ContactInfo
from portal.duplicates import services
from portal.extensions import db
from tests.e2e.htmx import settled
from tests.e2e.test_sign_in import sign_in_locally
from tests.factories import new_customer

pytestmark = pytest.mark.e2e


@pytest.fixture
def marcia(staff):
    return customers.register_customer(
        staff,
        new_customer(
            name="Marcia Campbell",
            contact=ContactInfo(email="marcia.campbell@example.org", phone="+18765551234"),
        ),
    )


def test_registration_warns_of_a_likely_duplicate(page: Page, make_user, marcia, js_errors):
    user = make_user("sales")
    sign_in_locally(page, user.email)
    page.goto("/customers/new")
    page.get_by_label("Type of customer", exact=True).select_option("DIASPORA_COMMUNITY")
    page.get_by_label("Name", exact=True).fill("Marcia Cambell")
    page.get_by_label("E-mail", exact=True).fill("Marcia.Campbell@example.org")
    page.get_by_label("E-mail", exact=True).press("Tab")
    warning = page.locator("#duplicate-warning")
    # the first check loads the model: give a busy machine time
    expect(warning).to_contain_text("This looks like Marcia Campbell", timeout=30_000)
    expect(warning.get_by_role("link", name="Open")).to_have_attribute(
        "href", re.compile(marcia.id)
    )
    warning.get_by_role("button", name="It's a different person").click()
    expect(warning).not_to_contain_text("This looks like")
    assert js_errors == []


def test_review_merge_and_undo(page: Page, make_user, staff, marcia, js_errors):
    customers.register_customer(
        staff,
        new_customer(
            name="Campbell Marcia",
            contact=ContactInfo(email="MARCIA.CAMPBELL@example.org", phone="+18765551234"),
        ),
    )
    assert services.scan() == 1
    user = make_user("sales")
    sign_in_locally(page, user.email)
    page.goto("/")
    page.get_by_role("link", name="Duplicates").first.click()
    expect(page.get_by_role("heading", name="Duplicate customers")).to_be_visible()
    page.get_by_role("link", name="Review", exact=True).click()
    expect(page.locator(".explanation")).to_contain_text("same phone")
    expect(page.locator(".merge-preview")).to_contain_text("Campbell Marcia")
    page.locator(".explanation").click()  # the reviewer reads the explanation, then decides
    settled(page)  # the keys are duplicates.js's (deferred): pressed before, lost
    page.keyboard.press("m")  # the merge shortcut
    expect(page.locator("#merge-state")).to_contain_text("Merged on")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Customer)) == 1
    page.get_by_role("button", name="Undo this merge").click()
    expect(page.locator("#merge-state")).to_contain_text("both customers exist again")
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Customer)) == 2
    assert js_errors == []
