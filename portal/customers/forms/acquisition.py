"""The form adding an acquisition source: shape only (the rules check code, name, channel)."""

from __future__ import annotations

from wtforms import SelectField, StringField
from wtforms.validators import DataRequired

from portal.customers.models import AcquisitionSource
from portal.customers.values import AcquisitionChannel
from portal.forms import Form, fits
from portal.labels import choices


class SourceForm(Form):
    name = StringField(
        "Name",
        validators=[DataRequired(), fits(AcquisitionSource.name)],
        description="e.g. Pinterest",
    )
    code = StringField(
        "Code",
        validators=[DataRequired(), fits(AcquisitionSource.code)],
        description="What CSV files and the API give: capitals, digits and _, e.g. PINTEREST",
    )
    channel = SelectField("Channel", choices=choices(AcquisitionChannel))
