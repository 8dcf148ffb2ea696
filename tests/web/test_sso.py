"""Single sign-on through a real OpenID provider, following every redirect by hand.

The browser's part is played by the Flask test client (our app) and `requests` (the provider):
GET /auth/sso -> provider's authorize URL -> POST its authorization form -> /auth/callback.
"""

from __future__ import annotations

import html
import json
import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import parse_qsl, urlencode, urlsplit

import oidc_provider_mock
import oidc_provider_mock._app as provider_app
import pytest
import requests
import sqlalchemy as sa
from flask import Flask, request
from flask.testing import FlaskClient
from joserfc import jwt

from portal.auth import oidc
from portal.extensions import db
from portal.security.models import AuditEntry, AuthSession, User
from tests.conftest import DEFAULT_PASSWORD
from tests.oidc import (
    CLIENT_ID,
    CLIENT_SECRET,
    SpecProvider,
    running_provider,
    set_provider_user,
    sso_settings,
)

CALLBACK_URL = "http://localhost/auth/callback"


# --- the browser's journey ------------------------------------------------------------------


def start_sign_in(client: FlaskClient) -> str:
    """Click "Sign in with single sign-on"; return the provider URL we are sent to."""
    response = client.get("/auth/sso")
    assert response.status_code == 302
    return response.location


def answer_at_provider(authorize_url: str, sub: str = "", *, deny: bool = False) -> str:
    """Submit the provider's authorization form; return the URL it sends the browser back to."""
    form = {"action": "deny"} if deny else {"sub": sub}
    response = requests.post(authorize_url, data=form, allow_redirects=False, timeout=5)
    assert response.status_code == 302, response.text
    return response.headers["Location"]


def return_to_portal(client: FlaskClient, callback_url: str):
    parts = urlsplit(callback_url)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == CALLBACK_URL
    return client.get(f"{parts.path}?{parts.query}")


def sign_in_at_provider(client: FlaskClient, sub: str):
    return return_to_portal(client, answer_at_provider(start_sign_in(client), sub))


def params(url: str) -> dict[str, str]:
    return dict(parse_qsl(urlsplit(url).query))


def with_params(url: str, **changes: str) -> str:
    parts = urlsplit(url)
    return parts._replace(query=urlencode({**params(url), **changes})).geturl()


# --- what an auditor or a user would look at ------------------------------------------------


def sign_in_audits(outcome: str) -> list[AuditEntry]:
    db.session.rollback()  # see what the app committed
    return list(
        db.session.scalars(
            sa.select(AuditEntry)
            .where(AuditEntry.action == "auth.sign_in", AuditEntry.outcome == outcome)
            .order_by(AuditEntry.id)
        )
    )


def sso_user(sub: str) -> User | None:
    db.session.rollback()
    return db.session.scalar(sa.select(User).where(User.oidc_subject == sub))


def assert_refused(response, client: FlaskClient, caplog, message: str) -> None:
    """Refused with a clear page, nobody signed in, an audit failure and a log line."""
    assert response.status_code == 401
    assert message in response.text
    assert client.get("/").status_code == 302  # still anonymous: sent to the sign-in page
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuthSession)) == 0
    (failure,) = sign_in_audits("failure")
    assert failure.details["method"] == "sso"
    assert message in failure.details["reason"]
    assert any(
        r.levelno == logging.WARNING and message in r.getMessage()
        for r in caplog.records
        if r.name == "portal.auth.views"
    )
    assert CLIENT_SECRET not in response.text + failure.details["reason"]


# --- fixtures -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def issuer() -> Iterator[str]:
    with running_provider() as url:
        yield url


@contextmanager
def portal_app(make_app, **settings) -> Iterator[Flask]:
    app = make_app(**settings)
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def sso_app(make_app, issuer) -> Iterator[Flask]:
    with portal_app(make_app, **sso_settings(issuer)) as app:
        yield app


@pytest.fixture
def client(sso_app) -> FlaskClient:
    return sso_app.test_client()


@pytest.fixture
def provider_claims(monkeypatch):
    """Make the provider put these claims into its ID tokens (iss, aud, ...)."""

    def override(**claims) -> None:
        original = provider_app.OpenIDCode.get_jwt_config

        def get_jwt_config(self, grant, client=None):
            return {**original(self, grant, client), **claims}

        monkeypatch.setattr(provider_app.OpenIDCode, "get_jwt_config", get_jwt_config)

    return override


# --- the happy path -------------------------------------------------------------------------


def test_authorization_request_uses_code_flow_with_pkce_state_and_nonce(client, issuer):
    authorize_url = start_sign_in(client)

    assert authorize_url.startswith(f"{issuer}/oauth2/authorize?")
    query = params(authorize_url)
    assert query["response_type"] == "code"
    assert query["client_id"] == CLIENT_ID
    assert query["redirect_uri"] == CALLBACK_URL
    assert set(query["scope"].split()) >= {"openid", "email", "profile"}
    assert query["code_challenge_method"] == "S256"
    assert len(query["code_challenge"]) >= 43
    assert len(query["state"]) >= 20
    assert len(query["nonce"]) >= 20
    assert "code_verifier" not in query


def test_first_sign_in_creates_the_user_and_later_ones_update_it(client, issuer):
    set_provider_user(
        issuer,
        "alice-1",
        email="Alice@Staff.EFI.example",
        name="Alice Example",
        groups=["efi-sales", "efi-compliance", "not-mapped"],
    )

    response = sign_in_at_provider(client, "alice-1")

    assert response.status_code == 303
    assert response.location == "/"
    home = client.get("/")
    assert home.status_code == 200
    assert "Alice Example" in home.text
    user = sso_user("alice-1")
    assert (user.oidc_issuer, user.email, user.name) == (
        issuer,
        "alice@staff.efi.example",
        "Alice Example",
    )
    assert user.password_hash is None
    assert [role.name for role in user.roles] == ["compliance_officer", "sales"]
    (success,) = sign_in_audits("success")
    assert (success.user_id, success.details) == (user.id, {"method": "sso"})

    set_provider_user(
        issuer,
        "alice-1",
        email="alice.new@staff.efi.example",
        name="Alice Renamed",
        groups=["efi-admins"],
    )
    assert client.post("/auth/sign-out").status_code == 303

    assert sign_in_at_provider(client, "alice-1").status_code == 303

    assert "Alice Renamed" in client.get("/").text
    again = sso_user("alice-1")
    assert again.id == user.id
    assert (again.email, again.name) == ("alice.new@staff.efi.example", "Alice Renamed")
    assert [role.name for role in again.roles] == ["administrator"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 1
    assert [entry.user_id for entry in sign_in_audits("success")] == [user.id, user.id]


# --- refusals -------------------------------------------------------------------------------


def test_tampered_state_is_refused(client, issuer, caplog):
    set_provider_user(issuer, "mallory-1", email="mallory@staff.efi.example")
    callback_url = answer_at_provider(start_sign_in(client), "mallory-1")

    response = return_to_portal(client, with_params(callback_url, state="forged-state"))

    assert_refused(response, client, caplog, "the state does not match")
    assert sso_user("mallory-1") is None


def test_id_token_with_another_nonce_is_refused(client, issuer, caplog):
    set_provider_user(issuer, "bob-1", email="bob@staff.efi.example")
    callback_url = answer_at_provider(start_sign_in(client), "bob-1")
    # The ID token carries the nonce sent to the provider; make the portal expect another one,
    # as if the token had been issued for another sign-in and replayed into this one.
    state = params(callback_url)["state"]
    with client.session_transaction() as session:
        session[f"_state_{oidc.CLIENT_NAME}_{state}"]["data"]["nonce"] = (
            "a-nonce-from-another-sign-in"
        )
        session["oidc_nonce"] = "a-nonce-from-another-sign-in"

    response = return_to_portal(client, callback_url)

    assert_refused(response, client, caplog, "the nonce does not match")
    assert sso_user("bob-1") is None


def test_finishing_an_older_of_two_sign_ins_is_refused(client, issuer, caplog):
    set_provider_user(issuer, "bob-2", email="bob2@staff.efi.example")
    first = start_sign_in(client)
    start_sign_in(client)  # a second sign-in in the same browser replaces the expected nonce

    response = return_to_portal(client, answer_at_provider(first, "bob-2"))

    assert_refused(response, client, caplog, "the nonce does not match")


def test_id_token_for_another_audience_is_refused(client, issuer, caplog, provider_claims):
    provider_claims(aud=["some-other-application"])
    set_provider_user(issuer, "carol-1", email="carol@staff.efi.example")

    response = sign_in_at_provider(client, "carol-1")

    assert_refused(response, client, caplog, "it was issued for another application")
    assert "aud" in sign_in_audits("failure")[0].details["reason"]


def test_id_token_from_another_issuer_is_refused(client, issuer, caplog, provider_claims):
    provider_claims(iss="http://idp.elsewhere.example")
    set_provider_user(issuer, "dave-1", email="dave@staff.efi.example")

    response = sign_in_at_provider(client, "dave-1")

    assert_refused(response, client, caplog, "it comes from another issuer")


def test_provider_calling_itself_another_issuer_than_configured_is_refused(
    make_app, caplog, provider_claims
):
    """Discovery document and tokens agree with each other, but not with OIDC_ISSUER: the
    sign-in stops before the provider, saying what differs."""
    pretender = "http://idp.elsewhere.example"
    provider_claims(iss=pretender)
    with oidc_provider_mock.run_server_in_thread(require_nonce=True) as server:

        @server.app.after_request
        def announce_pretender(response):
            if request.path == "/.well-known/openid-configuration":
                response.set_data(json.dumps({**response.json, "issuer": pretender}))
            return response

        issuer = f"http://localhost:{server.server_port}"
        with portal_app(make_app, **sso_settings(issuer)) as app:
            response = app.test_client().get("/auth/sso")

    assert response.status_code == 502
    assert f"OIDC_ISSUER is &#39;{issuer}&#39;" in response.text
    assert f"calls itself &#39;{pretender}&#39;" in response.text
    assert any(r.levelno == logging.ERROR and pretender in r.getMessage() for r in caplog.records)


def test_provider_error_response_is_shown_not_crashed_on(client, issuer, caplog):
    callback_url = answer_at_provider(start_sign_in(client), deny=True)
    assert params(callback_url)["error"] == "access_denied"

    response = return_to_portal(client, callback_url)

    assert_refused(response, client, caplog, "The identity provider refused the sign-in")
    assert "access_denied" in response.text


def test_provider_error_with_state_is_refused(client, caplog):
    state = params(start_sign_in(client))["state"]

    response = client.get(f"/auth/callback?error=access_denied&state={state}")

    assert_refused(response, client, caplog, "The identity provider refused the sign-in")


# --- switched off ---------------------------------------------------------------------------


def test_sso_endpoints_are_absent_when_not_configured(make_app):
    with portal_app(make_app, OIDC_ISSUER="") as app:
        client = app.test_client()

        assert client.get("/auth/sso").status_code == 404
        assert client.get("/auth/callback?code=x&state=y").status_code == 404
        assert "Sign in with" not in client.get("/auth/sign-in").text


def test_unreachable_provider_gives_a_message_not_a_500(make_app):
    app = make_app(**sso_settings("http://127.0.0.1:9"))
    client = app.test_client()
    response = client.get("/auth/sso")
    assert response.status_code == 502
    assert "could not be reached" in response.text


# --- a provider as the specification's defaults have it -------------------------------------


@pytest.fixture(scope="module", params=["RS256", "ES256"])
def spec_provider(request) -> Iterator[SpecProvider]:
    provider = SpecProvider(alg=request.param)
    with provider.running():
        yield provider


@pytest.fixture
def spec_client(make_app, spec_provider) -> Iterator[FlaskClient]:
    with portal_app(make_app, **sso_settings(spec_provider.issuer)) as app:
        yield app.test_client()
    spec_provider.userinfo_claims.clear()


class Browser:
    """The portal's test client and a provider session (its cookie) in one browser."""

    def __init__(self, client: FlaskClient) -> None:
        self.client = client
        self.at_provider = requests.Session()

    def callback_url(self, sub: str) -> str:
        authorize_url = start_sign_in(self.client)
        form = self.at_provider.get(authorize_url, allow_redirects=False, timeout=5)
        response = (
            self.at_provider.post(authorize_url, data={"sub": sub}, allow_redirects=False)
            if form.status_code == 200
            else form  # the provider's session is open: straight back
        )
        assert response.status_code == 302, response.text
        return response.headers["Location"]

    def sign_in(self, sub: str):
        return return_to_portal(self.client, self.callback_url(sub))

    def sign_out(self) -> str:
        """Sign out, then take the offer to sign out of the provider too; return its URL."""
        response = self.client.post("/auth/sign-out")
        assert (response.status_code, response.location) == (303, "/auth/sign-in")
        page = self.client.get(response.location)
        (offer,) = re.findall(r'<a class="button" href="([^"]+)">Sign out of', page.text)
        offer = html.unescape(offer)
        back = self.at_provider.get(offer, allow_redirects=False, timeout=5)
        assert back.headers["Location"].startswith("http://localhost/auth/sign-in")
        return offer


def audits(action: str) -> list[AuditEntry]:
    db.session.rollback()
    return list(
        db.session.scalars(
            sa.select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)
        )
    )


def test_claims_only_in_userinfo_are_used_and_the_account_is_audited(spec_client, spec_provider):
    spec_provider.set_user(
        "grace", email="Grace@Staff.EFI.example", name="Grace Hopper", groups=["efi-sales"]
    )

    response = Browser(spec_client).sign_in("grace")

    assert response.status_code == 303
    user = sso_user("grace")
    assert (user.oidc_issuer, user.email, user.name) == (
        spec_provider.issuer,
        "grace@staff.efi.example",
        "Grace Hopper",
    )
    assert [role.name for role in user.roles] == ["sales"]
    (created,) = audits("user.created")
    assert (created.record_id, created.details["method"]) == (str(user.id), "sso")
    (granted,) = audits("user.roles_changed")
    assert granted.details == {"granted": ["sales"], "removed": []}


def test_userinfo_for_another_subject_is_refused(spec_client, spec_provider, caplog):
    spec_provider.set_user("heidi", email="heidi@staff.efi.example")
    spec_provider.userinfo_claims["sub"] = "someone-else"

    response = Browser(spec_client).sign_in("heidi")

    assert_refused(response, spec_client, caplog, "it names another subject")
    assert sso_user("heidi") is None


def test_sign_in_without_an_email_is_refused_not_given_a_made_up_one(spec_client, spec_provider):
    spec_provider.set_user("ivan", name="Ivan No-Mail", groups=["efi-sales"])

    response = Browser(spec_client).sign_in("ivan")

    assert response.status_code == 401
    assert "did not give a usable e-mail address" in response.text
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 0
    (failure,) = sign_in_audits("failure")
    assert failure.details["reason"] == "no_email"


def test_email_changes_follow_and_a_clash_is_refused_with_an_audit(
    spec_client, spec_provider, make_user
):
    browser = Browser(spec_client)
    spec_provider.set_user("kim", email="kim@staff.efi.example")
    spec_provider.set_user("judy", email="judy@staff.efi.example", groups=["not-mapped"])
    for sub in ["kim", "judy"]:
        assert browser.sign_in(sub).status_code == 303
        browser.sign_out()
    spec_provider.set_user("judy", email="judy.new@staff.efi.example")
    assert browser.sign_in("judy").status_code == 303
    browser.sign_out()
    judy = sso_user("judy")
    assert (judy.email, judy.roles) == ("judy.new@staff.efi.example", [])
    assert audits("user.roles_changed") == []  # no group ever mapped, no role ever changed
    (renamed,) = audits("user.updated")
    assert renamed.details["email"] == ["judy@staff.efi.example", "judy.new@staff.efi.example"]

    # Judy's address at the provider becomes the one Kim's account holds.
    spec_provider.set_user("judy", email="kim@staff.efi.example")
    response = browser.sign_in("judy")

    assert response.status_code == 401
    assert "another single sign-on account" in response.text
    assert "local account in the portal" not in response.text
    assert sso_user("judy").email == "judy.new@staff.efi.example"
    (clash,) = sign_in_audits("failure")
    assert (clash.user_id, clash.details["reason"]) == (judy.id, "email_taken")
    assert clash.details["held_by"] == str(sso_user("kim").id)

    make_user(email="lee@staff.efi.example")
    spec_provider.set_user("lee-sso", email="lee@staff.efi.example")
    assert "used by a local account" in Browser(spec_client).sign_in("lee-sso").text


def test_roles_removed_by_the_provider_are_audited(spec_client, spec_provider):
    browser = Browser(spec_client)
    spec_provider.set_user("mia", email="mia@staff.efi.example", groups=["efi-admins"])
    browser.sign_in("mia")
    browser.sign_out()
    spec_provider.set_user("mia", email="mia@staff.efi.example", groups=["not-mapped"])

    assert browser.sign_in("mia").status_code == 303

    assert sso_user("mia").roles == []
    changes = [entry.details for entry in audits("user.roles_changed")]
    assert changes == [
        {"granted": ["administrator"], "removed": []},
        {"granted": [], "removed": ["administrator"]},
    ]


def test_a_tampered_state_does_not_spoil_the_genuine_callback(spec_client, spec_provider):
    spec_provider.set_user("nick", email="nick@staff.efi.example")
    browser = Browser(spec_client)
    callback_url = browser.callback_url("nick")

    forged = return_to_portal(spec_client, with_params(callback_url, state="forged-state"))
    assert forged.status_code == 401
    assert "the state does not match" in forged.text

    genuine = return_to_portal(spec_client, callback_url)
    assert genuine.status_code == 303
    assert sso_user("nick").email == "nick@staff.efi.example"


def test_reloading_the_callback_when_signed_in_goes_home(spec_client, spec_provider):
    spec_provider.set_user("olga", email="olga@staff.efi.example")
    callback_url = Browser(spec_client).callback_url("olga")
    assert return_to_portal(spec_client, callback_url).status_code == 303

    reload = return_to_portal(spec_client, callback_url)

    assert (reload.status_code, reload.location) == (302, "/")
    assert sign_in_audits("failure") == []


def test_sign_out_offers_to_end_the_provider_session_with_the_id_token_as_hint(
    spec_client, spec_provider
):
    spec_provider.set_user("pat", email="pat@staff.efi.example")
    spec_provider.logouts.clear()
    browser = Browser(spec_client)
    browser.sign_in("pat")

    offer = browser.sign_out()

    assert offer.startswith(f"{spec_provider.issuer}/end-session?")
    (logout,) = spec_provider.logouts
    assert logout["post_logout_redirect_uri"] == "http://localhost/auth/sign-in"
    assert logout["client_id"] == CLIENT_ID
    assert jwt.decode(logout["id_token_hint"], spec_provider.key).claims["sub"] == "pat"
    # The provider asks again who signs in, and the portal keeps no ID token.
    assert browser.at_provider.get(start_sign_in(spec_client), timeout=5).status_code == 200
    assert db.session.scalars(sa.select(AuthSession.id_token)).all() == [None]
    # The offer is made once, right after signing out.
    assert "Sign out of" not in spec_client.get("/auth/sign-in").text


def test_configured_issuer_with_a_trailing_slash_still_signs_in(make_app, spec_provider):
    spec_provider.set_user("quinn", email="quinn@staff.efi.example")
    with portal_app(make_app, **sso_settings(spec_provider.issuer + "/")) as app:
        response = Browser(app.test_client()).sign_in("quinn")

    assert response.status_code == 303
    assert sso_user("quinn").oidc_issuer == spec_provider.issuer


def test_switching_local_accounts_off_ends_open_local_sessions(make_app, make_user):
    user = make_user("sales")
    with portal_app(make_app) as app:
        client = app.test_client()
        client.post("/auth/sign-in", data={"email": user.email, "password": DEFAULT_PASSWORD})
        assert client.get("/").status_code == 200
        app.config["LOCAL_ACCOUNTS_ENABLED"] = False

        assert client.get("/").status_code == 302
