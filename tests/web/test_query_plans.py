"""Every page's queries are served by an index: the crawler walks the GET pages as every role
on a seeded PostgreSQL database (a few thousand customers with their orders, segment history
and audit entries, then ANALYZE, so the planner plans as it does at scale), each statement the
pages send is captured and EXPLAINed, and a sequential scan of one of the large tables fails.
"""

from __future__ import annotations

import json
import re

import pytest
import sqlalchemy as sa
from flask import has_request_context, request

from portal.api import tokens
from portal.extensions import db
from tests.conftest import sign_in_client
from tests.crawler import SKIP_LINKS, crawl, route_urls
from tests.web.test_crawl import ROLES
from tests.world import build_world

pytestmark = pytest.mark.postgres

# The tables that grow with the customer base: a sequential scan of one is a page that slows
# down with every customer.
LARGE_TABLES = {
    "customer",
    "customer_order",
    "segment_history",
    "audit_entry",
    "loyalty_account",
    "loyalty_entry",
}
# Enough rows that a sequential scan is never the cheaper plan for a query an index serves.
CUSTOMERS = 2_000
AUDIT_ENTRIES = 10_000
PLANNED = ("SELECT", "WITH", "UPDATE", "DELETE")
# Downloads (CSV exports) read every row they export by design, through a server-side cursor
# that the crawler, never reading them to the end, would leave open.
DOWNLOADS = re.compile(r"\.csv\b")


@pytest.fixture
def seeded(monkeypatch):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("the plans are PostgreSQL's")
    monkeypatch.setattr("tests.world.DEMO_CUSTOMERS", CUSTOMERS)
    world = build_world()
    db.session.execute(
        sa.text(
            "INSERT INTO audit_entry (at, actor, action, outcome, record_type, record_id, summary)"
            " SELECT now() - n * interval '1 minute', 'seed', 'customer.viewed', 'success',"
            " 'customer', c.id, '' FROM generate_series(1, :n) AS n"
            " JOIN LATERAL (SELECT id FROM customer OFFSET n % 1000 LIMIT 1) AS c ON true"
        ),
        {"n": AUDIT_ENTRIES},
    )
    db.session.commit()
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(sa.text("VACUUM ANALYZE"))
    return world


@pytest.fixture
def statements(app):
    """(statement, parameters) by statement text, with the first URL that sent it."""
    captured: dict[str, tuple[str, object]] = {}

    def capture(conn, cursor, statement, parameters, context, executemany):
        if not has_request_context():
            return
        if statement.lstrip().upper().startswith(PLANNED) and not executemany:
            captured.setdefault(statement, (request.full_path, parameters))

    sa.event.listen(db.engine, "before_cursor_execute", capture)
    yield captured
    sa.event.remove(db.engine, "before_cursor_execute", capture)


def scanned(plan: dict) -> set[str]:
    """The large tables a plan reads sequentially, in any of its nodes."""
    found = set()
    if plan["Node Type"] == "Seq Scan" and plan["Relation Name"] in LARGE_TABLES:
        found.add(plan["Relation Name"])
    for child in plan.get("Plans", []):
        found |= scanned(child)
    return found


def test_no_page_scans_a_large_table(app, client, seeded, statements, monkeypatch):
    skipped = re.compile(f"{SKIP_LINKS.pattern}|{DOWNLOADS.pattern}")
    monkeypatch.setattr("tests.crawler.SKIP_LINKS", skipped)
    urls = [url for url in route_urls(app) if not DOWNLOADS.search(url)]
    for role in ROLES:
        sign_in_client(client, seeded.users[role])
        crawl(client, urls)
    _, clear = tokens.issue(seeded.users["Administrator"], "plans", ["customers:read"])
    customer_id, email = db.session.execute(
        sa.text("SELECT id, email FROM customer WHERE email IS NOT NULL LIMIT 1")
    ).one()
    bearer = {"Authorization": f"Bearer {clear}"}
    for url in (f"/api/v1/customers/{customer_id}", f"/api/v1/customers?email={email.upper()}"):
        assert client.get(url, headers=bearer).status_code == 200

    assert len(statements) > 100  # the crawl reached the pages, not only the sign-in
    scans = []
    with db.engine.connect() as connection:
        for statement, (url, parameters) in statements.items():
            explained = connection.exec_driver_sql(
                f"EXPLAIN (FORMAT JSON) {statement}", parameters
            ).scalar()
            plan = (json.loads(explained) if isinstance(explained, str) else explained)[0]
            if tables := scanned(plan["Plan"]):
                scans.append(f"{url}: Seq Scan on {', '.join(sorted(tables))}\n  {statement}")
    assert not scans, "\n".join(scans)
