"""A crawler signed in as every demo role: every GET route with real ids from the demo world,
as a page and as an HTMX request, then every link the pages render. No answer may be a 5xx,
and the admin of a second organisation never opens the demo organisation's records.

A new route with an argument the crawler cannot fill fails `test_every_route_argument_has_ids`:
add a query for it to IDS below.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from html.parser import HTMLParser
from itertools import product
from urllib.parse import urldefrag, urljoin, urlsplit

import pytest
import sqlalchemy as sa
from flask import Flask
from werkzeug.routing import Rule

from portal.extensions import db
from tests.conftest import sign_in_client
from tests.world import World, build_world

HX = {"HX-Request": "true"}
# Links the crawler must not follow: signing out ends the crawl's session.
SKIP_LINKS = re.compile(r"/auth/(sign-out|sso|callback)|/static/")
LINK_BUDGET = 150  # pages per role reached by following links, beyond the route walk
PER_ARGUMENT = 3  # real ids tried for each route argument
EVERY = {"segment_id": 100}  # every demo segment: each holds a different kind of rule


def _model(table: str):
    from portal.models import Base

    return next(m.class_ for m in Base.registry.mappers if m.local_table.name == table)


def _ids(table: str, *where) -> Callable[[], list[str]]:
    """The ids of `table`'s rows (as the ORM renders them in URLs), matching `where`."""

    def query() -> list[str]:
        model = _model(table)
        conditions = [c(model) for c in where]
        return [str(v) for v in db.session.scalars(sa.select(model.id).where(*conditions))]

    return query


# Route argument → the real ids the crawler tries; keyed by (endpoint prefix, argument) where
# one argument name means different records in different areas.
IDS: dict[tuple[str, str], Callable[[], list[str]]] = {
    ("", "customer_id"): _ids("customer"),
    ("", "address_id"): _ids("customer_address"),  # paired with its customer in _urls
    ("", "field"): lambda: ["email", "phone"],
    ("", "event_id"): _ids("outbox_event"),
    ("approvals", "request_id"): _ids("approval_request"),
    ("approvals_api", "request_id"): _ids("approval_request"),
    ("compliance", "request_id"): _ids("dsar_request"),
    ("", "node_id"): _ids("org_node"),
    ("", "organization_id"): _ids("org_node", lambda m: m.parent_id.is_(None)),
    ("", "rule_id"): _ids("approval_rule"),
    ("", "export_id"): _ids("dsar_export"),
    ("", "name"): lambda: ["requests", "consent", "quality", "access", "no-such-report"],
    ("", "token"): lambda: ["no-such-invitation"],
    ("", "member_id"): _ids("org_member"),
    ("", "role_id"): _ids("org_role"),
    ("", "segment_id"): _ids("segment"),
}


def _resolver(rule: Rule, argument: str) -> Callable[[], list[str]] | None:
    area = rule.endpoint.split(".")[0]
    return IDS.get((area, argument)) or IDS.get(("", argument))


def _get_rules(app: Flask) -> list[Rule]:
    return [
        rule
        for rule in app.url_map.iter_rules()
        if "GET" in rule.methods and rule.endpoint != "static"
    ]


def _urls(app: Flask) -> list[str]:
    """Every GET route filled with real ids: address edits take their customer's addresses."""
    urls = []
    for rule in _get_rules(app):
        arguments = sorted(rule.arguments)
        if arguments == ["address_id", "customer_id"]:
            address = _model("customer_address")
            rows = db.session.execute(sa.select(address.customer_id, address.id)).all()
            choices = [{"customer_id": c, "address_id": a} for c, a in rows[:PER_ARGUMENT]]
        else:
            values = [_resolver(rule, a)()[: EVERY.get(a, PER_ARGUMENT)] for a in arguments]
            values = [found or ["x"] for found in values]
            choices = [dict(zip(arguments, combo, strict=True)) for combo in product(*values)]
        with app.test_request_context():
            from flask import url_for

            urls += [url_for(rule.endpoint, **choice) for choice in choices]
    return urls


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag, attrs):
        found = dict(attrs)
        for name in ("href", "hx-get"):
            if found.get(name) and (tag in ("a", "link") or name == "hx-get"):
                self.hrefs.append(found[name])


def _links(base: str, body: str) -> Iterator[str]:
    parser = _Links()
    parser.feed(body)
    for href in parser.hrefs:
        url = urldefrag(urljoin(base, href)).url
        parts = urlsplit(url)
        if parts.netloc in ("", "localhost") and not SKIP_LINKS.search(parts.path):
            yield parts.path + (f"?{parts.query}" if parts.query else "")


@pytest.fixture
def world() -> World:
    return build_world()


def _crawl(client, urls: list[str]) -> tuple[list[str], dict[str, int]]:
    """GET every url as a page and as HTMX, then follow links; 5xx answers and all statuses."""
    failures, seen = [], {}
    queue = list(urls)
    followed = 0
    while queue:
        url = queue.pop(0)
        if url in seen:
            continue
        page = client.get(url)
        fragment = client.get(url, headers=HX)
        seen[url] = page.status_code
        for kind, response in (("page", page), ("htmx", fragment)):
            # below 100: an invalid status line, which a real server answers with a 500
            if not 100 <= response.status_code < 500:
                failures.append(f"{response.status_code} {kind} {url}")
        if page.status_code == 200 and page.mimetype == "text/html" and followed < LINK_BUDGET:
            for link in _links("http://localhost" + url, page.get_data(as_text=True)):
                if link not in seen:
                    followed += 1
                    queue.append(link)
    return failures, seen


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


def test_every_route_argument_has_ids(app):
    missing = {
        (rule.endpoint, argument)
        for rule in _get_rules(app)
        for argument in rule.arguments
        if _resolver(rule, argument) is None
    }
    assert not missing, f"add ids for these route arguments to IDS: {sorted(missing)}"


@pytest.mark.parametrize("role", ROLES)
def test_no_page_answers_5xx_to_any_role(app, client, world, role):
    sign_in_client(client, world.users[role])
    failures, seen = _crawl(client, _urls(app))
    assert not failures, "\n".join(failures)
    reached = sum(status == 200 for status in seen.values())
    print(f"{role}: {len(seen)} URLs, {reached} answered 200")
    assert reached > (3 if role == "nobody" else 15)  # it reached the portal, not sign-in


def test_a_second_organisation_opens_none_of_the_demo_organisations_records(app, client, world):
    """The outsider administers organisation Z: every route holding an id of the demo
    organisation (its nodes, roles, members, purchase orders, rules) answers 403 or 404."""
    sign_in_client(client, world.users["outsider"])
    others = set(world.other_organization_nodes)
    demo_ids = set(_ids("org_node")()) - others
    for table in ("org_role", "org_member", "approval_request", "approval_rule"):
        demo_ids |= set(_ids(table, lambda m: m.organization_id.not_in(others))())
    opened = []
    for url in _urls(app):
        if any(i in url for i in demo_ids):
            for headers in ({}, HX):
                status = client.get(url, headers=headers).status_code
                if status not in (401, 403, 404):
                    opened.append(f"{status} {url}")
    assert not opened, "\n".join(opened)
