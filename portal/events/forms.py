from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    IntegerField,
    SearchField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    URLField,
)
from wtforms.validators import URL, DataRequired, Length, NumberRange, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from portal.api.tokens import SCOPES
from portal.events.catalogue import PUBLISHED
from portal.idempotency import OnceForm


class EventFilterForm(FlaskForm):
    """Filters travel in the query string so a filtered view can be bookmarked."""

    class Meta:
        csrf = False  # a GET search form changes nothing

    type = SelectField(
        "Type",
        choices=[SelectChoice("", "Any type"), *(SelectChoice(t, t) for t in PUBLISHED)],
        validate_choice=False,
    )
    aggregate = SearchField("Aggregate id", validators=[Optional(), Length(max=80)])
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
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class TokenForm(OnceForm):
    name = StringField(
        "Calling system", validators=[DataRequired(), Length(max=100)], description="order-service"
    )
    scopes = Checkboxes(
        "Scopes",
        choices=[SelectChoice(scope, f"{scope}: {text}") for scope, text in SCOPES.items()],
        validators=[DataRequired(message="Choose at least one scope.")],
    )


class WebhookForm(OnceForm):
    url = URLField("URL", validators=[DataRequired(), URL(require_tld=False), Length(max=500)])
    event_types = Checkboxes(
        "Event types",
        choices=[SelectChoice(t, t) for t in PUBLISHED],
        default=["CustomerSegmentChanged"],
        validators=[DataRequired(message="Choose at least one event type.")],
    )
