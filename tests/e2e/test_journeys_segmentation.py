"""Marketing's segmentation journeys in a real browser, each from the sign-in page through home
and the main navigation, clicking what the pages render: every demo segment opened, previewed
and saved; a refused save that keeps the rule being built, then fixed, saved and recomputed; a
customer's segment overridden from their profile."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from portal.customers.values import CustomerType
from portal.extensions import db
from portal.models import utcnow
from portal.segmentation.demo import SEGMENTS
from portal.segmentation.models import Segment, SegmentRuleVersion
from portal.segmentation.services import SegmentInput, recompute_all, save_segment
from tests.e2e.test_segmentation import customer_with_orders
from tests.e2e.test_sign_in import follow_nav, nav, sign_in_locally
from tests.factories import events

pytestmark = pytest.mark.e2e


@pytest.fixture
def demo_segments(staff) -> dict[str, Segment]:
    """The demo segments (portal.segmentation.demo), saved as `seed-demo` saves them."""
    return {
        name: save_segment(staff, None, SegmentInput(name, "", segment_type, rule))
        for name, segment_type, rule in SEGMENTS
    }


@pytest.fixture
def town(staff, demo_segments) -> dict:
    """Two big restaurants (one busy), a five-star hotel and a big-spending household, with
    their segments computed."""
    customers = {
        "busy": customer_with_orders(
            staff,
            "Busy Big",
            CustomerType.FULL_SERVICE_RESTAURANT,
            [(5, 50_00), (20, 50_00), (40, 50_00)],
            seating_capacity=120,
        ),
        "quiet": customer_with_orders(
            staff, "Quiet Big", CustomerType.FULL_SERVICE_RESTAURANT, seating_capacity=90
        ),
        "hotel": customer_with_orders(
            staff, "Grand Hotel", CustomerType.HOTEL_RESTAURANT, star_rating=5
        ),
        "vip": customer_with_orders(staff, "Vera Lewis", CustomerType.EXPAT, [(3, 2_000_00)]),
    }
    recompute_all(staff.id)
    return customers


def open_segments(page: Page, make_user) -> None:
    """Sign in as a marketing user, land on home, follow the navigation to the segments."""
    marketer = make_user("marketing", name="Mia Marketing")
    sign_in_locally(page, marketer.email)
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome, Mia Marketing")
    follow_nav(page, "Segments")
    expect(page.get_by_role("heading", level=1)).to_have_text("Segments")


def segment_row(page: Page, name: str):
    return page.locator("table.segments tbody tr").filter(
        has=page.get_by_role("link", name=name, exact=True)
    )


def condition(page: Page, path: str):
    return page.locator(f'[data-path="{path}"]')


def test_marketing_opens_previews_and_saves_every_segment(
    page: Page, make_user, town, demo_segments, js_errors
):
    segments = {s.name: s for s in db.session.scalars(select(Segment))}
    assert len(segments) == len(demo_segments) + 2  # and the fallback of each type
    saved = {name: (s.rule, s.description) for name, s in segments.items()}
    open_segments(page, make_user)
    for name, segment in segments.items():
        page.get_by_role("link", name=name, exact=True).click()
        expect(page.get_by_role("heading", level=1)).to_have_text(f"Segment “{name}”")
        if segment.is_fallback:
            expect(page.get_by_text("it has no rule")).to_be_visible()
            expect(page.locator("#preview")).to_have_count(0)
        else:
            # The rule as the editor shows it is complete: the preview counts its matches.
            expect(page.locator("#preview-matching")).to_have_text(re.compile(r"^\d+$"))
        page.get_by_label("Description").fill(f"Reviewed: {name}")
        page.get_by_role("button", name="Save segment").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Segments")
        expect(segment_row(page, name)).to_contain_text(f"Reviewed: {name}")

    # Each rule came back from the editor exactly as it was saved.
    db.session.expire_all()
    for name, (rule, description) in saved.items():
        segment = db.session.get(Segment, segments[name].id)
        assert segment.rule == rule, name
        latest = db.session.get(SegmentRuleVersion, segment.rule_version_id)
        assert latest.diff == [f"description: {description!r} → 'Reviewed: {name}'"], name
    assert js_errors == []


def test_marketing_fixes_a_refused_rule_then_saves_and_recomputes(
    page: Page, make_user, town, demo_segments, js_errors
):
    open_segments(page, make_user)
    expect(page.locator('[data-segment="Busy big restaurants"]')).to_have_text("1")
    page.get_by_role("link", name="Busy big restaurants").click()
    expect(page.locator("#preview-matching")).to_have_text("1")

    seats = condition(page, "r.0").get_by_label("Value")
    seats.fill("lots")
    expect(page.locator("#preview")).to_contain_text("The preview waits for a complete rule")
    with page.expect_response(lambda r: r.url.endswith("/edit")) as answer:
        page.get_by_role("button", name="Save segment").click()
    assert answer.value.status == 422
    # The page stays, with the message at the condition and the rule as it was being built.
    expect(page.get_by_role("heading", level=1)).to_have_text("Segment “Busy big restaurants”")
    expect(condition(page, "r.0").get_by_role("alert")).to_contain_text("must be a whole number")
    expect(seats).to_have_value("lots")
    expect(condition(page, "r.1.1").get_by_label("Value")).to_have_value("2,000.00")
    expect(condition(page, "r.1.0").get_by_label("Number of days")).to_have_value("90")

    # 90 seats still let the quiet restaurant in once no recent order is asked for.
    seats.fill("90")
    condition(page, "r.1.0").get_by_label("Value").fill("0")
    expect(page.locator("#preview-matching")).to_have_text("2")
    expect(page.locator("#preview-in")).to_have_text("1")
    page.get_by_role("button", name="Save segment").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Segments")
    expect(page.locator('[data-segment="Busy big restaurants"]')).to_have_text("1")
    page.get_by_role("button", name="Recompute now").click()
    expect(page.locator('[data-segment="Busy big restaurants"]')).to_have_text("2")
    expect(page.locator(".hint").first).to_contain_text("1 moved")
    assert js_errors == []


def test_marketing_overrides_a_customers_segment_from_their_profile(
    page: Page, make_user, town, js_errors
):
    hotel = town["hotel"]
    open_segments(page, make_user)
    nav(page).get_by_role("link", name="Customers").click()
    page.get_by_label("Search").press_sequentially("Grand", delay=30)
    results = page.locator("#customer-results tbody tr")
    expect(results).to_have_count(1)
    results.get_by_role("link", name="Grand Hotel").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Grand Hotel")
    page.get_by_role("link", name="Segment", exact=True).click()
    expect(page.locator("#current-segment")).to_have_text("Hotel accounts")
    expect(page.locator(".why")).to_contain_text("Star rating 5")

    page.get_by_role("link", name="Override segment…").click()
    until = (utcnow() + timedelta(days=30)).replace(second=0, microsecond=0)
    page.get_by_role("combobox", name="Segment").select_option(label="Lapsed businesses")
    page.get_by_label("Until (UTC)").fill(until.strftime("%Y-%m-%dT%H:%M"))
    page.get_by_label("Justification").fill("  ")  # the browser's `required` lets spaces by
    page.get_by_role("button", name="Override segment").click()
    expect(page.locator("#justification-error")).to_be_visible()

    page.get_by_label("Justification").fill("Closed for renovation")
    page.get_by_role("button", name="Override segment").click()
    expect(page.locator("#current-segment")).to_have_text("Lapsed businesses")
    expect(page.locator(".override")).to_contain_text("Closed for renovation")
    expect(page.locator(".segment-history")).to_contain_text("Set by an administrator")

    # Consumers that follow segment moves hear of it like any other move.
    moved = [e for e in events("CustomerSegmentChanged") if e.aggregate_id == hotel.id]
    assert [e.payload["reasonCode"] for e in moved] == ["ADMIN_OVERRIDE"]
    assert moved[0].payload["newSegment"]["specificSegment"] == "Lapsed businesses"
    assert db.session.scalar(select(Segment.name).where(Segment.name == "Hotel accounts"))
    assert js_errors == []
