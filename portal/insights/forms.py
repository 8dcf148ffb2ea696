"""The at-risk list's query string."""

from __future__ import annotations

from wtforms import IntegerField
from wtforms.validators import NumberRange, Optional

from portal.forms import Form


class AtRiskForm(Form):
    class Meta:
        csrf = False

    page = IntegerField("Page", default=1, validators=[Optional(), NumberRange(min=1, max=100_000)])
