"""Sign-in and sign-out pages. The services decide; these views parse, call and render."""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from flask import abort, current_app, flash, redirect, request, session, url_for
from flask_login import current_user, login_user, logout_user

from portal.auth import bp, oidc, services
from portal.auth.forms import SignInForm
from portal.extensions import db
from portal.htmx import render
from portal.logs import redact
from portal.security import audit
from portal.security.access import public, require
from portal.security.permissions import SIGNED_IN

log = logging.getLogger(__name__)
# The provider's end-session URL, offered on the sign-in page right after an SSO sign-out.
_PROVIDER_LOGOUT = "provider_logout"


def _safe_next(target: str | None) -> str:
    """Only same-site paths: never an open redirect."""
    if target:
        parts = urlsplit(target)
        if (
            not parts.scheme
            and not parts.netloc
            and target.startswith("/")
            and not target.startswith("//")
        ):
            return target
    return url_for("home.index")


def _open_session(user, method: str, id_token: str | None = None):
    next_url = _safe_next(session.get("next"))
    session.clear()  # a fresh session on sign-in: nothing from before survives
    services.start_session(
        user, method, request.remote_addr, request.user_agent.string, id_token=id_token
    )
    login_user(user)
    session.permanent = True
    return redirect(next_url, code=303)


def _sign_in_page(
    form: SignInForm,
    status: int = 200,
    error: str | None = None,
    provider_logout: str | None = None,
):
    return render(
        "auth/sign_in.html",
        form=form,
        error=error,
        local_enabled=current_app.config["LOCAL_ACCOUNTS_ENABLED"],
        sso_enabled=oidc.enabled(),
        sso_name=current_app.config["OIDC_PROVIDER_NAME"],
        provider_logout=provider_logout,
        status=status,
    )


@bp.get("/sign-in")
@public
def sign_in():
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    if request.args.get("next"):
        session["next"] = _safe_next(request.args["next"])
    return _sign_in_page(SignInForm(), provider_logout=session.pop(_PROVIDER_LOGOUT, None))


@bp.post("/sign-in")
@public
def sign_in_post():
    if not current_app.config["LOCAL_ACCOUNTS_ENABLED"]:
        abort(404)
    form = SignInForm()
    if not form.validate():
        return _sign_in_page(form, status=422)
    try:
        user = services.authenticate_local(form.email.data, form.password.data)
    except services.SignInError as exc:
        log.info("local sign-in refused for %s", redact(form.email.data))
        return _sign_in_page(form, status=401, error=str(exc))
    return _open_session(user, "local")


@bp.get("/sso")
@public
def sso_start():
    if not oidc.enabled():
        abort(404)
    try:
        return oidc.authorize_redirect()
    except oidc.OidcError as exc:
        log.warning("SSO sign-in could not start: %s", exc)
        return _sign_in_page(SignInForm(), status=502, error=str(exc))


@bp.get("/callback")
@public
def sso_callback():
    if not oidc.enabled():
        abort(404)
    if current_user.is_authenticated:  # a reload of the callback after signing in
        return redirect(url_for("home.index"))
    try:
        issuer, claims, id_token = oidc.complete_sign_in()
        user = services.sign_in_from_claims(issuer, claims)
    except (oidc.OidcError, services.SignInError) as exc:
        db.session.rollback()
        log.warning("SSO sign-in refused: %s", exc)
        if isinstance(exc, oidc.OidcError):
            audit.record_now(
                "auth.sign_in",
                outcome=audit.FAILURE,
                actor="sso",
                details={"method": "sso", "reason": str(exc)},
            )
        return _sign_in_page(SignInForm(), status=401, error=str(exc))
    return _open_session(user, "sso", id_token)


@bp.post("/sign-out")
@require(SIGNED_IN)
def sign_out():
    id_token = services.end_session(current_user.get_id(), current_user._get_current_object())
    logout_user()
    session.clear()
    flash("You are signed out.", "info")
    if id_token and oidc.enabled():
        # Offered as a link on the next page, not a redirect from here: the CSP's form-action
        # keeps this form's redirects on our origin.
        session[_PROVIDER_LOGOUT] = oidc.logout_url(
            id_token, url_for("auth.sign_in", _external=True)
        )
    return redirect(url_for("auth.sign_in"), code=303)
