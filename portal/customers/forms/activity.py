"""Forms for preferences, interactions and primary contact changes."""

from __future__ import annotations

from datetime import UTC

from wtforms import (
    DateField,
    DateTimeLocalField,
    HiddenField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Optional, ValidationError

from portal.customers import journey
from portal.customers.forms.profile import (
    LIST_LONGEST,
    CheckboxesField,
    CommaListField,
    VersionField,
    blank_to_none,
)
from portal.customers.models import CustomerPreference, Interaction, PendingContactChange
from portal.customers.values import (
    COMMUNICATION_FREQUENCIES,
    RECORDED_BY_STAFF,
    ContactMethod,
    InteractionType,
    Preferences,
)
from portal.forms import Form, MaxLength, fits
from portal.idempotency import OnceForm
from portal.labels import choices


class PreferencesForm(Form):
    channels = CheckboxesField("Channels", choices=choices(ContactMethod))
    frequency = SelectField(
        "Frequency", choices=choices(COMMUNICATION_FREQUENCIES, blank="—"), validators=[Optional()]
    )
    language = StringField(
        "Language",
        validators=[Optional(), fits(CustomerPreference.language)],
        description="A code such as en, es or fr-CA.",
    )
    product_interests = CommaListField(
        "Product interests", validators=[MaxLength(LIST_LONGEST)], description="Comma-separated."
    )
    dietary_preferences = CommaListField(
        "Dietary preferences", validators=[MaxLength(LIST_LONGEST)], description="Comma-separated."
    )
    special_dates = TextAreaField(
        "Special dates",
        validators=[Optional(), MaxLength(LIST_LONGEST)],
        description="One a line: label, a colon, then MM-DD or YYYY-MM-DD (Birthday: 05-14).",
    )
    version = VersionField()  # 0: no preferences stored yet

    def preferences(self) -> Preferences:
        dates = []
        for line in (self.special_dates.data or "").splitlines():
            if line.strip():
                label, _, when = line.partition(":")
                dates.append({"label": label.strip(), "date": when.strip()})
        return Preferences(
            channels=tuple(self.channels.data or ()),
            frequency=blank_to_none(self.frequency.data),
            language=blank_to_none((self.language.data or "").strip()),
            product_interests=tuple(self.product_interests.data or ()),
            dietary_preferences=tuple(self.dietary_preferences.data or ()),
            special_dates=tuple(dates),
        )


def preferences_form(preference, **kwargs) -> PreferencesForm:
    if preference is None:
        return PreferencesForm(data={"version": 0}, **kwargs)
    dates = "\n".join(f"{d.get('label')}: {d.get('date')}" for d in preference.special_dates)
    data = {
        "channels": preference.channels,
        "frequency": preference.frequency,
        "language": preference.language,
        "product_interests": preference.product_interests,
        "dietary_preferences": preference.dietary_preferences,
        "special_dates": dates,
        "version": preference.version,
    }
    return PreferencesForm(data=data, **kwargs)


class InteractionForm(OnceForm):
    type = SelectField("Type", choices=choices(RECORDED_BY_STAFF))
    occurred_at = DateTimeLocalField("When (UTC)", validators=[Optional()])
    summary = StringField("Summary", validators=[Optional(), fits(Interaction.summary)])
    # A Text column: long notes are welcome, within reason.
    details = TextAreaField("Details", validators=[Optional(), MaxLength(20_000)])

    def when(self):
        # The browser sends a local wall time without a zone; the label says it is UTC.
        return self.occurred_at.data.replace(tzinfo=UTC) if self.occurred_at.data else None


class InteractionFilterForm(Form):
    """Filters of the interactions tab; they travel in the query string (bookmarkable)."""

    class Meta:
        csrf = False  # a GET filter changes nothing

    # Its own id: the form to record an interaction, on the same tab, has a `type` too.
    type = SelectField(
        "Type",
        choices=choices(InteractionType, blank="Any type"),
        validators=[Optional()],
        id="filter-type",
    )
    date_from = DateField("From", validators=[Optional()])
    date_to = DateField("To", validators=[Optional()])

    def validate_date_to(self, field):
        if field.data and self.date_from.data and field.data < self.date_from.data:
            raise ValidationError("The end date is before the start date.")


class ContactChangeForm(Form):
    value = StringField("New value", validators=[Optional(), fits(PendingContactChange.new_value)])
    # The pending change the user saw (0: none): another request meanwhile makes this one stale.
    version = VersionField()


class ContactCodeForm(Form):
    code = StringField(
        "Code",
        validators=[InputRequired("Enter the code that was sent."), MaxLength(20)],
        render_kw={"inputmode": "numeric", "autocomplete": "one-time-code"},
    )


class JourneyFilterForm(Form):
    """Filters of the journey tab, in the query string; `before` is the older page's cursor."""

    class Meta:
        csrf = False  # a GET filter changes nothing

    kind = SelectField("Touchpoints", validators=[Optional()], id="journey-kind")
    date_from = DateField("From", validators=[Optional()], id="journey-from")
    date_to = DateField("To", validators=[Optional()], id="journey-to")
    before = HiddenField(validators=[Optional(), MaxLength(200)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind.choices = [SelectChoice("", "All touchpoints")] + [
            SelectChoice(kind.name, kind.label) for kind in journey.KINDS.values()
        ]

    def validate_date_to(self, field):
        if field.data and self.date_from.data and field.data < self.date_from.data:
            raise ValidationError("The end date is before the start date.")

    def validate_before(self, field):
        if field.data:
            try:
                journey.Cursor.parse(field.data)
            except ValueError:
                raise ValidationError("That page of the journey does not exist.") from None

    def filters(self) -> journey.Filters:
        return journey.Filters(
            kind=self.kind.data or "",
            date_from=self.date_from.data,
            date_to=self.date_to.data,
            before=journey.Cursor.parse(self.before.data) if self.before.data else None,
        )

    def state(self) -> dict[str, str]:
        """The chosen filters as query arguments (no cursor): the older link keeps them."""
        values = {
            "kind": self.kind.data or "",
            "date_from": self.date_from.data.isoformat() if self.date_from.data else "",
            "date_to": self.date_to.data.isoformat() if self.date_to.data else "",
        }
        return {name: value for name, value in values.items() if value}
