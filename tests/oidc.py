"""OpenID providers for the tests, served on loopback in a thread: oidc-provider-mock, and
`SpecProvider`, which behaves as the specification's defaults do."""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from base64 import urlsafe_b64encode
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import quote, urlencode

import oidc_provider_mock
import requests
from flask import Flask, redirect, request
from joserfc import jwt
from joserfc.jwk import ECKey, RSAKey
from markupsafe import escape
from werkzeug.serving import make_server

CLIENT_ID = "efi-portal-test"
CLIENT_SECRET = "efi-portal-test-secret"
ROLE_MAP = "efi-sales=sales,efi-admins=administrator,efi-compliance=compliance_officer"


@contextmanager
def running_provider(**options) -> Iterator[str]:
    """Yield the issuer URL of a provider that requires a nonce, as real ones should."""
    options.setdefault("require_nonce", True)
    with oidc_provider_mock.run_server_in_thread(**options) as server:
        yield f"http://localhost:{server.server_port}"


def set_provider_user(issuer: str, sub: str, **claims) -> None:
    """Tell the provider which claims to issue for `sub` on its next authorization."""
    response = requests.put(f"{issuer}/users/{quote(sub)}", json=claims, timeout=5)
    response.raise_for_status()


def sso_settings(issuer: str) -> dict:
    return {
        "OIDC_ISSUER": issuer,
        "OIDC_CLIENT_ID": CLIENT_ID,
        "OIDC_CLIENT_SECRET": CLIENT_SECRET,
        "OIDC_ROLE_MAP": ROLE_MAP,
        "OIDC_ROLES_CLAIM": "groups",
    }


class SpecProvider:
    """A small OpenID provider that behaves as OIDC Core's defaults do, unlike the mock.

    Scope claims (e-mail, name, groups) come only from UserInfo, never in the ID token
    (§5.4); ID tokens are signed with `alg` (RS256 or ES256); it keeps a session of its own,
    so a second sign-in goes straight through until RP-initiated logout ends it.
    """

    def __init__(self, alg: str = "RS256") -> None:
        self.alg = alg
        self.key = (
            RSAKey.generate_key(2048, parameters={"kid": "rsa-1"}, private=True)
            if alg.startswith("RS")
            else ECKey.generate_key("P-256", parameters={"kid": "ec-1"}, private=True)
        )
        self.users: dict[str, dict] = {}
        self.userinfo_claims: dict = {}  # claims a test puts over UserInfo answers
        self.logouts: list[dict] = []  # the end-session requests received
        self.issuer = ""
        self._codes: dict[str, dict] = {}
        self._access_tokens: dict[str, str] = {}
        self._sessions: dict[str, str] = {}  # provider session id -> signed-in sub
        self.app = self._build_app()

    def set_user(self, sub: str, **claims) -> None:
        self.users[sub] = claims

    @contextmanager
    def running(self) -> Iterator[str]:
        server = make_server("127.0.0.1", 0, self.app, threaded=True)
        self.issuer = f"http://127.0.0.1:{server.server_port}"
        thread = threading.Thread(target=server.serve_forever, name="spec-provider", daemon=True)
        thread.start()
        try:
            yield self.issuer
        finally:
            server.shutdown()
            server.server_close()
            thread.join(timeout=5)

    def _build_app(self) -> Flask:
        app = Flask(__name__)
        app.add_url_rule("/.well-known/openid-configuration", view_func=self._discovery)
        app.add_url_rule("/jwks", view_func=self._jwks)
        app.add_url_rule("/authorize", view_func=self._authorize, methods=["GET", "POST"])
        app.add_url_rule("/token", view_func=self._token, methods=["POST"])
        app.add_url_rule("/userinfo", view_func=self._userinfo, methods=["GET", "POST"])
        app.add_url_rule("/end-session", view_func=self._end_session)
        return app

    def _discovery(self):
        return {
            "issuer": self.issuer,
            "authorization_endpoint": f"{self.issuer}/authorize",
            "token_endpoint": f"{self.issuer}/token",
            "userinfo_endpoint": f"{self.issuer}/userinfo",
            "jwks_uri": f"{self.issuer}/jwks",
            "end_session_endpoint": f"{self.issuer}/end-session",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": [self.alg],
            "code_challenge_methods_supported": ["S256"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic"],
        }

    def _jwks(self):
        return {"keys": [self.key.as_dict(private=False)]}

    def _authorize(self):
        query = request.args
        if query.get("client_id") != CLIENT_ID or query.get("response_type") != "code":
            return "unknown client or response type", 400
        sub = self._sessions.get(request.cookies.get("provider_session", ""))
        if request.method == "POST":
            sub = request.form["sub"]
        if not sub:
            return (
                f'<form method="post" action="{escape(request.full_path)}">'
                '<label>Subject <input name="sub"></label>'
                "<button>Authorize</button></form>"
            )
        code = secrets.token_urlsafe(16)
        self._codes[code] = {"sub": sub, **query}
        response = redirect(
            f"{query['redirect_uri']}?{urlencode({'code': code, 'state': query['state']})}"
        )
        session_id = secrets.token_urlsafe(16)
        self._sessions[session_id] = sub
        response.set_cookie("provider_session", session_id)
        return response

    def _token(self):
        grant = self._codes.pop(request.form.get("code", ""), None)
        verifier = request.form.get("code_verifier", "")
        challenge = urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=")
        if (
            request.authorization is None
            or (request.authorization.username, request.authorization.password)
            != (CLIENT_ID, CLIENT_SECRET)
            or grant is None
            or grant["redirect_uri"] != request.form.get("redirect_uri")
            or grant["code_challenge"] != challenge.decode()
        ):
            return {"error": "invalid_grant"}, 400
        access_token = secrets.token_urlsafe(24)
        self._access_tokens[access_token] = grant["sub"]
        now = int(time.time())
        claims = {
            "iss": self.issuer,
            "sub": grant["sub"],
            "aud": CLIENT_ID,
            "iat": now,
            "exp": now + 300,
            "nonce": grant.get("nonce"),
        }
        id_token = jwt.encode({"alg": self.alg, "kid": self.key.kid}, claims, self.key)
        return {"access_token": access_token, "token_type": "Bearer", "id_token": id_token}

    def _userinfo(self):
        sub = self._access_tokens.get(request.headers.get("Authorization", "")[len("Bearer ") :])
        if sub is None:
            return {"error": "invalid_token"}, 401
        return {"sub": sub, **self.users.get(sub, {}), **self.userinfo_claims}

    def _end_session(self):
        self.logouts.append(request.args.to_dict())
        self._sessions.pop(request.cookies.get("provider_session", ""), None)
        target = request.args.get("post_logout_redirect_uri")
        if not target:
            return "You are signed out of the provider."
        state = request.args.get("state")
        return redirect(f"{target}?{urlencode({'state': state})}" if state else target)
