"""The crawler signed in as every demo role: every GET route with real ids from the demo world,
as a page and as an HTMX request, then every link the pages render. No answer may be a 5xx,
and the admin of a second organisation never opens the demo organisation's records."""

from __future__ import annotations

import pytest

from tests.conftest import sign_in_client
from tests.crawler import HX, crawl, get_rules, ids, resolver, route_urls
from tests.world import World, build_world


@pytest.fixture
def world() -> World:
    return build_world()


ROLES = [
    "Sales",
    "Support",
    "Marketing",
    "Finance",
    "Compliance officer",
    "Administrator",
    "Grill Group admin",
    "Grill Group buyer",
    "outsider",
    "nobody",
]


def test_every_route_argument_hasids(app):
    missing = {
        (rule.endpoint, argument)
        for rule in get_rules(app)
        for argument in rule.arguments
        if resolver(rule, argument) is None
    }
    assert not missing, f"add ids for these route arguments to IDS: {sorted(missing)}"


@pytest.mark.parametrize("role", ROLES)
def test_no_page_answers_5xx_to_any_role(app, client, world, role):
    sign_in_client(client, world.users[role])
    failures, seen = crawl(client, route_urls(app))
    assert not failures, "\n".join(failures)
    reached = sum(status == 200 for status in seen.values())
    print(f"{role}: {len(seen)} URLs, {reached} answered 200")
    assert reached > (3 if role == "nobody" else 15)  # it reached the portal, not sign-in


def test_a_second_organisation_opens_none_of_the_demo_organisations_records(app, client, world):
    """The outsider administers organisation Z: every route holding an id of the demo
    organisation (its nodes, roles, members, purchase orders, rules) answers 403 or 404."""
    sign_in_client(client, world.users["outsider"])
    others = set(world.other_organization_nodes)
    demo_ids = set(ids("org_node")()) - others
    for table in ("org_role", "org_member", "approval_request", "approval_rule"):
        demo_ids |= set(ids(table, lambda m: m.organization_id.not_in(others))())
    opened = []
    for url in route_urls(app):
        if any(i in url for i in demo_ids):
            for headers in ({}, HX):
                status = client.get(url, headers=headers).status_code
                if status not in (401, 403, 404):
                    opened.append(f"{status} {url}")
    assert not opened, "\n".join(opened)
