from wtforms import DateField, IntegerField, SearchField, SelectChoice, SelectField
from wtforms.validators import NumberRange, Optional, ValidationError

from portal.forms import Form, fits
from portal.security.audit import OUTCOMES
from portal.security.models import AuditEntry


class AuditFilterForm(Form):
    """Filters travel in the query string so a filtered view can be bookmarked."""

    class Meta:
        csrf = False  # a GET search form changes nothing

    user = SearchField("User", validators=[Optional(), fits(AuditEntry.actor)])
    action = SelectField("Action", choices=[], validate_choice=False, validators=[Optional()])
    outcome = SelectField(
        "Outcome",
        choices=[SelectChoice("", "Any outcome")]
        + [SelectChoice(o, o.capitalize()) for o in OUTCOMES],
        validators=[Optional()],
    )
    record = SearchField("Record id", validators=[Optional(), fits(AuditEntry.record_id)])
    date_from = DateField("From", validators=[Optional()])
    date_to = DateField("To", validators=[Optional()])
    page = IntegerField("Page", default=1, validators=[Optional(), NumberRange(min=1, max=100_000)])

    def validate_date_to(self, field):
        if field.data and self.date_from.data and field.data < self.date_from.data:
            raise ValidationError("The end date is before the start date.")
