"""Local sign-in, lockout, and the session rules: fresh on sign-in, idle and absolute limits,
sign-out that really ends the session."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from portal.extensions import db
from portal.models import utcnow
from portal.security.models import AuditEntry, AuthSession, User
from tests.conftest import DEFAULT_PASSWORD, sign_in_client

GENERIC = "Sign-in failed"


def _sign_in(client, email, password=DEFAULT_PASSWORD):
    return client.post("/auth/sign-in", data={"email": email, "password": password})


def test_local_sign_in_opens_a_server_side_session(client, make_user):
    user = make_user("sales")
    response = _sign_in(client, user.email)
    assert response.status_code == 303
    assert client.get("/").status_code == 200
    stored = db.session.scalars(select(AuthSession).where(AuthSession.user_id == user.id)).one()
    assert stored.method == "local"
    assert stored.ended_at is None


def test_sign_in_returns_to_the_page_asked_for_but_never_off_site(client, make_user):
    user = make_user("administrator")
    client.get("/auth/sign-in?next=/admin/roles")
    assert _sign_in(client, user.email).location == "/admin/roles"
    other = make_user("sales")
    fresh = client.application.test_client()
    fresh.get("/auth/sign-in?next=https://evil.example/steal")
    assert _sign_in(fresh, other.email).location == "/"


def test_wrong_password_and_unknown_account_look_the_same(client, make_user):
    user = make_user("sales")
    wrong = _sign_in(client, user.email, "not the password")
    unknown = _sign_in(client, "nobody@staff.efi.example", "whatever")
    assert wrong.status_code == unknown.status_code == 401
    assert GENERIC in wrong.text
    assert GENERIC in unknown.text
    assert wrong.text.count("alert") == unknown.text.count("alert")
    failures = db.session.scalars(
        select(AuditEntry).where(
            AuditEntry.action == "auth.sign_in", AuditEntry.outcome == "failure"
        )
    ).all()
    assert {f.actor for f in failures} == {user.email, "nobody@staff.efi.example"}


def test_invalid_form_is_422_with_messages_at_the_fields(client):
    response = client.post("/auth/sign-in", data={"email": "not-an-email", "password": ""})
    assert response.status_code == 422
    assert 'id="email-error"' in response.text
    assert 'id="password-error"' in response.text


def test_five_failures_lock_the_account_even_for_the_right_password(client, make_user):
    user = make_user("sales")
    for _ in range(5):
        _sign_in(client, user.email, "wrong")
    db.session.refresh(user)
    assert user.locked_until is not None
    response = _sign_in(client, user.email)
    assert response.status_code == 401
    assert GENERIC in response.text
    assert client.get("/").status_code == 302


def test_lock_expires(client, make_user):
    user = make_user("sales")
    user.locked_until = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert _sign_in(client, user.email).status_code == 303


def test_deactivated_account_cannot_sign_in_and_loses_its_sessions(client, make_user):
    user = make_user("sales")
    sign_in_client(client, user)
    assert client.get("/").status_code == 200
    user.active = False
    db.session.commit()
    assert client.get("/").status_code == 302
    assert _sign_in(client.application.test_client(), user.email).status_code == 401


def test_local_accounts_can_be_switched_off(make_app, make_user):
    app = make_app(LOCAL_ACCOUNTS_ENABLED=False)
    user = make_user("sales")
    client = app.test_client()
    assert "password" not in client.get("/auth/sign-in").text.lower()
    assert _sign_in(client, user.email).status_code == 404


def test_sign_in_starts_a_fresh_session(client, make_user):
    user = make_user("sales")
    with client.session_transaction() as session:
        session["planted"] = "by an attacker"
    _sign_in(client, user.email)
    with client.session_transaction() as session:
        assert "planted" not in session


def test_sign_out_ends_the_session_even_for_a_replayed_cookie(client, make_user):
    user = make_user("sales")
    _sign_in(client, user.email)
    stolen = client.get_cookie("efi_session").value
    assert client.post("/auth/sign-out").status_code == 303
    replay = client.application.test_client()
    replay.set_cookie("efi_session", stolen)
    assert replay.get("/").status_code == 302
    ended = db.session.scalars(select(AuthSession).where(AuthSession.user_id == user.id)).one()
    assert ended.ended_reason == "sign_out"


def test_idle_timeout(client, make_user):
    user = make_user("sales")
    sign_in_client(client, user)
    with client.session_transaction() as session:
        session["seen"] = (utcnow() - timedelta(minutes=31)).isoformat()
    assert client.get("/").status_code == 302


def test_activity_keeps_the_session_alive(client, make_user):
    user = make_user("sales")
    sign_in_client(client, user)
    with client.session_transaction() as session:
        session["seen"] = (utcnow() - timedelta(minutes=29)).isoformat()
    assert client.get("/").status_code == 200
    with client.session_transaction() as session:
        assert utcnow() - _parse(session["seen"]) < timedelta(minutes=1)


def test_absolute_lifetime(client, make_user):
    user = make_user("sales")
    session_id = sign_in_client(client, user)
    db.session.get(AuthSession, session_id).created_at = utcnow() - timedelta(hours=12, minutes=1)
    db.session.commit()
    assert client.get("/").status_code == 302


def test_session_cookie_flags(client, make_user):
    user = make_user("sales")
    response = _sign_in(client, user.email)
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


def _parse(value: str):
    from datetime import datetime

    return datetime.fromisoformat(value)


def test_no_password_hash_for_sso_users_means_no_local_sign_in(client):
    user = User(
        email="sso-only@staff.efi.example", name="SSO Only", oidc_issuer="x", oidc_subject="1"
    )
    db.session.add(user)
    db.session.commit()
    assert _sign_in(client, user.email, "").status_code == 422
    assert _sign_in(client, user.email, "anything").status_code == 401
