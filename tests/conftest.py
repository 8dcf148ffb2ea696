"""Fixtures in the style of the Flask tutorial: app, client, runner, and a sign-in helper.

The schema is built by the migrations, once per run; each test leaves behind only the reference
data those migrations wrote. PostgreSQL when it answers on this machine, else SQLite (see
`database_url`).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from flask_migrate import upgrade

from portal import create_app
from portal.extensions import db
from portal.loyalty import rollups as loyalty_rollups
from portal.models import utcnow
from portal.security.models import AuthSession, Role, User
from portal.security.passwords import hash_password
from portal.security.permissions import STAFF_ROLES

# Written by migrations and never changed by tests.
# acquisition_source: the list the migration seeds, which registration offers.
REFERENCE_TABLES = {
    "alembic_version",
    "permission",
    "role",
    "role_permission",
    "acquisition_source",
}
DEFAULT_PASSWORD = "correct horse battery staple"


@pytest.fixture(scope="session", autouse=True)
def cheap_password_hashes():
    """argon2 at production cost takes ~0.3 s a hash; tests need the behaviour, not the cost."""
    from argon2 import PasswordHasher

    from portal.security import passwords

    original = passwords._hasher
    passwords._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    yield
    passwords._hasher = original


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    """TEST_DATABASE_URL if set (CI sets PostgreSQL), else a throwaway SQLite file (also for
    `sqlite`). Each xdist worker gets a database of its own."""
    configured = os.environ.get("TEST_DATABASE_URL") or None
    if configured in (None, "sqlite"):
        # xdist gives every worker a temporary directory of its own
        return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"
    url = sa.make_url(configured)
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if worker is None or not url.database or url.database == ":memory:":
        return configured
    if url.get_backend_name() == "sqlite":
        path = Path(url.database)
        return url.set(database=str(path.with_stem(f"{path.stem}_{worker}"))).render_as_string(
            hide_password=False
        )
    url = url.set(database=f"{url.database}_{worker}")
    _create_database(url)
    return url.render_as_string(hide_password=False)


def _create_database(url: sa.URL) -> None:
    """Create the worker's database on its server if missing (the schema is built later)."""
    server = sa.create_engine(
        url.set(database="postgres"), isolation_level="AUTOCOMMIT", poolclass=sa.NullPool
    )
    with server.connect() as conn:
        exists = conn.scalar(
            sa.text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": url.database}
        )
        if not exists:
            conn.execute(sa.text(f'CREATE DATABASE "{url.database}"'))
    server.dispose()


class PortalTestClient(FlaskClient):
    """Runs each request in a thread of its own, so it gets a fresh app context, `g` and
    database session as in production, not the ones the test holds open."""

    def open(self, *args, **kwargs):
        with ThreadPoolExecutor(max_workers=1) as pool:
            return pool.submit(super().open, *args, **kwargs).result()


@pytest.fixture(scope="session")
def make_app(database_url) -> Iterator[Callable[..., Flask]]:
    """Build an app on the test database with extra settings (OIDC, CSRF on, ...)."""
    built: list[Flask] = []

    def build(**overrides) -> Flask:
        config = {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": database_url,
            "WTF_CSRF_ENABLED": False,
        }
        config.update(overrides)
        app = create_app(config)
        app.test_client_class = PortalTestClient
        built.append(app)
        return app

    yield build
    for app in built:
        with app.app_context():
            db.engine.dispose()


@pytest.fixture(scope="session")
def app(make_app) -> Flask:
    app = make_app()
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as conn:
                conn.execute(sa.text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        upgrade()
    return app


@pytest.fixture(autouse=True)
def app_context(app) -> Iterator[None]:
    with app.app_context():
        yield
        db.session.rollback()
        _empty_tables()
        db.session.remove()


def _empty_tables() -> None:
    # Not a rolled-back outer transaction: requests run on connections of their own (the test
    # client's threads, the live server) and the concurrency tests need several, so every test
    # commits for real and its rows are deleted afterwards.
    # The loyalty rollups once more at the end: their triggers count the deletes before them.
    tables = [*reversed(db.metadata.sorted_tables), *(m.__table__ for m in loyalty_rollups.ROLLUPS)]
    with db.engine.begin() as conn:
        for table in tables:
            if table.name not in REFERENCE_TABLES:
                conn.execute(table.delete())


@pytest.fixture
def client(app) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def make_user() -> Callable[..., User]:
    counter = iter(range(1, 1_000_000))

    def build(
        *roles: str, email: str | None = None, password: str = DEFAULT_PASSWORD, **fields
    ) -> User:
        n = next(counter)
        user = User(
            email=email or f"user{n}@staff.efi.example",
            name=fields.pop("name", f"Staff Member {n}"),
            password_hash=hash_password(password),
            roles=list(db.session.scalars(sa.select(Role).where(Role.name.in_(roles)))),
            **fields,
        )
        db.session.add(user)
        db.session.commit()
        return user

    return build


def sign_in_client(client: FlaskClient, user: User) -> str:
    """Open a server-side session for `user` and put it into the client's cookie.

    Fast path for tests about something else; the sign-in flow itself is tested through the form.
    """
    session_id = f"test-{user.id}-{os.urandom(6).hex()}"
    db.session.add(AuthSession(id=session_id, user_id=user.id, method="test"))
    db.session.commit()
    with client.session_transaction() as session:
        session["_user_id"] = session_id
        session["_fresh"] = True
        session["seen"] = utcnow().isoformat()
    return session_id


@pytest.fixture
def login_as(client, make_user) -> Callable[..., User]:
    """login_as("sales") signs the test client in as a new user holding that staff role."""

    def sign_in(*roles: str, **fields) -> User:
        user = make_user(*roles, **fields)
        sign_in_client(client, user)
        return user

    return sign_in


ROLE_NAMES = [role.name for role in STAFF_ROLES]


@pytest.fixture
def staff(make_user) -> User:
    """A sales user: the everyday actor of the customer services."""
    return make_user("sales")


@pytest.fixture
def customer(staff):
    from portal.customers import services
    from tests.factories import new_customer

    return services.register_customer(staff, new_customer())


@pytest.fixture
def restaurant(staff):
    from portal.customers import services
    from portal.customers.values import CustomerType
    from tests.factories import new_customer

    return services.register_customer(
        staff, new_customer(CustomerType.FULL_SERVICE_RESTAURANT, name="Chez Lola")
    )


@pytest.fixture
def sent(monkeypatch):
    """The verification codes the customer would receive (a browser test's live server runs
    in this process too)."""
    from tests.factories import Outbox

    outbox = Outbox()
    monkeypatch.setattr(
        "portal.customers.services.contact_change.configured_notifier", lambda: outbox
    )
    return outbox
