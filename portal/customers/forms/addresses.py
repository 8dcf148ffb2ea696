"""The address form: shape only; the verifier and the address rules judge the meaning."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.validators import Optional

from portal.customers.forms.profile import VersionField, blank_to_none, choices
from portal.customers.values import AddressData, AddressType

ADDRESS_FIELDS = ("street1", "street2", "city", "state", "postal_code", "country", "note")


class AddressForm(FlaskForm):
    address_type = SelectField("Type", choices=choices(AddressType)[1:])
    street1 = StringField("Street", validators=[Optional()])
    street2 = StringField("Street (second line)", validators=[Optional()])
    city = StringField("City", validators=[Optional()])
    state = StringField("State / province", validators=[Optional()])
    postal_code = StringField("Postal code", validators=[Optional()])
    country = StringField(
        "Country", validators=[Optional()], description="Two-letter ISO code, e.g. US, JM, CA."
    )
    note = TextAreaField("Delivery note", validators=[Optional()])
    make_default = BooleanField("Default address of its type")

    def address(self) -> AddressData:
        return AddressData(
            address_type=AddressType(self.address_type.data),
            street1=self.street1.data or "",
            city=self.city.data or "",
            country=self.country.data or "",
            street2=blank_to_none(self.street2.data),
            state=blank_to_none(self.state.data),
            postal_code=blank_to_none(self.postal_code.data),
            note=blank_to_none(self.note.data),
        )


class AddressEditForm(AddressForm):
    version = VersionField()  # the version the user saw


class AddressActionForm(FlaskForm):
    """Verify or make default: a button that acts on the version of the address shown."""

    version = VersionField()


def address_form(address=None, **kwargs) -> AddressForm:
    if address is None:
        return AddressForm(**kwargs)
    data = {name: getattr(address, name) for name in ADDRESS_FIELDS}
    return AddressEditForm(
        data={**data, "address_type": address.address_type, "version": address.version}, **kwargs
    )
