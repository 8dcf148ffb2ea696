"""A double click on a create form's button makes one record: the browser sends the form
twice, the second submission answers as the first did, and the user lands on the one record."""

from __future__ import annotations

import time

import pytest
import sqlalchemy as sa
from playwright.sync_api import Page, expect

from portal.customers import services
from portal.customers.models import Customer
from portal.extensions import db
from tests.e2e.test_customer_profile import field
from tests.e2e.test_sign_in import sign_in_locally

pytestmark = pytest.mark.e2e


def test_a_double_click_on_register_makes_one_customer(page: Page, make_user, monkeypatch):
    register = services.register_customer

    def slow_register(*args, **kwargs):
        time.sleep(0.5)  # a slow save: the second click arrives while the first one runs
        return register(*args, **kwargs)

    monkeypatch.setattr(services, "register_customer", slow_register)
    sign_in_locally(page, make_user("sales").email)
    page.goto("/customers/new")
    field(page, "Type of customer").select_option("FOOD_TRUCK")
    field(page, "Name").fill("Jerk on Wheels")
    field(page, "E-mail").fill("orders@jerkonwheels.example")
    field(page, "Licence / permit").fill("MFV-2231")
    field(page, "Operating locations").fill("Downtown, Harbour front")
    field(page, "Registration number").fill("REG-5566")
    field(page, "Tax id").fill("45-6677889")
    posts: list[str] = []
    page.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)

    button = page.get_by_role("button", name="Register customer")
    button.scroll_into_view_if_needed()
    box = button.bounding_box()
    # Two clicks a human's double click apart (one event loop task apart, Chromium would
    # send only the second); the first answer is still to come when the second leaves.
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_timeout(100)
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)

    expect(page.get_by_role("heading", level=1)).to_have_text("Jerk on Wheels")
    assert [url for url in posts if url.endswith("/customers/new")] == [posts[-1]] * 2
    db.session.expire_all()
    (customer,) = db.session.scalars(sa.select(Customer))
    assert page.url.endswith(f"/customers/{customer.id}")
