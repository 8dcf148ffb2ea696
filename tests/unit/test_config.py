"""Production refuses settings that are only safe on a developer's machine."""

from __future__ import annotations

import pytest

from portal import create_app
from portal.config import ConfigurationError
from portal.extensions import db

STRONG = "x" * 40


@pytest.fixture(autouse=True)
def production(monkeypatch):
    monkeypatch.setenv("PORTAL_ENV", "production")


def _production(database_url: str, **overrides) -> dict:
    config = {
        "SECRET_KEY": STRONG,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "ALLOW_SQLITE": database_url.startswith("sqlite"),
        "FIELD_ENCRYPTION_KEYS": "k1:" + "A" * 43 + "=",
    }
    config.update(overrides)
    return config


def test_refuses_to_start_without_a_secret_key(database_url):
    with pytest.raises(ConfigurationError, match="SECRET_KEY must be set"):
        create_app(_production(database_url, SECRET_KEY=None))


def test_refuses_a_short_secret_key(database_url):
    with pytest.raises(ConfigurationError, match="too short"):
        create_app(_production(database_url, SECRET_KEY="dev"))


def test_refuses_sqlite_unless_told(database_url):
    with pytest.raises(ConfigurationError, match="PostgreSQL"):
        create_app(_production("sqlite:///x.db", ALLOW_SQLITE=False))


def test_refuses_demo_accounts(database_url, make_user):
    make_user("sales", is_demo=True)
    with pytest.raises(ConfigurationError, match="Demo accounts"):
        create_app(_production(database_url))


def test_starts_when_configured_properly(database_url, make_user):
    make_user("sales")
    app = create_app(_production(database_url))
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["DEMO_ACCOUNTS_ALLOWED"] is False
    with app.app_context():
        db.engine.dispose()


def test_seed_demo_refuses_in_production(make_app):
    app = make_app(DEMO_ACCOUNTS_ALLOWED=False)
    with app.app_context():  # the CLI reuses a pushed context; make it this app's
        result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code != 0
    assert "refused in production" in str(result.exception)


def test_seed_demo_is_idempotent_and_prints_the_accounts(runner, monkeypatch):
    monkeypatch.delenv("PORTAL_ENV")
    from sqlalchemy import func, select

    from portal.security.models import User

    first = runner.invoke(args=["seed-demo"])
    assert first.exit_code == 0, first.output
    assert "administrator@demo.efi.example" in first.output
    count = db.session.scalar(select(func.count()).select_from(User))
    second = runner.invoke(args=["seed-demo"])
    assert second.exit_code == 0
    # a user per staff role, and the demo organisation's admin and buyer
    assert db.session.scalar(select(func.count()).select_from(User)) == count == 8


def test_seed_demo_customers_are_counted_by_the_dashboards(runner, monkeypatch):
    """Bulk-loaded demo customers bypass the rollups' upkeep: seed-demo rebuilds them, so a
    fresh `make run` shows its customers on the dashboards."""
    monkeypatch.delenv("PORTAL_ENV")
    from sqlalchemy import func, select

    from portal.customers.models import Customer, RegistrationsDaily

    result = runner.invoke(args=["seed-demo", "--customers", "40", "--duplicates", "0"])
    assert result.exit_code == 0, result.output
    registered = db.session.scalar(select(func.sum(RegistrationsDaily.customers)))
    assert registered == db.session.scalar(select(func.count()).select_from(Customer)) >= 40
