"""The review forms: merge (with the per-field choice), not a duplicate, undo, and the
registration check's fields."""

from __future__ import annotations

from wtforms import BooleanField, StringField
from wtforms.validators import Optional

from portal.customers.forms.profile import VersionField
from portal.customers.models import Customer
from portal.duplicates.values import MERGED_FIELDS
from portal.forms import Form, fits

SECONDARY = "secondary"


class MergeForm(Form):
    """The versions the preview showed and whether B2C may merge with B2B; each merged field's
    choice comes as `keep_<field>` = primary | secondary (the preview's radio buttons)."""

    primary_version = VersionField()
    secondary_version = VersionField()
    category_override = BooleanField("Merge a business with a consumer anyway")

    def take_from_secondary(self, formdata) -> frozenset[str]:
        return frozenset(f for f in MERGED_FIELDS if formdata.get(f"keep_{f}") == SECONDARY)


class DecisionForm(Form):
    """Not a duplicate, or undo: the version of the pair or merge the page showed."""

    version = VersionField()


class CheckForm(Form):
    """The registration form's identifying fields, as typed (the check saves nothing)."""

    name = StringField(validators=[Optional(), fits(Customer.name)])
    email = StringField(validators=[Optional(), fits(Customer.email)])
    phone = StringField(validators=[Optional(), fits(Customer.phone)])
