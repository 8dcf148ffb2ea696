"""The form to override a customer's verification: the justification, once per rendering."""

from __future__ import annotations

from wtforms import TextAreaField
from wtforms.validators import Optional

from portal.customers.rules.status import JUSTIFICATION_LONGEST
from portal.forms import MaxLength
from portal.idempotency import OnceForm


class VerificationOverrideForm(OnceForm):
    # Required by the rule (rules.status), which says so next to the field.
    justification = TextAreaField(
        "Justification", validators=[Optional(), MaxLength(JUSTIFICATION_LONGEST)]
    )
