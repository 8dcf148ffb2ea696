"""A marketing admin segments restaurants in a real browser: the nested rule built in the
editor with the preview following each edit, saved, recomputed from the button, the reason on a
customer's segment panel, and an override with an expiry."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from babel.dates import format_date
from playwright.sync_api import Page, expect

from portal.customers import services
from portal.customers.values import ContactInfo, CustomerType
from portal.extensions import db
from portal.models import utcnow
from portal.segmentation import behaviour
from portal.segmentation.models import CustomerSegment
from tests.conftest import DEFAULT_PASSWORD
from tests.e2e.htmx import settled
from tests.e2e.test_sign_in import sign_in_locally
from tests.factories import new_customer

pytestmark = pytest.mark.e2e


def customer_with_orders(staff, name: str, customer_type: CustomerType, orders=(), **type_data):
    """A customer with `orders` as (days ago, amount in cents)."""
    contact = ContactInfo(email=f"{name.lower().replace(' ', '.')}@example.org")
    data = new_customer(customer_type, name=name, contact=contact)
    data.type_data.update(type_data)
    customer = services.register_customer(staff, data)
    now = utcnow()
    for i, (days_ago, amount) in enumerate(orders):
        behaviour.record_order_placed(
            customer.id, f"{name}-{i}", amount, "USD", now - timedelta(days=days_ago)
        )
    db.session.commit()
    return customer


def restaurant(staff, name: str, seats: int, orders: list[tuple[int, int]]):
    """A Creole full-service restaurant of `seats` seats with `orders`."""
    return customer_with_orders(
        staff,
        name,
        CustomerType.FULL_SERVICE_RESTAURANT,
        orders,
        cuisine_type="Creole",
        seating_capacity=seats,
    )


def redrawn(response) -> bool:
    """The builder's own redraw (the form's preview may go to the same URL, see the view)."""
    return response.request.headers.get("hx-target") == "rule-builder"


def condition(page: Page, path: str):
    return page.locator(f'[data-path="{path}"]')


def expect_matching(page: Page, count: int) -> None:
    expect(page.locator("#preview-matching")).to_have_text(str(count))


def set_condition(page: Page, path: str, field: str, value: str) -> None:
    """Pick the field (the builder is redrawn for it), then type the value."""
    with page.expect_response(redrawn):
        condition(page, path).get_by_label("Field").select_option(label=field)
    settled(page)  # the old Value box stays until the redraw is swapped in
    condition(page, path).get_by_label("Value").fill(value)


def test_marketing_segments_busy_big_restaurants(page: Page, live_server, make_user, staff):
    busy = restaurant(staff, "Busy Big", 120, [(5, 50_00), (20, 50_00), (40, 50_00)])
    restaurant(staff, "Big Spender", 90, [(10, 2_500_00)])
    restaurant(staff, "Small Room", 20, [(1, 10_00), (2, 10_00), (3, 10_00)])
    marketer = make_user("marketing", email="mia.marketing@staff.efi.example")
    sign_in_locally(page, marketer.email, DEFAULT_PASSWORD)

    page.goto("/segments/new?type=B2B")
    page.get_by_label("Name").fill("Busy big restaurants")
    with page.expect_response(redrawn):
        page.get_by_role("button", name="+ Condition").click()
    set_condition(page, "r.0", "Seating capacity", "80")
    expect_matching(page, 2)

    # (orders in the last 90 days ≥ 3 OR spend in the last 90 days ≥ 2,000.00)
    with page.expect_response(redrawn):
        page.get_by_role("button", name="+ Group").last.click()
    set_condition(page, "r.1.0", "Orders in the last N days", "3")
    expect(condition(page, "r.1.0").get_by_label("Number of days")).to_have_value("90")
    expect_matching(page, 1)
    with page.expect_response(redrawn):
        condition(page, "r.1").get_by_role("button", name="+ Condition").click()
    set_condition(page, "r.1.1", "Spend in the last N days", "2,000.00")
    expect_matching(page, 2)
    expect(page.locator("#preview-in")).to_have_text("2")

    page.get_by_role("button", name="Save segment").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile("Segments"))
    page.get_by_role("button", name="Recompute now").click()
    expect(page.locator('[data-segment="Busy big restaurants"]')).to_have_text("2")

    page.goto(f"/segments/customers/{busy.id}")
    expect(page.locator("#current-segment")).to_have_text("Busy big restaurants")
    why = page.locator(".why")
    expect(why).to_contain_text("Rule matched")
    expect(why).to_contain_text("Orders in the last 90 days 3")
    expect(why).to_contain_text("Seating capacity 120")

    page.get_by_role("link", name="Override segment…").click()
    until = (utcnow() + timedelta(days=30)).replace(second=0, microsecond=0)
    page.get_by_role("combobox", name="Segment").select_option(label="B2B general")
    page.get_by_label("Justification").fill("Renovating: closed until spring")
    page.get_by_label("Until (UTC)").fill(until.strftime("%Y-%m-%dT%H:%M"))
    page.get_by_role("button", name="Override segment").click()
    expect(page.locator("#current-segment")).to_have_text("B2B general")
    expect(page.locator(".override")).to_contain_text("Renovating: closed until spring")
    # The date as the formatter shows it to Chromium's en-US.
    expect(page.locator(".override")).to_contain_text(format_date(until, "medium", locale="en_US"))

    db.session.expire_all()
    assert db.session.get(CustomerSegment, busy.id).override_until == until
