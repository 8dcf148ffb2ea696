"""The API tokens' pages, in the administrators' Integrations section (the events blueprint,
beside the webhooks): the API owns its tokens, the events area only hosts the section."""

from __future__ import annotations

from flask import abort, flash, url_for
from flask_login import current_user

from portal.api import tokens
from portal.api.forms import TokenForm
from portal.api.models import ApiToken
from portal.confirmation import ask, confirmed
from portal.events.views import bp
from portal.extensions import db
from portal.htmx import redirect_after_post, render
from portal.idempotency import create_once
from portal.security.access import require


def _tokens_page(form: TokenForm, status: int = 200, issued: str | None = None, **context):
    return render(
        "events/tokens.html",
        form=form,
        tokens=tokens.listed(),
        issued=issued,
        status=status,
        **context,
    )


@bp.get("/integrations/tokens")
@require("admin:integrations:manage")
def token_list():
    return _tokens_page(TokenForm(formdata=None))


@bp.post("/integrations/tokens")
@require("admin:integrations:manage")
def token_create():
    form = TokenForm()
    if not form.validate_on_submit():
        return _tokens_page(form, 422)
    outcome = create_once(
        current_user,
        form,
        lambda: tokens.issue(current_user, form.name.data, form.scopes.data),
        lambda _: url_for("events.token_list"),
    )
    if outcome.created is None:  # sent again: the token exists, its value was shown once
        return _tokens_page(TokenForm(formdata=None), resent=form.name.data)
    # Shown once, on this response only: it is stored hashed.
    return _tokens_page(TokenForm(formdata=None), 201, issued=outcome.created[1])


@bp.post("/integrations/tokens/<token_id>/revoke")
@require("admin:integrations:manage")
def token_revoke(token_id: str):
    token = db.session.get(ApiToken, token_id) or abort(404)
    if not confirmed():
        return ask("revoke-token", token.name, url_for("events.token_list"))
    tokens.revoke(current_user, token)
    flash(f"Token “{token.name}” is revoked; requests with it are refused from now on.", "success")
    return redirect_after_post("events.token_list")
