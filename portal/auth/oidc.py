"""The OpenID Connect client: discovery, authorization code with PKCE, state, nonce, iss, aud."""

from __future__ import annotations

import secrets

import requests
from authlib.integrations.base_client.errors import OAuthError
from authlib.integrations.flask_client import OAuth
from flask import Flask, current_app, session, url_for
from joserfc.errors import JoseError

CLIENT_NAME = "sso"
_NONCE_KEY = "oidc_nonce"
_EXTENSION_KEY = "portal.oidc_client"
# What a refused ID token claim means, in words a user and an auditor understand.
_CLAIM_PROBLEMS = {
    "nonce": "the nonce does not match this sign-in",
    "aud": "it was issued for another application",
    "iss": "it comes from another issuer",
    "exp": "it has expired",
}


class OidcError(Exception):
    """The provider's answer was refused; the message says why, for the user and the log."""


def init_oidc(app: Flask) -> None:
    if not app.config["OIDC_ISSUER"]:
        return
    issuer = app.config["OIDC_ISSUER"].rstrip("/")
    # One registry per app: Authlib's registry caches clients by name, so a shared one would
    # keep the first app's issuer and client id for every app created after it.
    app.extensions[_EXTENSION_KEY] = OAuth(app).register(
        CLIENT_NAME,
        client_id=app.config["OIDC_CLIENT_ID"],
        client_secret=app.config["OIDC_CLIENT_SECRET"],
        server_metadata_url=f"{issuer}/.well-known/openid-configuration",
        client_kwargs={"scope": app.config["OIDC_SCOPES"], "code_challenge_method": "S256"},
        overwrite=True,
    )


def enabled() -> bool:
    return bool(current_app.config["OIDC_ISSUER"])


def _client():
    return current_app.extensions[_EXTENSION_KEY]


_UNREACHABLE = "The identity provider could not be reached. Try again in a moment."


def authorize_redirect():
    nonce = secrets.token_urlsafe(24)
    session[_NONCE_KEY] = nonce
    try:
        return _client().authorize_redirect(
            url_for("auth.sso_callback", _external=True), nonce=nonce
        )
    except requests.RequestException as exc:
        raise OidcError(f"{_UNREACHABLE} ({type(exc).__name__})") from exc


def complete_sign_in() -> tuple[str, dict]:
    """Exchange the code and validate the ID token; return (issuer, claims)."""
    client = _client()
    nonce = session.pop(_NONCE_KEY, None)
    try:
        # Authlib checks state, runs the PKCE exchange and validates the ID token's
        # signature, iss (against discovery), aud (our client id), exp and nonce.
        token = client.authorize_access_token(claims_options=_claims_options(client))
    except OAuthError as exc:
        raise OidcError(_describe(exc.error, exc.description)) from exc
    except requests.RequestException as exc:
        raise OidcError(f"{_UNREACHABLE} ({type(exc).__name__})") from exc
    except JoseError as exc:
        problem = _CLAIM_PROBLEMS.get(getattr(exc, "claim", ""), exc.error)
        raise OidcError(f"The identity token was refused: {problem} ({exc.description}).") from exc
    claims = dict(token.get("userinfo") or {})
    if not nonce or claims.get("nonce") != nonce:
        raise OidcError("The identity token was refused: the nonce does not match this sign-in.")
    issuer = client.load_server_metadata()["issuer"]
    if claims.get("iss") != issuer or claims.get("iss") != current_app.config["OIDC_ISSUER"]:
        raise OidcError("The identity token was refused: it comes from another issuer.")
    if not claims.get("sub"):
        raise OidcError("The identity token was refused: it names no subject.")
    return issuer, claims


def _claims_options(client) -> dict:
    metadata = client.load_server_metadata()
    return {
        "iss": {"essential": True, "value": metadata["issuer"]},
        "aud": {"essential": True, "value": current_app.config["OIDC_CLIENT_ID"]},
        "sub": {"essential": True},
    }


def _describe(error: str, description: str | None) -> str:
    if error == "mismatching_state":
        return (
            "The sign-in could not be completed: the state does not match "
            "(possible forgery). Start again."
        )
    return f"The identity provider refused the sign-in: {error}" + (
        f" ({description})" if description else ""
    )
