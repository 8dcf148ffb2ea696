"""The address form: shape only; the verifier and the address rules judge the meaning."""

from __future__ import annotations

from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.validators import Optional

from portal.customers.forms.profile import VersionField, blank_to_none
from portal.customers.models import CustomerAddress
from portal.customers.values import AddressData, AddressType
from portal.forms import Form, fits
from portal.idempotency import OnceForm
from portal.labels import choices

ADDRESS_FIELDS = ("street1", "street2", "city", "state", "postal_code", "country", "note")


class AddressForm(OnceForm):
    address_type = SelectField("Type", choices=choices(AddressType))
    street1 = StringField("Street", validators=[Optional(), fits(CustomerAddress.street1)])
    street2 = StringField(
        "Street (second line)", validators=[Optional(), fits(CustomerAddress.street2)]
    )
    city = StringField("City", validators=[Optional(), fits(CustomerAddress.city)])
    state = StringField("State / province", validators=[Optional(), fits(CustomerAddress.state)])
    postal_code = StringField(
        "Postal code", validators=[Optional(), fits(CustomerAddress.postal_code)]
    )
    country = StringField(
        "Country",
        validators=[Optional(), fits(CustomerAddress.country)],
        description="Two-letter ISO code, e.g. US, JM, CA.",
    )
    note = TextAreaField("Delivery note", validators=[Optional(), fits(CustomerAddress.note)])
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


class AddressActionForm(Form):
    """Verify or make default: a button that acts on the version of the address shown."""

    version = VersionField()


def address_form(address=None, **kwargs) -> AddressForm:
    if address is None:
        return AddressForm(**kwargs)
    data = {name: getattr(address, name) for name in ADDRESS_FIELDS}
    return AddressEditForm(
        data={**data, "address_type": address.address_type, "version": address.version}, **kwargs
    )
