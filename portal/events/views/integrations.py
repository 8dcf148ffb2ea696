"""Webhook subscriptions and the webhook delivery log (the API's tokens are on the same
Integrations pages, see portal.api.admin)."""

from __future__ import annotations

from flask import abort, flash, request, url_for
from flask_login import current_user

from portal.confirmation import ask, confirmed
from portal.events import queries, webhooks
from portal.events.forms import WebhookForm
from portal.events.models import WebhookSubscription
from portal.events.views import bp
from portal.extensions import db
from portal.htmx import redirect_after_post, render
from portal.idempotency import create_once
from portal.security.access import require


def _webhooks_page(
    form: WebhookForm,
    status: int = 200,
    secret: str | None = None,
    rotated: WebhookSubscription | None = None,
    **context,
):
    return render(
        "events/webhooks.html",
        form=form,
        subscriptions=queries.subscriptions(),
        secret=secret,
        rotated=rotated,
        status=status,
        **context,
    )


@bp.get("/integrations/webhooks")
@require("admin:integrations:manage")
def webhook_list():
    return _webhooks_page(WebhookForm(formdata=None))


@bp.post("/integrations/webhooks")
@require("admin:integrations:manage")
def webhook_create():
    form = WebhookForm()
    if not form.validate_on_submit():
        return _webhooks_page(form, 422)
    outcome = create_once(
        current_user,
        form,
        lambda: webhooks.subscribe(current_user, form.url.data, form.event_types.data),
        lambda _: url_for("events.webhook_list"),
    )
    if outcome.created is None:  # sent again: the subscription exists, its secret was shown once
        return _webhooks_page(WebhookForm(formdata=None), resent=form.url.data)
    return _webhooks_page(WebhookForm(formdata=None), 201, secret=outcome.created[1])


@bp.post("/integrations/webhooks/<subscription_id>/stop")
@require("admin:integrations:manage")
def webhook_stop(subscription_id: str):
    subscription = db.session.get(WebhookSubscription, subscription_id) or abort(404)
    if not confirmed():
        return ask("stop-webhook", subscription.url, url_for("events.webhook_list"))
    webhooks.unsubscribe(current_user, subscription)
    flash(f"Deliveries to {subscription.url} are stopped.", "success")
    return redirect_after_post("events.webhook_list")


@bp.post("/integrations/webhooks/<subscription_id>/rotate")
@require("admin:integrations:manage")
def webhook_rotate(subscription_id: str):
    subscription = db.session.get(WebhookSubscription, subscription_id)
    if subscription is None or not subscription.active:
        abort(404)
    secret = webhooks.rotate_secret(current_user, subscription)
    # Shown once, on this response only, like a new subscription's secret.
    return _webhooks_page(WebhookForm(formdata=None), secret=secret, rotated=subscription)


@bp.get("/integrations/webhooks/deliveries")
@require("admin:events:read")
def delivery_list():
    status = request.args.get("status", "")
    if status and status not in queries.DELIVERY_STATUSES:
        abort(404)
    page = queries.delivery_page(request.args.get("page", 1, type=int) or 1, status)
    return render(
        "events/deliveries.html", page=page, shown=status, statuses=queries.DELIVERY_STATUSES
    )
