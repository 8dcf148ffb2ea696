"""Acquisition in Chromium, per role: sales registers a customer with where they came from and
sees it on the profile; marketing adds a source, enters a month's spend on the dashboard's
spend page and reads the channel, funnel and cost charts (by source and by segment) with their
tables; neither finds the other's pages in what they are shown."""

from __future__ import annotations

import re
import uuid

import pytest
import sqlalchemy as sa
from playwright.sync_api import Page, expect

from portal.customers import services
from portal.customers.models import AcquisitionSource
from portal.customers.values import ContactInfo, CustomerType
from portal.dashboards.rollups import nightly
from portal.dashboards.services import record_marketing_spend
from portal.extensions import db
from portal.models import utcnow
from tests.e2e.test_journeys_customers import field, fill_type_field, follow, open_directory
from tests.e2e.test_journeys_customers import sign_in as sign_in_home
from tests.e2e.test_layout import AXE, AXE_RUN, DESKTOP, PHONE, TOO_WIDE, signed_in_context
from tests.factories import TYPE_DATA, new_customer

pytestmark = pytest.mark.e2e


def test_sales_register_a_customer_with_channel_and_source(page: Page, make_user, js_errors):
    user = make_user("sales")
    open_directory(page, user.email)
    follow(page, page.get_by_role("link", name="New customer"), "New customer")
    field(page, "Type of customer").select_option(CustomerType.TOURIST.value)
    form = page.locator("#customer-form")
    field(form, "Name").fill("Tess Traveller")
    field(form, "E-mail").fill("tess@example.org")
    for key, value in TYPE_DATA[CustomerType.TOURIST].items():
        fill_type_field(form, key, value)
    field(form, "Acquisition source").select_option(label="Food festivals")
    form.get_by_role("button", name="Register customer").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Tess Traveller")
    panel = page.locator("section", has=page.get_by_role("heading", name="How they found EFI"))
    expect(panel.locator('[data-glance="acquisition-channel"]')).to_have_text("Events and tastings")
    expect(panel.locator('[data-glance="acquisition-source"]')).to_have_text("Food festivals")
    page.goto("/dashboards/")
    expect(page.get_by_role("link", name="Customer acquisition")).to_have_count(0)
    assert js_errors == []


@pytest.fixture
def instagram_customers(staff):
    for n in range(2):
        data = new_customer(
            name=f"Gram {n}",
            contact=ContactInfo(email=f"gram{n}@example.org"),
            acquisition_source="INSTAGRAM",
        )
        services.register_customer(staff, data)
    db.session.commit()


def test_marketing_adds_a_source_enters_spend_and_reads_the_cost(
    page: Page, make_user, js_errors, instagram_customers
):
    marketer = make_user("marketing")
    sign_in_home(page, marketer.email)
    nav = page.get_by_role("navigation", name="Main")
    follow(page, nav.get_by_role("link", name="Dashboards"), "Dashboards")
    follow(page, page.get_by_role("link", name="Customer acquisition"), "Customer acquisition")

    follow(page, page.get_by_role("link", name="Acquisition sources"), "Acquisition sources")
    code = f"PODCAST_{uuid.uuid4().hex[:6].upper()}"
    field(page, "Name").fill(f"Food podcast {code}")
    field(page, "Code").fill("not a code")
    field(page, "Channel").select_option(label="Partners and distributors")
    page.get_by_role("button", name="Add source").click()
    expect(page.locator("#code-error")).to_contain_text("Use capitals")
    field(page, "Code").fill(code)
    page.get_by_role("button", name="Add source").click()
    expect(page.get_by_role("status")).to_contain_text("added to the acquisition sources")
    expect(page.get_by_role("cell", name=code, exact=True)).to_be_visible()
    db.session.execute(sa.delete(AcquisitionSource).where(AcquisitionSource.code == code))
    db.session.commit()  # the list outlives the test's other rows

    follow(page, page.get_by_role("link", name="acquisition dashboard"), "Customer acquisition")
    follow(page, page.get_by_role("link", name="Enter marketing spend"), "Marketing spend")
    month = utcnow().strftime("%Y-%m")
    field(page, "Acquisition source").select_option(label="Instagram")
    field(page, "Month").fill(month)
    field(page, "Amount spent").fill("12,50")
    page.get_by_role("button", name="Save spend").click()
    expect(page.locator("#amount-error")).to_be_visible()
    field(page, "Amount spent").fill("250.00")
    page.get_by_role("button", name="Save spend").click()
    expect(page.get_by_role("status")).to_contain_text(f"Spend for {month} saved.")
    expect(page.get_by_role("cell", name="$250.00")).to_be_visible()

    follow(page, page.get_by_role("link", name="acquisition dashboard"), "Customer acquisition")
    field(page, "Acquisition channel").select_option(label="Social media")
    expect(page).to_have_url(re.compile(r"channel=SOCIAL"))
    cost = page.locator("figure.chart", has_text="Acquisition cost per new customer")
    expect(cost.locator("canvas")).to_be_visible()
    cost.get_by_text("Show the data").click()
    expect(cost.get_by_role("columnheader", name="Instagram (USD)")).to_be_visible()
    expect(cost.locator("td").first).to_have_text("125")
    funnel = page.locator("figure.chart", has_text="Verification funnel by channel")
    funnel.get_by_text("Show the data").click()
    expect(funnel.get_by_role("rowheader", name="Social media")).to_be_visible()
    assert js_errors == []


def test_the_acquisition_pages_pass_axe_and_fit_a_phone(
    app, browser, live_server, make_user, instagram_customers
):
    """The sweep of every page (test_layout) covers these too; this checks them alone, with
    the charts, the spend table and the source list filled in."""
    marketer = make_user("marketing")
    context = signed_in_context(browser, app, live_server, marketer, viewport=DESKTOP)
    context.add_init_script(path=str(AXE))
    page = context.new_page()
    problems = []
    for url in ("/dashboards/acquisition", "/dashboards/acquisition/spend"):
        page.goto(url)
        for size in (DESKTOP, PHONE):
            page.set_viewport_size(size)
            problems += [f"{url} at {size['width']}: {v}" for v in page.evaluate(AXE_RUN)]
        if (overflow := page.evaluate(TOO_WIDE)) > 0:
            problems.append(f"{url} is {overflow} px wider than a phone")
        page.set_viewport_size(DESKTOP)
    page.goto("/customers/acquisition-sources")
    page.set_viewport_size(PHONE)
    problems += page.evaluate(AXE_RUN)
    if (overflow := page.evaluate(TOO_WIDE)) > 0:
        problems.append(f"the sources are {overflow} px wider than a phone")
    context.close()
    assert not problems, "\n".join(problems)


def test_marketing_reads_the_cost_by_segment(
    page: Page, make_user, js_errors, staff, instagram_customers
):
    """Two Instagram customers in B2C general (the snapshot of last night), 250 USD spent on
    Instagram this month: 125 USD each, so the segment's CAC is 125."""
    record_marketing_spend(staff, "INSTAGRAM", utcnow().date().replace(day=1), "USD", 250_00)
    nightly(utcnow().date())
    db.session.commit()
    marketer = make_user("marketing")
    sign_in_home(page, marketer.email)
    page.goto("/dashboards/acquisition")
    field(page, "Segment").select_option(label="B2C general")
    expect(page).to_have_url(re.compile(r"segment="))
    panel = page.locator("section.panel", has=page.get_by_role("heading", name="by segment"))
    expect(panel).to_contain_text("shared equally among the customers it brought that month")
    cost = panel.locator("figure.chart")
    expect(cost.locator("canvas")).to_be_visible()
    cost.get_by_text("Show the data").click()
    expect(cost.get_by_role("columnheader", name="CAC (USD)")).to_be_visible()
    expect(cost.get_by_role("rowheader", name="B2C general")).to_be_visible()
    expect(cost.locator("td").first).to_have_text("125")
    csv = panel.get_by_role("link", name=re.compile("CSV"))
    expect(csv).to_have_attribute("href", re.compile(r"cost-segment\.csv\?.*segment="))
    assert js_errors == []
