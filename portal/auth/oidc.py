"""The OpenID Connect client: discovery, authorization code with PKCE, state, nonce, iss, aud."""

from __future__ import annotations

import logging
import secrets

import requests
from authlib.integrations.base_client.errors import OAuthError
from authlib.integrations.flask_client import OAuth
from flask import Flask, current_app, request, session, url_for
from joserfc.errors import JoseError

log = logging.getLogger(__name__)

CLIENT_NAME = "sso"
_NONCE_KEY = "oidc_nonce"
_EXTENSION_KEY = "portal.oidc_client"
_SLASH_WARNED_KEY = "portal.oidc_issuer_slash_warned"
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
    # Discovery lives under the issuer without its trailing slash (Discovery §4).
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


def _metadata() -> dict:
    """The discovery document, once its issuer is found to be the configured OIDC_ISSUER.

    A trailing slash is the one difference forgiven (the provider's spelling is then used):
    ID tokens must name the issuer exactly as discovery does.
    """
    try:
        metadata = _client().load_server_metadata()
    except requests.RequestException as exc:
        raise OidcError(f"{_UNREACHABLE} ({type(exc).__name__})") from exc
    configured, announced = current_app.config["OIDC_ISSUER"], str(metadata.get("issuer"))
    if announced.rstrip("/") != configured.rstrip("/"):
        log.error("OIDC_ISSUER is %r but the provider's discovery names %r", configured, announced)
        raise OidcError(
            f"Single sign-on is misconfigured: OIDC_ISSUER is {configured!r} but the provider "
            f"calls itself {announced!r}. Tell an administrator."
        )
    if announced != configured and not current_app.extensions.get(_SLASH_WARNED_KEY):
        current_app.extensions[_SLASH_WARNED_KEY] = True
        log.warning(
            "OIDC_ISSUER %r differs from discovery's %r in a trailing slash: using the provider's",
            configured,
            announced,
        )
    return metadata


def authorize_redirect():
    _metadata()
    nonce = secrets.token_urlsafe(24)
    session[_NONCE_KEY] = nonce
    try:
        return _client().authorize_redirect(
            url_for("auth.sso_callback", _external=True), nonce=nonce
        )
    except requests.RequestException as exc:
        raise OidcError(f"{_UNREACHABLE} ({type(exc).__name__})") from exc


def complete_sign_in() -> tuple[str, dict, str]:
    """Exchange the code, validate the ID token and add UserInfo's claims when it lacks them;
    return (issuer, claims, the raw ID token).

    Nothing of the pending sign-in is spent before its state is found: a forged callback
    must not spoil the genuine one that follows.
    """
    client = _client()
    state = request.args.get("state")
    if "error" not in request.args and client.framework.get_state_data(session, state) is None:
        raise OidcError(_describe("mismatching_state", None))
    issuer = _metadata()["issuer"]
    try:
        # Authlib runs the PKCE exchange and validates the ID token's signature, iss
        # (against discovery), aud (our client id), exp and nonce.
        token = client.authorize_access_token(claims_options=_claims_options(issuer))
    except OAuthError as exc:
        raise OidcError(_describe(exc.error, exc.description)) from exc
    except requests.RequestException as exc:
        raise OidcError(f"{_UNREACHABLE} ({type(exc).__name__})") from exc
    except JoseError as exc:
        problem = _CLAIM_PROBLEMS.get(getattr(exc, "claim", ""), exc.error)
        raise OidcError(f"The identity token was refused: {problem} ({exc.description}).") from exc
    if "id_token" not in token:
        raise OidcError("The identity provider sent no identity token.")
    claims = dict(token["userinfo"])
    # Only the latest sign-in started in this browser may finish.
    nonce = session.get(_NONCE_KEY)
    if not nonce or claims.get("nonce") != nonce:
        raise OidcError("The identity token was refused: the nonce does not match this sign-in.")
    if claims.get("iss") != issuer:
        raise OidcError("The identity token was refused: it comes from another issuer.")
    if not claims.get("sub"):
        raise OidcError("The identity token was refused: it names no subject.")
    if any(name not in claims for name in _wanted_claims()):
        claims = {**_userinfo(client, token, claims["sub"]), **claims}
    return issuer, claims, token["id_token"]


def _wanted_claims() -> tuple[str, ...]:
    return ("email", "name", current_app.config["OIDC_ROLES_CLAIM"])


def _userinfo(client, token: dict, subject: str) -> dict:
    """Scope claims that the provider keeps out of the ID token (OIDC Core §5.4)."""
    if not _metadata().get("userinfo_endpoint"):
        return {}
    try:
        found = dict(client.userinfo(token=token))
    except requests.RequestException as exc:
        raise OidcError(f"{_UNREACHABLE} ({type(exc).__name__})") from exc
    except ValueError as exc:  # not JSON (a signed or encrypted answer is not supported)
        raise OidcError("The identity provider's UserInfo answer could not be read.") from exc
    # §5.3.2: a UserInfo answer for another subject must not be used.
    if found.get("sub") != subject:
        raise OidcError(
            "The identity provider's UserInfo answer was refused: it names another subject."
        )
    return found


def logout_url(id_token: str | None, return_to: str) -> str | None:
    """The provider's end-session URL (RP-initiated logout) if it advertises one."""
    try:
        endpoint = _metadata().get("end_session_endpoint")
    except OidcError as exc:
        log.warning("the provider session is left open: %s", exc)
        return None
    if not endpoint:
        return None
    return _client().create_logout_url(
        post_logout_redirect_uri=return_to,
        id_token_hint=id_token,
        client_id=current_app.config["OIDC_CLIENT_ID"],
    )["url"]


def _claims_options(issuer: str) -> dict:
    return {
        "iss": {"essential": True, "value": issuer},
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
