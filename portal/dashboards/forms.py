"""The marketing spend form: shape only (the rules check the source and currency)."""

from __future__ import annotations

from datetime import date

from wtforms import SelectField, StringField
from wtforms.validators import DataRequired

from portal.approvals.rules import parse_amount
from portal.customers.queries.acquisition import source_choices
from portal.dashboards.models import MarketingSpend
from portal.dashboards.rules import parse_month
from portal.forms import Form, MaxLength, fits


class SpendForm(Form):
    source = SelectField("Acquisition source", choices=[])
    month = StringField(
        "Month", validators=[DataRequired(), MaxLength(7)], render_kw={"placeholder": "2026-11"}
    )
    amount = StringField(
        "Amount spent", validators=[DataRequired(), MaxLength(30)], description="e.g. 1,250.00"
    )
    currency = StringField(
        "Currency",
        validators=[DataRequired(), fits(MarketingSpend.currency)],
        default="USD",
        description="ISO code: USD, EUR, JMD…",
    )

    def chosen_month(self) -> date | None:
        try:
            return parse_month(self.month.data or "")
        except ValueError as wrong:
            self.month.errors = [str(wrong)]
            return None

    def amount_minor(self) -> int | None:
        """In minor units of the currency typed, or None with the message on the field."""
        try:
            return parse_amount(self.amount.data or "", (self.currency.data or "").upper())
        except ValueError as wrong:
            self.amount.errors = [str(wrong)]
            return None


def spend_form(**kwargs) -> SpendForm:
    form = SpendForm(**kwargs)
    form.source.choices = {k: v for k, v in source_choices().items() if k}  # no "Unknown"
    return form
