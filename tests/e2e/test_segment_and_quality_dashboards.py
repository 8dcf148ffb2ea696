"""The new panels in a real browser, per role: marketing reads velocity, performance and lift on
the segmentation dashboard and downloads a panel's CSV; a customer manager narrows the data
quality dashboard to a segment (the URL follows) and reads the address checks; an administrator
opens both."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from portal.customers.services import add_address
from portal.customers.values import CustomerType
from portal.dashboards.rollups import nightly
from portal.extensions import db
from portal.models import utcnow
from tests.conftest import DEFAULT_PASSWORD
from tests.e2e.test_segmentation import customer_with_orders
from tests.e2e.test_sign_in import sign_in_locally
from tests.factories import address

pytestmark = pytest.mark.e2e


@pytest.fixture
def snapshotted(staff):
    """Two tourists in the B2C fallback segment, one with a checked address, and tonight's
    snapshots taken."""
    tia = customer_with_orders(staff, "Tia Tourist", CustomerType.TOURIST, [(1, 20_00)])
    customer_with_orders(staff, "Ted Tourist", CustomerType.TOURIST)
    add_address(staff, tia.id, address(country="gb", postal_code="SW1A 1AA"))
    nightly(utcnow().date())
    db.session.commit()


def _panel(page: Page, title: str):
    return page.locator("section.panel", has=page.get_by_role("heading", name=title))


def _read_segments(page: Page) -> None:
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Dashboards").click()
    page.get_by_role("link", name="Segmentation").click()
    velocity = _panel(page, "Velocity: median days in a segment before moving")
    expect(velocity).to_be_visible()
    revenue = _panel(page, "Revenue and average order per segment, last 90 days")
    expect(revenue.locator("canvas")).to_be_visible()  # drawn by Chart.js
    revenue.get_by_text("Show the data").click()  # the table stays for screen readers
    expect(revenue.get_by_role("rowheader", name="B2C general")).to_be_visible()
    expect(
        _panel(page, "Churn band mix per segment (% of members)").locator("canvas")
    ).to_be_visible()
    expect(
        _panel(page, "Lift: revenue per member in the next 90 days over everyone's")
    ).to_be_visible()
    with page.expect_download() as download:
        revenue.get_by_role("link", name=re.compile("CSV")).click()
    lines = download.value.path().read_text().splitlines()
    assert lines[0].startswith("Segment,Revenue (USD),Average order (USD)")
    assert lines[1].startswith("B2C general,20.0,20.0,2,1,")


def _read_quality(page: Page) -> None:
    page.goto("/dashboards/")
    page.get_by_role("link", name="Data quality", exact=True).click()
    page.wait_for_load_state()  # htmx (deferred) listens to the filters only once loaded
    page.get_by_label("Segment", exact=True).select_option(label="B2C general")
    expect(page).to_have_url(re.compile(r"segment=[0-9a-f-]{36}"))
    by_segment = _panel(page, "Fields filled in, by segment (% of customers)")
    expect(by_segment.locator("canvas")).to_be_visible()
    by_segment.get_by_text("Show the data").click()
    expect(by_segment.get_by_role("rowheader", name="B2C general")).to_be_visible()
    checks = _panel(page, "Address checks by country and outcome")
    checks.get_by_text("Show the data").click()
    expect(checks.get_by_role("rowheader", name="GB")).to_be_visible()
    link = checks.get_by_role("link", name=re.compile("CSV"))
    expect(link).to_have_attribute("href", re.compile(r"segment=[0-9a-f-]{36}"))


def test_marketing_reads_velocity_performance_and_lift(page: Page, make_user, snapshotted):
    marketer = make_user("marketing", email="mia.marketing@staff.efi.example")
    sign_in_locally(page, marketer.email, DEFAULT_PASSWORD)
    _read_segments(page)
    page.goto("/dashboards/")
    expect(page.get_by_role("link", name="Data quality", exact=True)).to_have_count(0)


def test_customer_manager_reads_completeness_and_address_checks(page: Page, make_user, snapshotted):
    manager = make_user("sales", email="sam.sales@staff.efi.example")
    sign_in_locally(page, manager.email, DEFAULT_PASSWORD)
    _read_quality(page)
    page.goto("/dashboards/")
    expect(page.get_by_role("link", name="Segmentation")).to_have_count(0)


def test_administrator_reads_both(page: Page, make_user, snapshotted):
    admin = make_user("administrator", email="ada.admin@staff.efi.example")
    sign_in_locally(page, admin.email, DEFAULT_PASSWORD)
    _read_segments(page)
    _read_quality(page)
