"""Loyalty forms: shape only. Numbers travel as text so that the service's message, not the
browser's, says what a whole number of points is; views turn them into values."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from enum import StrEnum

from wtforms import DateField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Optional, ValidationError

from portal.domain import Errors
from portal.forms import Form, MaxLength, fits
from portal.labels import label
from portal.loyalty.models import LoyaltyEntry, ProgrammeVersion
from portal.loyalty.values import (
    QUALIFYING_TIERS,
    Basis,
    Campaign,
    DowngradePolicy,
    EntryKind,
    ExpiryMode,
    LoyaltyTier,
    Programme,
    TierRequirement,
)
from portal.segmentation.fields import BASE_CURRENCY

NUMBER_LENGTH = 20  # digits and a sign: more is no number of points


def choices(enum: type[StrEnum], blank: str | None = None) -> list[SelectChoice]:
    options = [SelectChoice(member.value, label(member)) for member in enum]
    return [SelectChoice("", blank), *options] if blank else options


def signed_number(text: str | None) -> int | None:
    """The integer typed (a leading + or -), or None."""
    text = (text or "").strip()
    sign, digits = (-1, text[1:]) if text[:1] == "-" else (1, text.removeprefix("+"))
    return sign * int(digits) if digits.isascii() and digits.isdigit() else None


def _number(label: str, **kw) -> StringField:
    return StringField(label, validators=[DataRequired(), MaxLength(NUMBER_LENGTH)], **kw)


class AdjustmentForm(Form):
    points = _number("Points (negative to take away)")
    reason = TextAreaField("Reason", validators=[DataRequired(), fits(LoyaltyEntry.reason)])


class RedemptionForm(Form):
    points = _number("Points to redeem", id="redeem-points")
    redemption = StringField(
        "Redeemed for", validators=[DataRequired(), fits(LoyaltyEntry.reason)], id="redeem-for"
    )


class AmbassadorForm(Form):
    reason = TextAreaField(
        "Why", validators=[DataRequired(), fits(LoyaltyEntry.reason)], id="ambassador-reason"
    )


class LedgerFilterForm(Form):
    """Filters of the ledger; they travel in the query string (bookmarkable)."""

    class Meta:
        csrf = False  # a GET filter changes nothing

    kind = SelectField(
        "Kind", choices=choices(EntryKind, blank="Any kind"), validators=[Optional()]
    )
    date_from = DateField("From", validators=[Optional()])
    date_to = DateField("To", validators=[Optional()])

    def validate_date_to(self, field):
        if field.data and self.date_from.data and field.data < self.date_from.data:
            raise ValidationError("The end date is before the start date.")


class ProgrammeForm(Form):
    """The programme's settings; the tiers' fields are added below, one set per tier."""

    points_per_unit = _number("Points per currency unit (USD)")
    currency_points = TextAreaField(
        "Points per unit of other currencies (one per line: code = points, e.g. EUR = 1.1)",
        validators=[Optional(), MaxLength(4000)],
    )
    point_value_minor = _number("Value of one point (cents)")
    segment_multipliers = TextAreaField(
        "Multipliers by segment (one per line: segment name = percent)",
        validators=[Optional(), MaxLength(4000)],
    )
    campaigns = TextAreaField(
        "Bonus campaigns (one per line: name; first day; last day; percent)",
        validators=[Optional(), MaxLength(4000)],
    )
    return_window_days = _number("Return window (days points stay pending)")
    expiry_days = _number("Points expire after (days)")
    expiry_mode = SelectField("Expiry date", choices=choices(ExpiryMode))
    downgrade_policy = SelectField("Downgrades", choices=choices(DowngradePolicy))
    grace_days = _number("Grace period before a downgrade (days)")
    note = StringField("What changed", validators=[Optional(), fits(ProgrammeVersion.note)])


for _tier in QUALIFYING_TIERS:
    setattr(
        ProgrammeForm,
        f"{_tier.lower()}_basis",
        SelectField(f"{_tier.title()} qualifies by", choices=choices(Basis)),
    )
    setattr(
        ProgrammeForm,
        f"{_tier.lower()}_threshold",
        _number(f"{_tier.title()} threshold (points, or cents of annual spend)"),
    )
for _tier in LoyaltyTier:
    setattr(ProgrammeForm, f"{_tier.lower()}_percent", _number(f"{_tier.title()} earns (%)"))


class PreviewForm(Form):
    """An example order for the settings being edited: what it would earn."""

    preview_amount = StringField(
        "Order total (minor units: cents, pence; yen)",
        validators=[DataRequired(), MaxLength(NUMBER_LENGTH)],
    )
    preview_currency = StringField(
        "Currency", validators=[DataRequired(), MaxLength(3)], default=BASE_CURRENCY
    )
    preview_tier = SelectField("Customer's tier", choices=choices(LoyaltyTier))
    preview_segment = SelectField("Customer's segment", validators=[Optional()])
    preview_date = DateField("Placed on", validators=[DataRequired()])


def _lines(text: str | None) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def programme_from_form(
    form: ProgrammeForm, segment_ids: dict[str, str]
) -> tuple[Programme, Errors]:
    """The settings the form describes and the fields it could not read (segment names are
    looked up in `segment_ids`, name → id); the rules check the values (rules.programme_errors)."""
    errors: Errors = {}

    def number(name: str) -> int:
        value = signed_number(form[name].data)
        if value is None:
            errors.setdefault(name, []).append("Enter a whole number.")
            return 0
        return value

    rates: dict[str, Decimal] = {}
    for line in _lines(form.currency_points.data):
        code, _, rate = (part.strip() for part in line.partition("="))
        try:
            value = Decimal(rate)
        except InvalidOperation:
            value = None
        if value is None or code.upper() in rates:
            errors.setdefault("currency_points", []).append(
                f"“{line}”: write a currency code = points per unit, once per currency."
            )
            continue
        rates[code.upper()] = value
    segments = {}
    for line in _lines(form.segment_multipliers.data):
        name, _, percent = line.rpartition("=")
        if name.strip() not in segment_ids or signed_number(percent) is None:
            errors.setdefault("segment_multipliers", []).append(
                f"“{line}”: write an existing segment's name = a whole percentage."
            )
            continue
        segments[segment_ids[name.strip()]] = signed_number(percent)
    campaigns = []
    for line in _lines(form.campaigns.data):
        parts = [p.strip() for p in line.split(";")]
        try:
            name, starts, ends, percent = parts
            campaign = Campaign(
                name, date.fromisoformat(starts), date.fromisoformat(ends), int(percent)
            )
        except ValueError:
            errors.setdefault("campaigns", []).append(
                f"“{line}”: write name; YYYY-MM-DD; YYYY-MM-DD; percent."
            )
            continue
        campaigns.append(campaign)
    programme = Programme(
        points_per_unit=number("points_per_unit"),
        currency_points=rates,
        point_value_minor=number("point_value_minor"),
        tiers={
            t.value: TierRequirement(
                Basis(form[f"{t.lower()}_basis"].data), number(f"{t.lower()}_threshold")
            )
            for t in QUALIFYING_TIERS
        },
        tier_percent={t.value: number(f"{t.lower()}_percent") for t in LoyaltyTier},
        segment_percent=segments,
        campaigns=tuple(campaigns),
        return_window_days=number("return_window_days"),
        expiry_days=number("expiry_days"),
        expiry_mode=ExpiryMode(form.expiry_mode.data),
        downgrade_policy=DowngradePolicy(form.downgrade_policy.data),
        grace_days=number("grace_days"),
    )
    return programme, errors


def programme_form_data(programme: Programme, segment_names: dict[str, str]) -> dict:
    """The form's values for saved settings (segment ids shown by name)."""
    data = {
        "points_per_unit": str(programme.points_per_unit),
        "currency_points": "\n".join(
            f"{code} = {rate}" for code, rate in sorted(programme.currency_points.items())
        ),
        "point_value_minor": str(programme.point_value_minor),
        "return_window_days": str(programme.return_window_days),
        "expiry_days": str(programme.expiry_days),
        "expiry_mode": programme.expiry_mode.value,
        "downgrade_policy": programme.downgrade_policy.value,
        "grace_days": str(programme.grace_days),
        "segment_multipliers": "\n".join(
            f"{segment_names[i]} = {p}"
            for i, p in programme.segment_percent.items()
            if i in segment_names
        ),
        "campaigns": "\n".join(
            f"{c.name}; {c.starts.isoformat()}; {c.ends.isoformat()}; {c.percent}"
            for c in programme.campaigns
        ),
    }
    for t in QUALIFYING_TIERS:
        data[f"{t.lower()}_basis"] = programme.tiers[t].basis.value
        data[f"{t.lower()}_threshold"] = str(programme.tiers[t].threshold)
    for t in LoyaltyTier:
        data[f"{t.lower()}_percent"] = str(programme.tier_percent.get(t, 100))
    return data
