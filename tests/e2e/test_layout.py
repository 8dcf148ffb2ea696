"""Every page as each kind of user sees it, on a desktop (1440 px) and a phone (390 px): axe-core
finds no critical or serious accessibility violation and no page is wider than the screen.
Then what a phone user and a keyboard user do: the menu button, the Admin menu, the modal
decision dialog, the confirmation before closing an account, the busy recompute, the chart."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from playwright.sync_api import Browser, BrowserContext, Locator, Page, expect

from portal.extensions import db
from portal.segmentation import services as segmentation
from portal.segmentation.models import SegmentHistory
from tests.conftest import sign_in_client
from tests.crawler import get_rules, route_urls
from tests.e2e.conftest import TIMEOUT_MS
from tests.e2e.test_sign_in import sign_in_locally, sign_out
from tests.world import build_world

pytestmark = pytest.mark.e2e

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
DESKTOP, PHONE = {"width": 1440, "height": 900}, {"width": 390, "height": 844}
# One of each kind of person: together they open every page of the portal.
SWEEP_ROLES = ["Administrator", "Compliance officer", "Marketing", "Finance", "Grill Group admin"]
AXE_RUN = """() => axe.run(document, {resultTypes: ["violations"]}).then(r => r.violations
    .filter(v => v.impact === "critical" || v.impact === "serious")
    .map(v => v.id + " (" + v.impact + "): "
        + v.nodes.slice(0, 3).map(n => n.target.join(" ")).join(", ")))"""
TOO_WIDE = "() => document.documentElement.scrollWidth - window.innerWidth"


def accessibility_problems(page: Page) -> list[str]:
    """axe-core's critical and serious findings on the page as it stands, at 1440 px and at
    390 px (the page's context was made with `add_init_script(path=AXE)`), and the page
    being wider than the phone."""
    problems = []
    for size in (DESKTOP, PHONE):
        page.set_viewport_size(size)
        problems += [f"{page.url} at {size['width']}: {v}" for v in page.evaluate(AXE_RUN)]
    if (overflow := page.evaluate(TOO_WIDE)) > 0:
        problems.append(f"{page.url} is {overflow} px wider than a 390 px screen")
    page.set_viewport_size(DESKTOP)
    return problems


def signed_in_context(browser: Browser, app, live_server: str, user, **options) -> BrowserContext:
    """A browser already signed in as `user` (the session made as the crawl tests make it)."""
    client = app.test_client()
    sign_in_client(client, user)
    cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"])
    context = browser.new_context(base_url=live_server, **options)
    context.set_default_timeout(TIMEOUT_MS)
    context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": live_server}])
    return context


def html_pages(app, client) -> list[str]:
    """One URL per GET page the crawler knows (filled with real ids) that answers this person
    with a page: downloads, JSON, fragments and pages they may not open are left out."""
    by_endpoint = {}
    with app.test_request_context():
        endpoints = {rule.rule: rule.endpoint for rule in get_rules(app)}
    for url in route_urls(app):
        response = client.get(url)
        endpoint = next((e for r, e in endpoints.items() if _matches(r, url)), url)
        # Fragments (a tree branch) are parts of a page, checked on the page that loads them.
        whole = "<html" in response.get_data(as_text=True)
        if response.status_code == 200 and response.mimetype == "text/html" and whole:
            by_endpoint.setdefault(endpoint, url)
    return list(by_endpoint.values())


def _matches(rule: str, url: str) -> bool:
    pattern = re.sub(r"<[^>]+>", "[^/]+", rule)
    return re.fullmatch(pattern, url.split("?")[0]) is not None


def test_no_page_has_a_serious_accessibility_violation_or_is_wider_than_a_phone(
    app, browser, live_server
):
    world = build_world()
    visited, problems = set(), []
    for role in SWEEP_ROLES:
        client = app.test_client()
        sign_in_client(client, world.users[role])
        urls = [url for url in html_pages(app, client) if url not in visited]
        visited.update(urls)
        context = signed_in_context(browser, app, live_server, world.users[role], viewport=DESKTOP)
        context.add_init_script(path=str(AXE))  # as the page's own script: the CSP allows it
        page = context.new_page()
        for url in urls:
            page.goto(url)
            problems += [f"{role} {problem}" for problem in accessibility_problems(page)]
        context.close()
    print(f"{len(visited)} pages checked")
    assert len(visited) > 40
    assert not problems, "\n".join(problems)


@pytest.fixture
def phone(page: Page) -> Page:
    page.set_viewport_size(PHONE)
    return page


def test_on_a_phone_the_menu_button_opens_the_navigation_and_sign_out(phone: Page, make_user):
    sign_in_locally(phone, make_user("administrator", name="Ada Admin").email)
    menu = phone.get_by_role("button", name="Menu")
    nav = phone.get_by_role("navigation", name="Main")
    expect(menu).to_have_attribute("aria-expanded", "false")
    expect(nav).to_be_hidden()
    assert phone.evaluate(TOO_WIDE) <= 0

    menu.click()
    expect(menu).to_have_attribute("aria-expanded", "true")
    nav.locator("summary", has_text="Admin").click()
    nav.get_by_role("link", name="Audit log").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("Audit log")

    phone.get_by_role("button", name="Menu").click()
    sign_out(phone)
    expect(phone.get_by_role("heading", name="Sign in")).to_be_visible()


def bar_rows(page: Page) -> list[tuple[float, float]]:
    """The top and bottom of each thing the bar shows: the name of the portal, each link or
    menu of the navigation, the signed-in person's menu."""
    entries = page.locator(".topbar .brand, nav[aria-label=Main] > ul > li, .topbar .account")
    return [
        (box["y"], box["y"] + box["height"]) for box in map(Locator.bounding_box, entries.all())
    ]


def test_on_a_desktop_the_admin_pages_are_one_menu_and_the_bar_one_line(page: Page, make_user):
    page.set_viewport_size(DESKTOP)
    # A long name is cut short in the bar (whole in its title), so it cannot wrap it either.
    name = "Ada Augusta King, Countess of Lovelace (Administrator)"
    sign_in_locally(page, make_user("administrator", name=name).email)
    expect(page.get_by_role("button", name="Menu")).to_be_hidden()
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="Webhooks")).to_be_hidden()
    # One line: every entry of the bar overlaps the first one's row, and there are all of them.
    rows = bar_rows(page)
    assert len(rows) == 13, rows  # the name, 11 links and menus of the navigation, the person
    top, bottom = rows[0]
    assert all(y < bottom and end > top for y, end in rows), rows
    expect(page.locator(".topbar .account summary")).to_have_attribute("title", name)

    nav.locator("summary", has_text="Admin").click()
    expect(nav.get_by_role("link", name="Webhooks")).to_be_visible()
    page.keyboard.press("Escape")
    expect(nav.get_by_role("link", name="Webhooks")).to_be_hidden()

    # The keyboard reaches Sign out through the person's menu.
    account = page.locator(".topbar .account summary")
    account.focus()
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Sign out")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()


def test_a_keyboard_user_skips_to_the_content(page: Page, make_user):
    sign_in_locally(page, make_user("sales").email)
    # the Tab must reach the home page, not the sign-in page still on screen
    expect(page.get_by_role("heading", level=1)).not_to_have_text("Sign in")
    page.wait_for_load_state()
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to main content")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()


def test_the_decision_dialog_is_modal_and_gives_the_focus_back(app, browser, live_server):
    world = build_world()  # a purchase order waits for the Grill Group admin
    context = signed_in_context(browser, app, live_server, world.users["Grill Group admin"])
    page = context.new_page()
    page.goto("/approvals/")
    opener = page.locator(".decide-buttons").get_by_role("link", name="Reject").first
    opener.focus()
    page.keyboard.press("Enter")
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_label("Comment")).to_be_focused()
    assert dialog.evaluate("d => d.matches(':modal')")  # the page behind is inert, backdropped

    page.keyboard.press("Escape")
    expect(dialog).to_have_count(0)
    expect(opener).to_be_focused()

    opener.click()
    dialog.get_by_role("button", name="Reject").click()  # no comment: refused in the dialog
    expect(dialog.get_by_label("Comment")).to_be_focused()
    dialog.get_by_role("link", name="Cancel").click()
    expect(dialog).to_have_count(0)
    expect(opener).to_be_focused()
    context.close()


def test_closing_an_account_asks_first_and_names_what_happens(page: Page, make_user, customer):
    sign_in_locally(page, make_user("support").email)
    page.goto(f"/customers/{customer.id}")
    page.get_by_role("link", name="Change status").click()
    status = page.get_by_label("New status")
    expect(status).to_be_focused()  # the opened form takes the focus
    expect(status.locator("option").first).to_have_text("Active (now)")
    expect(status.locator("option").last).to_have_text("Closed")

    status.select_option(label="Closed")
    page.get_by_label("Reason").fill("Asked to leave")
    page.get_by_role("button", name="Save").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text(f"Close {customer.name}'s account? Orders and history stay")
    dialog.get_by_role("button", name="Cancel").click()
    expect(page.locator("#profile-status")).to_contain_text("Now Active")

    page.get_by_role("button", name="Save").click()
    dialog.get_by_role("button", name="Close the account").click()
    section = page.locator("#profile-status")
    expect(section).to_contain_text("A closed account is final.")
    expect(section).to_be_focused()  # the saved section takes the focus


def test_without_scripts_closing_an_account_is_a_second_step(
    browser, live_server, make_user, customer
):
    context = browser.new_context(base_url=live_server, java_script_enabled=False)
    page = context.new_page()
    sign_in_locally(page, make_user("support").email)
    page.goto(f"/customers/{customer.id}")
    page.get_by_role("link", name="Change status").click()
    page.get_by_label("New status").select_option(label="Closed")
    page.get_by_label("Reason").fill("Asked to leave")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Please confirm")
    expect(page.locator("main")).to_contain_text(f"Close {customer.name}'s account?")
    page.get_by_role("button", name="Close the account").click()
    expect(page.locator("#profile-status")).to_contain_text("A closed account is final.")
    context.close()


def test_recompute_is_busy_until_it_answers_and_cannot_be_sent_twice(page: Page, make_user):
    sign_in_locally(page, make_user("marketing").email)
    page.goto("/segments/")
    # The post is held in the page (counted, not sent), so "until it answers" lasts the test.
    page.evaluate(
        """() => { window.posts = 0;
        window.addEventListener("submit", e => { window.posts++; e.preventDefault(); }); }"""
    )
    page.get_by_role("button", name="Recompute now").click()
    busy = page.get_by_role("button", name="Working…")
    expect(busy).to_be_disabled()
    busy.click(force=True)  # a second press sends nothing
    assert page.evaluate("window.posts") == 1


def test_the_segment_report_charts_a_point_a_day_with_its_table(app, browser, live_server):
    world = build_world()
    marketing = world.users["Marketing"]
    segmentation.recompute_all(marketing.id)
    moves = db.session.scalars(sa.select(SegmentHistory).order_by(SegmentHistory.id)).all()
    for i, move in enumerate(moves):  # spread the first assignments over the last 20 days
        move.at = move.at - timedelta(days=i % 20)
    db.session.commit()
    context = signed_in_context(browser, app, live_server, marketing, viewport=DESKTOP)
    page = context.new_page()
    page.goto("/segments/report")
    figure = page.locator("figure.chart")
    expect(figure.locator("canvas")).to_be_visible()
    assert figure.locator("canvas").bounding_box()["height"] > 200
    rows = figure.locator("tbody tr")
    expect(rows).to_have_count(31)  # 30 days back to today
    last = [
        int(v)
        for v in rows.last.locator("td").evaluate_all("cells => cells.map(c => c.dataset.value)")
    ]
    first = [
        int(v)
        for v in rows.first.locator("td").evaluate_all("cells => cells.map(c => c.dataset.value)")
    ]
    assert sum(last) == len(moves)
    assert sum(first) < sum(last)  # the sizes grow over the period

    figure.get_by_text("Show the data").click()
    expect(figure.locator("table")).to_be_visible()
    drawn = figure.evaluate("f => f.chart.data.datasets.map(d => d.data.length)")
    assert set(drawn) == {31}
    context.close()
