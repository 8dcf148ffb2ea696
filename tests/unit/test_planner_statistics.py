"""The loaders leave planner statistics behind them: before an ANALYZE PostgreSQL plans a
freshly loaded million rows as if the tables were empty."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from portal.extensions import db

pytestmark = pytest.mark.postgres


@pytest.fixture(autouse=True)
def postgresql_only():
    if db.engine.dialect.name != "postgresql":
        pytest.skip("planner statistics are PostgreSQL's")


def estimated_and_stored_rows(table: str) -> tuple[float, int]:
    db.session.rollback()  # a fresh snapshot of pg_class
    estimated = db.session.scalar(
        sa.text("SELECT reltuples FROM pg_class WHERE relname = :table"), {"table": table}
    )
    return estimated, db.session.scalar(sa.select(sa.func.count()).select_from(sa.table(table)))


def all_visible_pages(table: str) -> tuple[int, int]:
    """The table's pages, and those the visibility map marks all-visible (set by VACUUM)."""
    db.session.rollback()
    return db.session.execute(
        sa.text("SELECT relpages, relallvisible FROM pg_class WHERE relname = :table"),
        {"table": table},
    ).one()


def test_seed_demo_and_reindex_search_end_with_vacuum_analyze(runner, monkeypatch):
    monkeypatch.delenv("PORTAL_ENV", raising=False)
    assert runner.invoke(args=["seed-demo", "--customers", "20"]).exit_code == 0
    estimated, stored = estimated_and_stored_rows("customer")
    assert estimated == stored > 20  # the demo customers and the demo organisation's
    pages, visible = all_visible_pages("customer_search_term")
    assert visible == pages > 0  # index-only scans need no table page
    db.session.execute(sa.text("DELETE FROM customer_search_term WHERE term LIKE 'p:%'"))
    db.session.commit()
    assert runner.invoke(args=["customers", "reindex-search"]).exit_code == 0
    estimated, stored = estimated_and_stored_rows("customer_search_term")
    assert estimated == stored > 0
