"""Signing in and out in a real browser: single sign-on, local accounts, a denied page."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from playwright.sync_api import Page, expect

from portal.auth.services import GENERIC_FAILURE
from portal.extensions import db
from portal.navigation import NavGroup, NavItem, bar, navigation_for
from portal.security import audit
from portal.security.models import AuthSession, User
from tests.conftest import DEFAULT_PASSWORD
from tests.oidc import SpecProvider

pytestmark = pytest.mark.e2e

SIGN_IN_PATH = re.compile(r"/auth/sign-in(\?.*)?$")


def nav(page: Page):
    return page.get_by_role("navigation", name="Main")


def follow_nav(page: Page, label: str) -> None:
    """Follow a link of the main navigation, opening the menu it sits in first."""
    expect(nav(page)).to_be_visible()  # the signed-in page, not the sign-in form
    link = page.get_by_role("link", name=label, exact=True, include_hidden=True)
    closed = nav(page).locator("details.nav-group:not([open])").filter(has=link)
    if closed.count():
        closed.locator("summary").click()
    nav(page).get_by_role("link", name=label, exact=True).click()


def sign_in_locally(page: Page, email: str, password: str = DEFAULT_PASSWORD) -> None:
    page.goto("/auth/sign-in")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in", exact=True).click()


def sign_out(page: Page) -> None:
    """From the signed-in person's menu at the end of the bar."""
    page.locator(".account summary").click()
    page.get_by_role("button", name="Sign out").click()


def sign_in_with_sso(page: Page, provider: SpecProvider, sub: str) -> None:
    """From the sign-in page through the provider's form (shown only without its session)."""
    page.get_by_role("link", name="Sign in with Single sign-on").click()
    expect(page).to_have_url(re.compile("^" + re.escape(provider.issuer) + "/"))
    page.get_by_label("Subject").fill(sub)
    page.get_by_role("button", name="Authorize").click()


def test_sign_in_with_sso_then_sign_out_of_the_provider_too(
    page: Page, live_server, oidc_provider, js_errors
):
    """The provider sends e-mail, name and groups only from UserInfo, as the specification's
    defaults have it; signing out of the portal signs out of the provider too."""
    oidc_provider.set_user(
        "sam-sales",
        email="sam.sales@staff.efi.example",
        name="Sam Sales",
        groups=["efi-sales", "some-unmapped-group"],
    )

    page.goto("/")
    expect(page).to_have_url(SIGN_IN_PATH)
    sign_in_with_sso(page, oidc_provider, "sam-sales")

    expect(page).to_have_url(f"{live_server}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome, Sam Sales")
    expect(page.locator(".my-roles .badge")).to_have_text(["Sales"])

    user = db.session.scalar(sa.select(User).where(User.oidc_subject == "sam-sales"))
    assert user.email == "sam.sales@staff.efi.example"
    entries = bar(navigation_for(user))
    expected = [entry.label for entry in entries if isinstance(entry, NavItem)]
    assert "Home" in expected
    # Some entries carry a live count after their label ("Approvals 3").
    expect(nav(page).get_by_role("link")).to_have_text(
        [re.compile("^" + re.escape(label)) for label in expected]
    )
    for menu in (entry for entry in entries if isinstance(entry, NavGroup)):
        nav(page).locator("summary", has_text=menu.label).click()
        for item in menu.items:  # behind their group's menu
            expect(nav(page).get_by_role("link", name=item.label)).to_be_visible()
    expect(nav(page).get_by_role("link", name="Audit log")).to_have_count(0)
    expect(nav(page).get_by_role("link", name="Roles")).to_have_count(0)

    sign_out(page)
    expect(page).to_have_url(SIGN_IN_PATH)
    expect(page.get_by_role("status")).to_contain_text("You are signed out.")
    expect(nav(page)).to_have_count(0)

    page.get_by_role("link", name="Sign out of Single sign-on too").click()
    expect(page).to_have_url(SIGN_IN_PATH)
    (logout,) = oidc_provider.logouts
    assert logout["post_logout_redirect_uri"] == f"{live_server}/auth/sign-in"
    assert logout["id_token_hint"].count(".") == 2

    # The provider's session ended too: it asks who signs in instead of going straight through.
    page.get_by_role("link", name="Sign in with Single sign-on").click()
    expect(page.get_by_label("Subject")).to_be_visible()
    page.goto("/")
    expect(page).to_have_url(SIGN_IN_PATH)
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    assert js_errors == []


def test_sso_user_without_a_mapped_group_sees_only_what_they_may_open(
    page: Page, live_server, oidc_provider, js_errors
):
    oidc_provider.set_user(
        "nora-none", email="nora@staff.efi.example", name="Nora None", groups=["unmapped"]
    )
    page.goto("/auth/sign-in")
    sign_in_with_sso(page, oidc_provider, "nora-none")
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome, Nora None")

    links = nav(page).get_by_role("link")
    expect(links).to_have_text(["Home", re.compile("^Approvals")])
    for label in ["Approvals", "Home"]:
        with page.expect_navigation() as opened:
            nav(page).get_by_role("link", name=re.compile("^" + label)).click()
        assert opened.value is not None
        assert opened.value.status == 200, label
    assert js_errors == []


def test_local_admin_filters_the_audit_log_with_htmx(page: Page, make_user, js_errors):
    admin = make_user("administrator", email="ada.admin@staff.efi.example")
    audit.record_now(
        "access.denied",
        outcome=audit.DENIED,
        actor="someone.else@staff.efi.example",
        summary="GET /admin/roles needs admin:roles:read",
    )

    sign_in_locally(page, admin.email)
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Welcome, {admin.name}")
    nav(page).locator("summary", has_text="Admin").click()  # the administrator's pages
    expect(nav(page).get_by_role("link", name="Roles")).to_be_visible()
    audit_link = nav(page).get_by_role("link", name="Audit log")
    expect(audit_link).to_be_visible()

    audit_link.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Audit log")
    page.wait_for_load_state()  # htmx (deferred) listens to the filters only once loaded
    results = page.locator("#audit-results")
    sign_in_row = results.locator("tbody tr", has_text="auth.sign_in")
    expect(sign_in_row).to_have_count(1)
    expect(sign_in_row).to_contain_text(admin.email)
    expect(sign_in_row).to_contain_text(re.compile("success", re.IGNORECASE))
    expect(results.locator(".count")).to_have_text("2 entries")

    # A full page load would lose this; an HTMX swap of #audit-results keeps it.
    page.evaluate("window.__e2eMarker = 'still here'")
    with page.expect_response(
        lambda r: "/admin/audit?" in r.url and r.request.headers.get("hx-request") == "true"
    ) as answer:
        page.get_by_label("Action").select_option("access.denied")
    assert answer.value.status == 200
    expect(results.locator(".count")).to_have_text("1 entry")
    expect(results.locator("tbody tr")).to_have_count(1)
    expect(results.locator("tbody tr")).to_contain_text("access.denied")
    expect(page).to_have_url(re.compile(r"/admin/audit\?.*action=access\.denied"))
    assert page.evaluate("window.__e2eMarker") == "still here"
    # the form is outside the swapped block and keeps its value
    expect(page.get_by_label("Action")).to_have_value("access.denied")

    page.get_by_label("Action").select_option("auth.sign_in")
    expect(results.locator(".count")).to_have_text("1 entry")
    expect(results.locator("tbody tr")).to_contain_text(admin.email)
    assert page.evaluate("window.__e2eMarker") == "still here"
    assert js_errors == []


def test_sales_user_is_refused_the_audit_log(page: Page, make_user, js_errors):
    user = make_user("sales")
    sign_in_locally(page, user.email)
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Welcome, {user.name}")

    response = page.goto("/admin/audit")
    assert response is not None
    assert response.status == 403
    expect(page.get_by_role("heading", level=1)).to_have_text("Not allowed")
    expect(page.locator(".error-page")).to_contain_text(
        "Your role does not allow this page or action."
    )
    expect(nav(page).get_by_role("link", name="Audit log")).to_have_count(0)
    assert js_errors == []


def test_wrong_password_shows_generic_error_and_opens_no_session(page: Page, make_user, js_errors):
    user = make_user("administrator")
    with page.expect_response(lambda r: r.request.method == "POST") as answer:
        sign_in_locally(page, user.email, password="not the password")
    assert answer.value.status == 401

    expect(page.get_by_role("alert")).to_have_text(GENERIC_FAILURE)
    expect(page.get_by_label("Password")).to_have_value("")
    expect(nav(page)).to_have_count(0)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuthSession)) == 0

    page.goto("/")
    expect(page).to_have_url(SIGN_IN_PATH)
    assert js_errors == []
