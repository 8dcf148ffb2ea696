"""Confirmation of destructive or final actions, one wording for the dialog and the step.

The form carries `data-confirm` (the sentence below) and an empty hidden `confirm` input:
static/js/portal.js asks in a modal dialog and sends `confirm=yes`. Without scripts the view
answers with a page that asks the same question and posts the form again, confirmed; so the
server never acts on an unconfirmed post.
"""

from __future__ import annotations

from flask import Response, render_template, request
from markupsafe import Markup

# What each action does, in the words the person confirming needs.
MESSAGES = {
    "close-customer": (
        "Close {name}'s account? Orders and history stay, but the customer can no longer order "
        "or sign in, and a closed account cannot be reopened."
    ),
    "revoke-token": (
        "Revoke the API token “{name}”? Every system using it is refused from now on; "
        "this cannot be undone."
    ),
    "stop-webhook": (
        "Stop the webhook to {name}? No more events are delivered to it; "
        "to resume, subscribe again."
    ),
    "revoke-role": "Revoke the role {name}? Its permissions end at once.",
    "deactivate-subtree": (
        "Deactivate {name} and everything below it? Its members can no longer act for it "
        "until it is activated again."
    ),
    "erase-customer": (
        "Erase {name}'s personal data? It is removed or anonymised everywhere; "
        "this cannot be undone."
    ),
    "override-verification": (
        "Declare {name} verified without the verification code? The account becomes active "
        "at once, and your justification is recorded and published."
    ),
}
ACTIONS = {
    "close-customer": "Close the account",
    "revoke-token": "Revoke the token",
    "stop-webhook": "Stop the webhook",
    "revoke-role": "Revoke the role",
    "deactivate-subtree": "Deactivate",
    "erase-customer": "Erase the data",
    "override-verification": "Override the verification",
}


def confirmation(kind: str, name: str) -> str:
    return MESSAGES[kind].format(name=name)


def confirm_attributes(kind: str, name: str, when: str = "") -> Markup:
    """The form's attributes for portal.js; `when` ("field=VALUE") asks only for that choice."""
    html = Markup(' data-confirm="{}" data-confirm-action="{}"').format(
        confirmation(kind, name), ACTIONS[kind]
    )
    return html + (Markup(' data-confirm-when="{}"').format(when) if when else "")


def confirmed() -> bool:
    return request.form.get("confirm") == "yes"


def ask(kind: str, name: str, back: str) -> Response:
    """The no-script step: the question, and the posted form again with confirm=yes."""
    fields = [(k, v) for k, v in request.form.items(multi=True) if k != "confirm"]
    html = render_template(
        "confirm.html",
        message=confirmation(kind, name),
        action=ACTIONS[kind],
        fields=fields,
        back=back,
    )
    return Response(html, 200)
