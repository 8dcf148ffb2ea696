"""The API token form (portal.api.admin)."""

from __future__ import annotations

from wtforms import SelectChoice, StringField
from wtforms.validators import DataRequired

from portal.api.models import ApiToken
from portal.api.tokens import SCOPES
from portal.events.forms import Checkboxes
from portal.forms import fits
from portal.idempotency import OnceForm


class TokenForm(OnceForm):
    name = StringField(
        "Calling system",
        validators=[DataRequired(), fits(ApiToken.name)],
        description="order-service",
    )
    scopes = Checkboxes(
        "Scopes",
        choices=[SelectChoice(scope, f"{scope}: {text}") for scope, text in SCOPES.items()],
        message="Choose at least one scope.",
    )
