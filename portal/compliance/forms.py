"""Forms of the compliance pages: they check shape; the services check meaning."""

from __future__ import annotations

from datetime import UTC, datetime, time

from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    IntegerField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, NumberRange, Optional
from wtforms.widgets import CheckboxInput, HiddenInput, ListWidget

from portal.compliance.models import ConsentRecord, DataExport, DataSubjectRequest
from portal.compliance.services import NewRequest
from portal.compliance.values import (
    Channel,
    ConsentChannel,
    DataCategory,
    ErasureScope,
    Jurisdiction,
    RequestType,
)
from portal.customers.forms.profile import as_phone
from portal.forms import Form, MaxLength, fits
from portal.idempotency import OnceForm
from portal.labels import choices


class RequestForm(OnceForm):
    request_type = SelectField("Type", choices=choices(RequestType))
    jurisdiction = SelectField("Jurisdiction", choices=choices(Jurisdiction))
    channel = SelectField("Received by", choices=choices(Channel))
    received_on = DateField("Received on", validators=[DataRequired()])
    requester_name = StringField(
        "Requester", validators=[DataRequired(), fits(DataSubjectRequest.requester_name)]
    )
    requester_email = EmailField(
        "E-mail", validators=[Optional(), Email(), fits(DataSubjectRequest.requester_email)]
    )
    requester_phone = StringField(
        "Phone",
        validators=[Optional(), fits(DataSubjectRequest.requester_phone)],
        filters=[as_phone],
    )
    customer_id = StringField(
        "Customer id (if known)", validators=[Optional(), fits(DataExport.customer_id)]
    )
    description = TextAreaField("What was asked", validators=[Optional(), MaxLength(4000)])

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


class VerifyForm(Form):
    method = StringField(
        "Verified by", validators=[DataRequired(), fits(DataSubjectRequest.verification_method)]
    )
    evidence = TextAreaField("Evidence seen", validators=[DataRequired(), MaxLength(2000)])
    customer_id = StringField("Customer id", validators=[Optional(), fits(DataExport.customer_id)])


class StatusForm(Form):
    status = SelectField("Move to", choices=[])
    note = StringField("Note", validators=[Optional(), MaxLength(2000)])


class ReasonForm(Form):
    # Required by the service, so the refusal reads the same from the form and from code.
    reason = TextAreaField("Reason", validators=[MaxLength(2000)])


class NoteForm(Form):
    note = StringField("Note", validators=[Optional(), MaxLength(2000)])


class PlanErasureForm(Form):
    scope = SelectField("Scope", choices=choices(ErasureScope))
    categories = SelectMultipleField(
        "Categories (PARTIAL)",
        choices=choices(DataCategory),
        option_widget=CheckboxInput(),
        widget=ListWidget(prefix_label=False),
    )


class ExecuteErasureForm(Form):
    password = PasswordField("Your password", validators=[DataRequired(), MaxLength(200)])


class ButtonForm(Form):
    """No fields: carries the CSRF token of a one-button action."""


class ExportForm(OnceForm):
    """The export button: one export per rendered page, however often it is pressed."""


class ConsentForm(Form):
    channel = SelectField("Channel", choices=choices(ConsentChannel))
    notice_version = StringField(
        "Notice version",
        default="2026-01",
        validators=[DataRequired(), fits(ConsentRecord.notice_version)],
    )


class RetentionRunForm(Form):
    """Apply the policies: names the dry run the officer saw, which must still be the latest
    run (a policy saved or another run since needs a new preview)."""

    preview = IntegerField(validators=[DataRequired()], widget=HiddenInput())


class RetentionForm(Form):
    months = IntegerField("Months", validators=[NumberRange(min=0, max=600)])
    enabled = BooleanField("Enabled")
