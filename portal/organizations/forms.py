"""Forms check shape; the services check meaning (nesting, cycles, escalation)."""

from __future__ import annotations

from wtforms import (
    DateField,
    EmailField,
    PasswordField,
    SearchField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, EqualTo, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from portal.customers.models import Customer
from portal.forms import Form, MaxLength, fits
from portal.idempotency import OnceForm
from portal.organizations.models import Invitation, OrganizationNode, OrganizationRole
from portal.organizations.permissions import ORG_PERMISSIONS
from portal.organizations.values import NodeType


class ButtonForm(Form):
    """Carries only the CSRF token, for one-button posts."""


class SearchForm(Form):
    class Meta:
        csrf = False  # GET, changes nothing

    q = SearchField("Find a node", validators=[Optional(), MaxLength(100)])


def _code(label: str = "Code") -> StringField:
    return StringField(
        label,
        validators=[DataRequired(), fits(OrganizationNode.code)],
        filters=[lambda v: (v or "").strip().upper()],
    )


class OrganizationForm(OnceForm):
    customer_id = StringField("Customer id", validators=[DataRequired(), fits(Customer.id)])
    name = StringField("Name", validators=[DataRequired(), fits(OrganizationNode.name)])
    code = _code()


class NodeForm(OnceForm):
    type = SelectField(
        "Type",
        choices={t.value: t.label for t in NodeType if t != NodeType.ORGANIZATION},
    )
    name = StringField("Name", validators=[DataRequired(), fits(OrganizationNode.name)])
    code = _code()


class RenameForm(Form):
    name = StringField("Name", validators=[DataRequired(), fits(OrganizationNode.name)])
    code = _code()


class MoveForm(Form):
    parent = _code("New parent's code")


class AttributeForm(Form):
    value = StringField("Value", validators=[MaxLength(200)])


def _role_choice() -> SelectField:
    # The views check the choice themselves (another organisation's role id is a 404), so
    # the form only insists that one was made.
    return SelectField("Role", choices={}, validators=[DataRequired(message="Choose a role.")])


class InviteForm(OnceForm):
    email = EmailField("E-mail", validators=[DataRequired(), fits(Invitation.email)])
    name = StringField("Name", validators=[DataRequired(), fits(Invitation.name)])
    role = _role_choice()


class AssignForm(OnceForm):
    role = _role_choice()
    node = _code("At node")


class EndDateForm(Form):
    end_date = DateField("Access ends", validators=[Optional()])


class CheckboxesField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class RoleForm(OnceForm):
    name = StringField("Name", validators=[DataRequired(), fits(OrganizationRole.name)])
    description = TextAreaField("Description", validators=[fits(OrganizationRole.description)])
    permissions = CheckboxesField(
        "Permissions", choices={name: f"{name}: {text}" for name, text in ORG_PERMISSIONS.items()}
    )


class AcceptForm(Form):
    name = StringField("Your name", validators=[DataRequired(), fits(Invitation.name)])
    password = PasswordField("Choose a password", validators=[DataRequired(), MaxLength(200)])
    confirm = PasswordField(
        "Repeat the password",
        validators=[EqualTo("password", "The passwords differ."), MaxLength(200)],
    )
