"""CSRF on every state change, security headers on every response, error pages that never leak."""

from __future__ import annotations

import logging

import pytest
from flask import Blueprint

from portal.security.access import require
from portal.security.permissions import SIGNED_IN
from tests.conftest import sign_in_client


@pytest.fixture
def csrf_client(make_app):
    return make_app(WTF_CSRF_ENABLED=True).test_client()


def _token(client) -> str:
    page = client.get("/auth/sign-in").text
    marker = 'name="csrf_token" type="hidden" value="'
    start = page.index(marker) + len(marker)
    return page[start : page.index('"', start)]


def test_post_without_csrf_token_is_refused(csrf_client, make_user):
    user = make_user("sales")
    response = csrf_client.post("/auth/sign-in", data={"email": user.email, "password": "x"})
    assert response.status_code == 400
    assert "form expired" in response.text


def test_htmx_post_carries_the_token_in_a_header(csrf_client, make_user):
    user = make_user("sales")
    sign_in_client(csrf_client, user)
    page = csrf_client.get("/").text
    assert 'hx-headers=\'{"X-CSRFToken":' in page
    token = page.split('"X-CSRFToken": "')[1].split('"')[0]
    refused = csrf_client.post("/auth/sign-out", headers={"HX-Request": "true"})
    assert refused.status_code == 400
    accepted = csrf_client.post(
        "/auth/sign-out", headers={"HX-Request": "true", "X-CSRFToken": token}
    )
    assert accepted.status_code == 303


def test_security_headers_on_every_response(client):
    for path in ("/auth/sign-in", "/healthz", "/no-such-page", "/static/css/portal.css"):
        with client.get(path) as response:
            headers = response.headers
        csp = headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in csp
        assert "script-src 'self'" in csp
        assert "unsafe-inline" not in csp
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "same-origin"


def test_pages_are_not_cached(client, login_as):
    login_as("sales")
    assert client.get("/").headers["Cache-Control"] == "no-store"


def test_not_found_is_a_full_page_or_a_fragment(client, login_as):
    login_as("sales")
    page = client.get("/no-such-page")
    assert page.status_code == 404
    assert "<html" in page.text
    fragment = client.get("/no-such-page", headers={"HX-Request": "true"})
    assert fragment.status_code == 404
    assert "<html" not in fragment.text
    assert "Not found" in fragment.text
    assert "HX-Request" in fragment.headers["Vary"]


def test_api_errors_are_json(client):
    response = client.get("/api/v1/nothing")
    assert response.status_code == 404
    assert response.json["error"]["status"] == 404


def test_server_error_rolls_back_and_shows_a_logged_request_id(make_app, make_user, caplog):
    app = make_app()
    broken = Blueprint("broken", __name__)

    @broken.get("/broken")
    @require(SIGNED_IN)
    def explode():
        from portal.extensions import db
        from portal.security.models import User

        db.session.add(User(email="half-saved@staff.efi.example", name="Half"))
        db.session.flush()
        raise RuntimeError("boom")

    app.register_blueprint(broken)
    client = app.test_client()
    sign_in_client(client, make_user("sales"))
    with caplog.at_level(logging.ERROR):
        response = client.get("/broken")
    assert response.status_code == 500
    request_id = response.headers["X-Request-Id"]
    assert request_id in response.text
    assert "boom" not in response.text
    assert any(request_id in record.getMessage() for record in caplog.records)

    from sqlalchemy import select

    from portal.extensions import db
    from portal.security.models import User

    assert (
        db.session.scalar(select(User).where(User.email == "half-saved@staff.efi.example")) is None
    )


def test_healthz_reports_an_unreachable_database(make_app):
    app = make_app(SQLALCHEMY_DATABASE_URI="postgresql+psycopg://nobody@127.0.0.1:1/none")
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.json["status"] == "failing"
    assert response.json["database"].startswith("error")


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/api/v1/customers", {"email": "a\x00@example.org"}),  # JSON for the API
        ("/customers/", {"q": "ma\x00rcia"}),
        ("/customers/cust-\x00", {}),
    ],
)
def test_a_nul_character_is_refused_before_any_query(client, login_as, path, params):
    """PostgreSQL text cannot hold NUL: the value would otherwise fail in a query as a 500."""
    login_as("sales")
    response = client.get(path, query_string=params)
    assert response.status_code == 400
    assert "NUL" in response.text
