"""A crawler for tests that walk the whole portal as a signed-in user: every GET route filled
with real ids from the database, then the links the pages render.

A new route with an argument the crawler cannot fill fails `test_every_route_argument_has_ids`
(tests/web/test_crawl.py): add a query for it to IDS below.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from html.parser import HTMLParser
from itertools import product
from urllib.parse import urldefrag, urljoin, urlsplit

import sqlalchemy as sa
from flask import Flask
from werkzeug.routing import Rule

from portal.extensions import db

HX = {"HX-Request": "true"}
# Links the crawler must not follow: signing out ends the crawl's session.
SKIP_LINKS = re.compile(r"/auth/(sign-out|sso|callback)|/static/")
LINK_BUDGET = 150  # pages per role reached by following links, beyond the route walk
PER_ARGUMENT = 3  # real ids tried for each route argument
EVERY = {"segment_id": 100}  # every demo segment: each holds a different kind of rule


def model(table: str):
    from portal.models import Base

    return next(m.class_ for m in Base.registry.mappers if m.local_table.name == table)


def ids(table: str, *where) -> Callable[[], list[str]]:
    """The ids of `table`'s rows (as the ORM renders them in URLs), matching `where`."""

    def query() -> list[str]:
        table_model = model(table)
        conditions = [c(table_model) for c in where]
        query = sa.select(table_model.id).where(*conditions)
        return [str(v) for v in db.session.scalars(query)]

    return query


# Route argument → the real ids the crawler tries; keyed by (endpoint prefix, argument) where
# one argument name means different records in different areas.
IDS: dict[tuple[str, str], Callable[[], list[str]]] = {
    ("", "customer_id"): ids("customer"),
    ("", "address_id"): ids("customer_address"),  # paired with its customer in _urls
    ("", "field"): lambda: ["email", "phone"],
    ("", "event_id"): ids("outbox_event"),
    ("approvals", "request_id"): ids("approval_request"),
    ("api", "request_id"): ids("approval_request"),
    ("compliance", "request_id"): ids("dsar_request"),
    ("", "node_id"): ids("org_node"),
    ("", "organization_id"): ids("org_node", lambda m: m.parent_id.is_(None)),
    ("", "rule_id"): ids("approval_rule"),
    ("", "export_id"): ids("dsar_export"),
    ("", "name"): lambda: ["requests", "consent", "quality", "access", "no-such-report"],
    ("", "token"): lambda: ["no-such-invitation"],
    ("", "member_id"): ids("org_member"),
    ("", "role_id"): ids("org_role"),
    ("", "segment_id"): ids("segment"),
    ("dashboards", "page"): lambda: ["acquisition", "segments", "quality", "compliance", "nope"],
    ("dashboards", "chart"): lambda: ["registrations", "sizes", "completeness", "requests", "x"],
    ("duplicates", "candidate_id"): ids("duplicate_candidate"),
    ("duplicates", "merge_id"): ids("customer_merge"),
}


def resolver(rule: Rule, argument: str) -> Callable[[], list[str]] | None:
    area = rule.endpoint.split(".")[0]
    return IDS.get((area, argument)) or IDS.get(("", argument))


def get_rules(app: Flask) -> list[Rule]:
    return [
        rule
        for rule in app.url_map.iter_rules()
        if "GET" in rule.methods and rule.endpoint != "static"
    ]


def route_urls(app: Flask) -> list[str]:
    """Every GET route filled with real ids: address edits take their customer's addresses."""
    urls = []
    for rule in get_rules(app):
        arguments = sorted(rule.arguments)
        if arguments == ["address_id", "customer_id"]:
            address = model("customer_address")
            rows = db.session.execute(sa.select(address.customer_id, address.id)).all()
            choices = [{"customer_id": c, "address_id": a} for c, a in rows[:PER_ARGUMENT]]
        else:
            values = [resolver(rule, a)()[: EVERY.get(a, PER_ARGUMENT)] for a in arguments]
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


def crawl(client, urls: list[str], on_page: Callable | None = None) -> tuple[list[str], dict]:
    """GET every url as a page and as HTMX, then follow links; 5xx answers and all statuses.
    `on_page(url, response)` sees every HTML page that answered 200."""
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
        if page.status_code == 200 and page.mimetype == "text/html" and on_page:
            on_page(url, page)
        if page.status_code == 200 and page.mimetype == "text/html" and followed < LINK_BUDGET:
            for link in _links("http://localhost" + url, page.get_data(as_text=True)):
                if link not in seen:
                    followed += 1
                    queue.append(link)
    return failures, seen
