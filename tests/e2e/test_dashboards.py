"""The dashboards in a real browser: marketing opens acquisition and segmentation from the
navigation, narrows a filter (the URL follows, so the view can be bookmarked) and sees the chart
with its table; a compliance officer opens the compliance dashboard with the data quality."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from portal.customers.values import CustomerType
from tests.conftest import DEFAULT_PASSWORD
from tests.e2e.htmx import settled
from tests.e2e.test_segmentation import customer_with_orders
from tests.e2e.test_sign_in import sign_in_locally

pytestmark = pytest.mark.e2e


@pytest.fixture
def tourists(staff):
    """Two tourists, first assigned to the B2C fallback segment."""
    customer_with_orders(staff, "Tia Tourist", CustomerType.TOURIST, [(1, 20_00)])
    customer_with_orders(staff, "Ted Tourist", CustomerType.TOURIST)


def test_marketing_reads_acquisition_and_segmentation(page: Page, make_user, tourists):
    marketer = make_user("marketing", email="mo.marketing@staff.efi.example")
    sign_in_locally(page, marketer.email, DEFAULT_PASSWORD)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Dashboards").click()
    page.get_by_role("link", name="Customer acquisition").click()
    expect(page.get_by_role("heading", name="Customer acquisition", level=1)).to_be_visible()
    settled(page)  # htmx listens to the filters once loaded
    page.get_by_label("Count per").select_option("day")
    expect(page).to_have_url(re.compile(r"by=day"))
    figure = page.locator("figure.chart").first
    expect(figure.locator("canvas")).to_be_visible()  # drawn by Chart.js
    figure.get_by_text("Show the data").click()  # the table stays for screen readers
    expect(figure.get_by_role("columnheader", name="Tourist")).to_be_visible()

    page.goto("/dashboards/")
    page.get_by_role("link", name="Segmentation").click()
    moves = page.locator("figure.chart", has_text="Moves between segments")
    expect(moves.locator("canvas")).to_be_visible()
    moves.get_by_text("Show the data").click()
    expect(moves.get_by_role("rowheader", name="First assignment → B2C general")).to_be_visible()
    page.get_by_label("From").fill("2026-01-01")
    page.get_by_role("button", name="Show").click()
    expect(page).to_have_url(re.compile(r"from=2026-01-01"))
    expect(page.locator("figure.chart canvas").first).to_be_visible()


def test_compliance_officer_sees_data_quality(page: Page, make_user, tourists):
    officer = make_user("compliance_officer", email="cora.compliance@staff.efi.example")
    sign_in_locally(page, officer.email, DEFAULT_PASSWORD)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Dashboards").click()
    page.get_by_role("link", name="Compliance and data quality").click()
    completeness = page.locator("figure.chart", has_text="Fields filled in")
    expect(completeness.locator("canvas")).to_be_visible()  # drawn: the table is folded away
    completeness.get_by_text("Show the data").click()
    expect(completeness.get_by_role("rowheader", name="Tourist")).to_be_visible()
    expect(page.get_by_role("link", name="Acquisition")).to_have_count(0)
