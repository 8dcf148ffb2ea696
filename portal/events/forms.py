from wtforms import (
    DateField,
    IntegerField,
    SearchField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    URLField,
)
from wtforms.validators import URL, DataRequired, NumberRange, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from portal.events.catalogue import PUBLISHED
from portal.events.models import OutboxEvent, WebhookSubscription
from portal.forms import Form, fits
from portal.idempotency import OnceForm


class EventFilterForm(Form):
    """Filters travel in the query string so a filtered view can be bookmarked."""

    class Meta:
        csrf = False  # a GET search form changes nothing

    type = SelectField(
        "Type",
        choices=[SelectChoice("", "Any type"), *(SelectChoice(t, t) for t in PUBLISHED)],
        validate_choice=False,
    )
    aggregate = SearchField("Aggregate id", validators=[Optional(), fits(OutboxEvent.aggregate_id)])
    status = SelectField(
        "Delivery",
        default="",
        choices=[
            SelectChoice("", "Any"),
            *(SelectChoice(s, s.capitalize()) for s in ("pending", "sent", "failed")),
        ],
    )
    date_from = DateField("From", validators=[Optional()])
    date_to = DateField("To", validators=[Optional()])
    page = IntegerField("Page", default=1, validators=[Optional(), NumberRange(min=1, max=100_000)])

    def validate_date_to(self, field):
        if field.data and self.date_from.data and field.data < self.date_from.data:
            raise ValidationError("The end date is before the start date.")


class Checkboxes(SelectMultipleField):
    """A list of checkboxes of which at least one must be ticked (checked on the server: the
    `required` attribute would make the browser demand every box)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def __init__(self, label: str, *, message: str, **kwargs):
        super().__init__(label, validators=[_AtLeastOne(message)], **kwargs)


class _AtLeastOne(DataRequired):
    def __init__(self, message: str):
        super().__init__(message)
        self.field_flags = {}


class WebhookForm(OnceForm):
    url = URLField(
        "URL", validators=[DataRequired(), URL(require_tld=False), fits(WebhookSubscription.url)]
    )
    event_types = Checkboxes(
        "Event types",
        choices=[SelectChoice(t, t) for t in PUBLISHED],
        default=["CustomerSegmentChanged"],
        message="Choose at least one event type.",
    )
