"""Forms of the compliance pages: they check shape; the services check meaning."""

from __future__ import annotations

from datetime import UTC, datetime, time

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    IntegerField,
    PasswordField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from portal.compliance.services import NewRequest
from portal.compliance.values import (
    Channel,
    ConsentChannel,
    DataCategory,
    ErasureScope,
    Jurisdiction,
    RequestType,
)
from portal.idempotency import OnceForm


def choices(values) -> list[SelectChoice]:
    return [
        SelectChoice(v.value, getattr(v, "label", v.value.replace("_", " ").capitalize()))
        for v in values
    ]


class RequestForm(OnceForm):
    request_type = SelectField("Type", choices=choices(RequestType))
    jurisdiction = SelectField("Jurisdiction", choices=choices(Jurisdiction))
    channel = SelectField("Received by", choices=choices(Channel))
    received_on = DateField("Received on", validators=[DataRequired()])
    requester_name = StringField("Requester", validators=[DataRequired(), Length(max=200)])
    requester_email = EmailField("E-mail", validators=[Optional(), Email(), Length(max=320)])
    requester_phone = StringField("Phone", validators=[Optional(), Length(max=40)])
    customer_id = StringField("Customer id (if known)", validators=[Optional(), Length(max=80)])
    description = TextAreaField("What was asked", validators=[Optional(), Length(max=4000)])

    def new_request(self, now: datetime) -> NewRequest:
        # A request received today keeps the current time; an earlier day counts from midnight.
        day = self.received_on.data
        received = now if day == now.date() else datetime.combine(day, time(), tzinfo=UTC)
        return NewRequest(
            request_type=RequestType(self.request_type.data),
            jurisdiction=Jurisdiction(self.jurisdiction.data),
            channel=Channel(self.channel.data),
            received_at=received,
            requester_name=self.requester_name.data,
            requester_email=self.requester_email.data or None,
            requester_phone=self.requester_phone.data or None,
            customer_id=(self.customer_id.data or "").strip() or None,
            description=self.description.data or "",
        )


class VerifyForm(FlaskForm):
    method = StringField("Verified by", validators=[DataRequired(), Length(max=60)])
    evidence = TextAreaField("Evidence seen", validators=[DataRequired(), Length(max=2000)])
    customer_id = StringField("Customer id", validators=[Optional(), Length(max=80)])


class StatusForm(FlaskForm):
    status = SelectField("Move to", choices=[])
    note = StringField("Note", validators=[Optional(), Length(max=2000)])


class ReasonForm(FlaskForm):
    # Required by the service, so the refusal reads the same from the form and from code.
    reason = TextAreaField("Reason", validators=[Length(max=2000)])


class NoteForm(FlaskForm):
    note = StringField("Note", validators=[Optional(), Length(max=2000)])


class PlanErasureForm(FlaskForm):
    scope = SelectField("Scope", choices=choices(ErasureScope))
    categories = SelectMultipleField(
        "Categories (PARTIAL)",
        choices=choices(DataCategory),
        option_widget=CheckboxInput(),
        widget=ListWidget(prefix_label=False),
    )


class ExecuteErasureForm(FlaskForm):
    password = PasswordField("Your password", validators=[DataRequired()])


class ButtonForm(FlaskForm):
    """No fields: carries the CSRF token of a one-button action."""


class ExportForm(OnceForm):
    """The export button: one export per rendered page, however often it is pressed."""


class ConsentForm(FlaskForm):
    channel = SelectField("Channel", choices=choices(ConsentChannel))
    notice_version = StringField(
        "Notice version", default="2026-01", validators=[DataRequired(), Length(max=40)]
    )


class RetentionForm(FlaskForm):
    months = IntegerField("Months", validators=[NumberRange(min=0, max=600)])
    enabled = BooleanField("Enabled")
