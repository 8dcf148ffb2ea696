"""Registration and profile forms, built per customer type from rules.TYPE_FIELDS.

Forms check shape only (a number is a number, a choice is one of the choices). Every message
about meaning ("Required for this type of customer", a bad e-mail, ...) comes from the domain
rules through the service, so the page and the service can never disagree.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable

from flask import current_app
from wtforms import (
    BooleanField,
    EmailField,
    Field,
    IntegerField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TelField,
    TextAreaField,
)
from wtforms.fields.core import UnboundField
from wtforms.validators import InputRequired, Optional, StopValidation
from wtforms.widgets import CheckboxInput, HiddenInput, ListWidget

from portal.customers.models import Customer, CustomerAddress
from portal.customers.queries.acquisition import source_choices
from portal.customers.rules import TYPE_FIELDS, normalise_phone
from portal.customers.rules.types import BUSINESS_FIELDS, Check
from portal.customers.values import (
    CARIBBEAN_CUISINES,
    COMPANY_SIZES,
    DELIVERY_FREQUENCIES,
    ORGANIZATION_TYPES,
    PAYMENT_TERMS,
    AcquisitionChannel,
    BusinessIdentification,
    ContactInfo,
    ContactMethod,
    CustomerStatus,
    CustomerType,
    NewCustomer,
    ProfileChanges,
    ResidencyStatus,
)
from portal.forms import Form, MaxLength, fits
from portal.idempotency import OnceForm
from portal.labels import choices, label
from portal.limits import integer_range

IDENTIFIERS = ("tax_id", "registration_number")
# A comma list as typed; the rules check its entries one by one.
LIST_LONGEST = 2000


def type_choices() -> list[SelectChoice]:
    return [
        SelectChoice("", "Choose a type"),
        *(
            SelectChoice(t.value, t.label, optgroup="Business" if t.is_b2b else "Consumer")
            for t in CustomerType
        ),
    ]


def parse_type(value: str | None) -> CustomerType | None:
    try:
        return CustomerType(value or "")
    except ValueError:
        return None


class CommaListField(StringField):
    """A list typed as comma-separated entries ("Downtown, Harbour front")."""

    def _value(self) -> str:
        return ", ".join(self.data or [])

    def process_formdata(self, valuelist: list[str]) -> None:
        if valuelist:
            self.data = [part.strip() for part in valuelist[0].split(",") if part.strip()]


class CheckboxesField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


# Each input takes its label and the rule's check, whose limits it carries (rules.types).
Input = Callable[[str, Check], UnboundField]


def text(label: str, check: Check) -> UnboundField:
    return StringField(label, validators=[Optional(), MaxLength(check.longest)])


def country(label: str, _check: Check) -> UnboundField:
    return StringField(label, validators=[Optional(), fits(CustomerAddress.country)])


def long_text(label: str, check: Check) -> UnboundField:
    return TextAreaField(label, validators=[Optional(), MaxLength(check.longest)])


def number(label: str, _check: Check) -> UnboundField:
    return IntegerField(label, validators=[Optional()])  # the rule says which numbers


def comma_list(label: str, _check: Check) -> UnboundField:
    return CommaListField(
        label, validators=[MaxLength(LIST_LONGEST)], description="Separate entries with commas."
    )


def flag(label: str, _check: Check) -> UnboundField:
    return BooleanField(label)


def select(options: Iterable[str]) -> Input:
    return lambda label, _check: SelectField(
        label, choices=choices(options, blank="—"), validators=[Optional()]
    )


def checkboxes(options: Iterable[str]) -> Input:
    return lambda label, _check: CheckboxesField(label, choices=choices(options))


# The input each type or business field is typed into. The fields themselves, and whether
# they are required, come from the rules; a test proves this table covers all of them.
INPUTS: dict[str, Input] = {
    "origin_region": text,
    "cultural_affinity": text,
    "generational_remove": number,
    "caribbean_cuisines": checkboxes(CARIBBEAN_CUISINES),
    "country_of_origin": country,
    "residency_status": select(ResidencyStatus),
    "has_subscription": flag,
    "delivery_preferences": long_text,
    "delivery_frequency": select(DELIVERY_FREQUENCIES),
    "first_encounter": text,
    "culinary_interests": comma_list,
    "family_size": number,
    "license_permit": text,
    "operating_locations": comma_list,
    "cuisine_type": text,
    "seating_capacity": number,
    "star_rating": number,
    "dining_venues": number,
    "service_area": text,
    "client_capacity": number,
    "retail_square_footage": number,
    "customer_volume": number,
    "tax_id": text,
    "registration_number": text,
    "legal_entity_name": text,
    "dba_name": text,
    "industry_code": text,
    "year_established": number,
    "company_size": select(COMPANY_SIZES),
    "organization_type": select(ORGANIZATION_TYPES),
    "payment_terms": select(PAYMENT_TERMS),
}
# Where the form says more than the field's label: the format expected.
LABELS = {
    "country_of_origin": "Country of origin (ISO code, e.g. JM)",
    "star_rating": "Star rating (1-5)",
}


STALE_FORM = "This form is out of date or was altered: cancel, then open it again."


class VersionField(IntegerField):
    """The version of the record the form was loaded with, hidden. A missing or non-number
    value means the page was tampered with; its message is shown above the form."""

    widget = HiddenInput()

    def __init__(self, label=None, **kwargs):
        super().__init__(label, validators=[InputRequired(STALE_FORM)], **kwargs)

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(STALE_FORM) from None
        # beyond the column's range is as altered as no number at all
        if self.data is not None and not 0 <= self.data <= integer_range(Customer.version_id)[1]:
            raise ValueError(STALE_FORM)

    def pre_validate(self, form):
        if self.process_errors:  # not a number: said once, not again by the checks
            raise StopValidation()


def blank_to_none(value):
    return None if value in ("", []) else value


def as_phone(value):
    """Filter of phone inputs: the number as typed, in E.164 when it is a valid one (a number
    without its country code is read in the configured PHONE_REGION)."""
    if not isinstance(value, str):
        return value
    return normalise_phone(value.strip(), current_app.config["PHONE_REGION"])


class TypedForm(Form):
    """A form with the fields of one customer type (and, for B2B, business identification)."""

    customer_type: CustomerType | None = None

    def type_fields(self) -> list[Field]:
        if self.customer_type is None:
            return []
        return [self[name] for name in TYPE_FIELDS[self.customer_type]]

    def business_fields(self) -> list[Field]:
        if self.customer_type is None or not self.customer_type.is_b2b:
            return []
        return [self[name] for name in BUSINESS_FIELDS]

    def is_required(self, name: str) -> bool:
        spec = TYPE_FIELDS[self.customer_type].get(name) or BUSINESS_FIELDS.get(name)
        return bool(spec and spec.required)

    def type_data(self) -> dict:
        # Unchecked boxes are a real "no"; other empty inputs are left out so the rules can
        # tell a missing required field.
        return {
            f.name: f.data
            for f in self.type_fields()
            if isinstance(f, BooleanField) or blank_to_none(f.data) is not None
        }

    def business(self) -> BusinessIdentification | None:
        if not self.business_fields():
            return None
        return BusinessIdentification(
            **{f.name: blank_to_none(f.data) for f in self.business_fields()}
        )


@functools.cache
def typed(base: type[TypedForm], customer_type: CustomerType | None) -> type[TypedForm]:
    """`base` plus the inputs of `customer_type`'s fields."""
    if customer_type is None:
        return base
    names = [*TYPE_FIELDS[customer_type], *(BUSINESS_FIELDS if customer_type.is_b2b else ())]
    specs = TYPE_FIELDS[customer_type] | (BUSINESS_FIELDS if customer_type.is_b2b else {})
    fields = {
        name: INPUTS[name](LABELS.get(name) or label(name), specs[name].check) for name in names
    }
    return type(f"{base.__name__}{customer_type.value}", (base,), fields)


class ContactSettings(Form):
    """The contact fields a profile edit may change (primary e-mail/phone need a code)."""

    alternative_email = EmailField(
        "Alternative e-mail", validators=[Optional(), fits(Customer.alternative_email)]
    )
    alternative_phone = TelField(
        "Alternative phone",
        validators=[Optional(), fits(Customer.alternative_phone)],
        filters=[as_phone],
        description="With its country code, e.g. +1 876 555 0104",
    )
    preferred_contact_method = SelectField(
        "Preferred contact method",
        choices=choices(ContactMethod, blank="—"),
        validators=[Optional()],
    )
    preferred_contact_time = StringField(
        "Preferred contact time", validators=[Optional(), fits(Customer.preferred_contact_time)]
    )
    do_not_contact = BooleanField("Do not contact")
    marketing_opt_out = BooleanField("Opted out of marketing")

    def settings(self) -> dict:
        return {
            "alternative_email": blank_to_none(self.alternative_email.data),
            "alternative_phone": blank_to_none(self.alternative_phone.data),
            "preferred_contact_method": (
                ContactMethod(self.preferred_contact_method.data)
                if self.preferred_contact_method.data
                else None
            ),
            "preferred_contact_time": blank_to_none(self.preferred_contact_time.data),
            "do_not_contact": self.do_not_contact.data,
        }


class TypeChoiceForm(Form):
    class Meta:
        csrf = False  # a GET that only chooses which fields to show

    customer_type = SelectField("Type of customer", choices=type_choices(), validate_choice=False)


class NewCustomerForm(TypedForm, ContactSettings, OnceForm):
    name = StringField("Name", validators=[Optional(), fits(Customer.name)])
    email = EmailField("E-mail", validators=[Optional(), fits(Customer.email)])
    phone = TelField(
        "Phone",
        validators=[Optional(), fits(Customer.phone)],
        filters=[as_phone],
        description="With its country code, e.g. +1 876 555 0104",
    )
    status = SelectField(
        "Starts as",
        choices=choices((CustomerStatus.ACTIVE, CustomerStatus.PENDING_VERIFICATION)),
    )
    acquisition_channel = SelectField(
        "Acquisition channel", choices=choices(AcquisitionChannel, blank="Unknown"), default=""
    )
    # Its options (the source list, by channel) are set per request: new_customer_form.
    acquisition_source = SelectField("Acquisition source", choices=[], default="")

    def new_customer(self) -> NewCustomer:
        return NewCustomer(
            name=self.name.data or "",
            customer_type=self.customer_type,
            contact=ContactInfo(
                email=blank_to_none(self.email.data),
                phone=blank_to_none(self.phone.data),
                **self.settings(),
            ),
            type_data=self.type_data(),
            business=self.business(),
            marketing_opt_out=self.marketing_opt_out.data,
            status=CustomerStatus(self.status.data),
            acquisition_channel=self.acquisition_channel.data or None,
            acquisition_source=self.acquisition_source.data or None,
        )


def new_customer_form(customer_type: CustomerType | None, **kwargs) -> NewCustomerForm:
    form = typed(NewCustomerForm, customer_type)(**kwargs)
    form.customer_type = customer_type
    form.acquisition_source.choices = source_choices()
    return form


class ProfileForm(TypedForm, ContactSettings):
    name = StringField("Name", validators=[Optional(), fits(Customer.name)])
    version = VersionField()

    def changes(self) -> ProfileChanges:
        return ProfileChanges(
            name=self.name.data or "",
            marketing_opt_out=self.marketing_opt_out.data,
            type_data=self.type_data(),
            business=self.business(),
            **self.settings(),
        )

    @staticmethod
    def submitted(changes: ProfileChanges) -> dict:
        """The submitted values keyed like StaleVersion.current; identifiers left empty (kept)
        are not part of what the user submitted."""
        values = {k: v for k, v in vars(changes).items() if k != "business"}
        if changes.business is not None:
            values |= {k: v for k, v in vars(changes.business).items() if v is not None}
        return values


def profile_form(customer, **kwargs) -> ProfileForm:
    """The edit form of `customer`. Tax id and registration number are never echoed back:
    left empty, they keep the stored values."""
    business = {
        name: getattr(customer, name) for name in BUSINESS_FIELDS if name not in IDENTIFIERS
    }
    initial = {
        "name": customer.name,
        "alternative_email": customer.alternative_email,
        "alternative_phone": customer.alternative_phone,
        "preferred_contact_method": customer.preferred_contact_method,
        "preferred_contact_time": customer.preferred_contact_time,
        "do_not_contact": customer.do_not_contact,
        "marketing_opt_out": customer.marketing_opt_out,
        "version": customer.version_id,
        **business,
        **customer.type_data,
    }
    form = typed(ProfileForm, customer.customer_type)(data=initial, **kwargs)
    form.customer_type = customer.customer_type
    return form


class StatusForm(Form):
    status = SelectField("New status", choices=[], validate_choice=False)
    # Kept in the audit entry and the event, no column of their own.
    reason = StringField("Reason", validators=[Optional(), MaxLength(200)])
    notes = TextAreaField("Notes", validators=[Optional(), MaxLength(2000)])
    version = VersionField()

    def new_status(self) -> CustomerStatus | None:
        try:
            return CustomerStatus(self.status.data or "")
        except ValueError:
            return None


def status_form(customer, targets: Iterable[CustomerStatus], **kwargs) -> StatusForm:
    """The current status comes first and is chosen until another is; closing, which is final,
    comes last, so it is never picked by accident."""
    form = StatusForm(data={"version": customer.version_id}, **kwargs)
    final = CustomerStatus.CLOSED
    ordered = [*sorted(t for t in targets if t != final), *(t for t in targets if t == final)]
    form.status.choices = choices(ordered, blank=f"{label(customer.status)} (now)")
    return form
