"""Insights in a real browser: sales opens a customer's Insights tab from the at-risk list and
downloads the list; marketing builds a rule on the churn band with the preview following; sales
sees what to suggest to a restaurant and how its orders compare with its peers'."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from portal.customers.services import register_customer
from portal.customers.values import CustomerType
from portal.extensions import db
from portal.insights import recommendations
from portal.insights.models import COUNTS
from portal.models import utcnow
from tests.conftest import DEFAULT_PASSWORD
from tests.e2e.test_layout import AXE, accessibility_problems
from tests.e2e.test_segmentation import condition, expect_matching, redrawn
from tests.e2e.test_sign_in import follow_nav, sign_in_locally
from tests.factories import new_customer
from tests.insights_world import bought, customer, good_run, orders, scores

JERK = ("prod-jerk-seasoning", "seasonings")
SAUCE = ("prod-scotch-bonnet-sauce", "hot sauces")
ACKEE = ("prod-ackee", "produce")

pytestmark = pytest.mark.e2e


@pytest.fixture
def at_risk(staff):
    run = good_run()
    marcia = customer(staff, "Marcia Campbell")
    orders(marcia, (94, 4200), (115, 3900), (136, 4500))
    scores(marcia, run_id=run.id, clv_minor=900_000)
    small = customer(staff, "Small Spender")
    scores(small, run_id=run.id, clv_minor=5_000)
    safe = customer(staff, "Safe Regular")
    scores(safe, run_id=run.id, churn_band="low", p_alive=0.95, stage="steady")
    return run


def test_sales_opens_insights_from_home_and_follows_the_high_band(
    page: Page, make_user, at_risk, js_errors
):
    at_risk.params = at_risk.params | {
        COUNTS: {"churn_band": {"high": 2, "low": 1}, "stage": {"at risk": 2, "steady": 1}}
    }
    db.session.commit()
    seller = make_user("sales")
    page.context.add_init_script(path=str(AXE))
    sign_in_locally(page, seller.email, DEFAULT_PASSWORD)

    follow_nav(page, "Insights")
    expect(page.get_by_role("heading", level=1)).to_have_text("Insights")
    model = page.locator("#insights-model")
    expect(model).to_contain_text(f"v{at_risk.id}")
    expect(model).to_contain_text("converged")
    expect(model).to_contain_text("ago")  # how old the scores are
    expect(page.get_by_role("alert")).to_have_count(0)  # the last fit did not fail
    expect(page.locator("#insights-stages")).to_contain_text("Steady")
    stages = page.locator("#insights-stages tbody tr")
    expect(stages.filter(has_text="At risk").locator("td")).to_have_text("2")
    assert accessibility_problems(page) == []

    page.locator('[data-stat="band-high"]').click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Customers at risk")
    expect(page.locator("table.at-risk tbody tr")).to_have_count(2)
    assert js_errors == []


def test_sales_works_the_at_risk_list(page: Page, make_user, at_risk):
    seller = make_user("sales", email="sam.sales@staff.efi.example")
    sign_in_locally(page, seller.email, DEFAULT_PASSWORD)

    follow_nav(page, "Insights")
    page.get_by_role("link", name="Customers at risk").click()
    rows = page.locator("table.at-risk tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text("Marcia Campbell")
    expect(rows.first).to_contain_text("$9,000.00")

    with page.expect_download() as download:
        page.get_by_role("link", name="Download CSV").click()
    text = Path(download.value.path()).read_text(encoding="utf-8")
    names = [row["name"] for row in csv.DictReader(io.StringIO(text))]
    assert names == ["Marcia Campbell", "Small Spender"]

    page.get_by_role("link", name="Marcia Campbell").click()
    panel = page.locator("#insights-panel")
    expect(panel.locator("#insight-clv")).to_contain_text("$9,000.00")
    expect(panel.locator("#insight-why")).to_have_text(
        "Usually orders every 21 days; last order 94 days ago"
    )
    expect(panel.locator("#insight-churn")).to_contain_text("High")
    expect(panel.locator("#insight-stage")).to_contain_text("At risk")
    expect(panel.locator("#insight-age")).to_contain_text(f"by model v{at_risk.id}")
    expect(panel.locator("svg.sparkline polyline")).to_have_count(1)


def test_marketing_segments_on_churn_risk(page: Page, make_user, at_risk):
    marketer = make_user("marketing", email="mia.marketing@staff.efi.example")
    sign_in_locally(page, marketer.email, DEFAULT_PASSWORD)

    follow_nav(page, "Segments")
    page.get_by_role("link", name="New B2C segment").click()
    page.get_by_label("Name").fill("About to leave")
    with page.expect_response(redrawn):
        page.get_by_role("button", name="+ Condition").click()
    with page.expect_response(redrawn):
        condition(page, "r.0").get_by_label("Field").select_option(label="Churn risk")
    condition(page, "r.0").get_by_label("Values").select_option("high")
    expect_matching(page, 2)
    page.get_by_role("button", name="Save segment").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Segments")


@pytest.fixture
def restaurants(staff):
    """A restaurant that buys jerk seasoning but never the sauce its peers buy with it, and
    orders smaller than theirs; the nightly recommendations and upsell stored."""
    run = good_run()

    def restaurant(name: str, average: int, band: str, *products: tuple[str, str]) -> str:
        found = register_customer(
            staff, new_customer(CustomerType.FULL_SERVICE_RESTAURANT, name=name)
        ).id
        bought(found, *products)
        scores(found, run_id=run.id, average_order_minor=average, churn_band=band)
        return found

    shack = restaurant("Jerk Shack", 10_000, "high", JERK)
    for n in range(5):
        restaurant(f"Peer Kitchen {n}", 30_000, "low", JERK, SAUCE)
    for n in range(2):
        restaurant(f"Ackee House {n}", 30_000, "low", ACKEE)
    connection = db.session.connection()
    recommendations.store_recommendations(connection, utcnow(), min_pairs=2)
    recommendations.store_upsells(connection, utcnow())
    db.session.commit()
    return shack


def test_sales_sees_what_to_suggest_to_a_restaurant(page: Page, make_user, restaurants):
    seller = make_user("sales", email="sam.sales@staff.efi.example")
    sign_in_locally(page, seller.email, DEFAULT_PASSWORD)

    follow_nav(page, "Insights")
    page.get_by_role("link", name="Customers at risk").click()
    page.get_by_role("link", name="Jerk Shack").click()
    panel = page.locator("#insights-panel")
    suggestions = panel.get_by_role("list", name="Recommended products").get_by_role("listitem")
    expect(suggestions).to_have_count(1)
    # 5 of the 6 jerk buyers took the sauce, against 5 of the 8 restaurants: lift 1.33.
    expect(suggestions.first).to_contain_text("prod-scotch-bonnet-sauce (hot sauces)")
    expect(suggestions.first).to_contain_text("bought by 83%")
    expect(suggestions.first).to_contain_text("customers who buy prod-jerk-seasoning; lift 1.3")
    expect(panel.locator("#insight-upsell")).to_contain_text(
        "average order $100.00 against a median of $300.00 among 7 other"
    )
    expect(panel.locator("#insight-upsell")).to_contain_text("room for about $200.00 more")
    expect(panel.locator("#insight-favourites")).to_contain_text("seasonings")
