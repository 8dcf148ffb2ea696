"""Every link of the main navigation opens for the person it is shown to: each staff role, a
user with no role (an SSO user whose groups map to none), and customers' people."""

from __future__ import annotations

import re

import pytest
from flask.testing import FlaskClient

from portal.navigation import NavGroup, NavItem, bar, navigation_for
from portal.security.models import User
from portal.security.permissions import SIGNED_IN
from tests.conftest import ROLE_NAMES, sign_in_client
from tests.unit.organizations.factories import external, grill_group


def navigation_links(client: FlaskClient) -> list[str]:
    home = client.get("/")
    assert home.status_code == 200
    (nav,) = re.findall(r'<nav aria-label="Main">(.*?)</nav>', home.text, re.S)
    return re.findall(r'href="([^"]+)"', nav)


def assert_every_link_opens(client: FlaskClient, user: User) -> list[str]:
    sign_in_client(client, user)
    links = navigation_links(client)
    for href in links:
        response = client.get(href, follow_redirects=True)
        assert response.status_code == 200, href
    return links


@pytest.mark.parametrize("role", [None, *ROLE_NAMES])
def test_staff_see_only_links_they_may_open(client, make_user, role):
    assert_every_link_opens(client, make_user(*([role] if role else [])))


def test_a_user_with_no_role_sees_home_and_approvals_only(client, make_user):
    assert assert_every_link_opens(client, make_user()) == ["/", "/approvals/"]


def test_customers_people_see_organisations_only_with_a_membership(client, staff, make_user):
    member = external(grill_group(staff)["miami"], "Buyer")

    assert "/organizations/" in assert_every_link_opens(client, member)
    assert "/organizations/" not in assert_every_link_opens(
        client, make_user(kind="external", email="nobody@customer.example")
    )


def test_the_bar_puts_each_menu_where_its_first_entry_is_and_a_menu_of_one_is_a_link():
    home, a, b, c, d = (
        NavItem("Home", "home.index", SIGNED_IN),
        NavItem("A", "a", SIGNED_IN, group="Menu"),
        NavItem("B", "b", SIGNED_IN),
        NavItem("C", "c", SIGNED_IN, group="Menu"),
        NavItem("D", "d", SIGNED_IN, group="Alone"),
    )
    assert bar([home, a, b, c, d]) == [home, NavGroup("Menu", (a, c)), b, d]


def test_the_administrators_bar_has_three_menus(make_user):
    menus = [e for e in bar(navigation_for(make_user("administrator"))) if isinstance(e, NavGroup)]
    assert [(m.label, len(m.items)) for m in menus] == [
        ("Review", 2),
        ("Segments", 2),
        ("Admin", 6),
    ]
