"""Forms check shape; the services check meaning (nesting, cycles, escalation)."""

from __future__ import annotations

from flask_wtf import FlaskForm
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
from wtforms.validators import DataRequired, EqualTo, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from portal.idempotency import OnceForm
from portal.organizations.permissions import ORG_PERMISSIONS
from portal.organizations.values import NodeType


class ButtonForm(FlaskForm):
    """Carries only the CSRF token, for one-button posts."""


class SearchForm(FlaskForm):
    class Meta:
        csrf = False  # GET, changes nothing

    q = SearchField("Find a node", validators=[Optional(), Length(max=100)])


def _code(label: str = "Code") -> StringField:
    return StringField(
        label,
        validators=[DataRequired(), Length(max=40)],
        filters=[lambda v: (v or "").strip().upper()],
    )


class OrganizationForm(OnceForm):
    customer_id = StringField("Customer id", validators=[DataRequired(), Length(max=41)])
    name = StringField("Name", validators=[DataRequired(), Length(max=200)])
    code = _code()


class NodeForm(OnceForm):
    type = SelectField(
        "Type",
        choices={t.value: t.label for t in NodeType if t != NodeType.ORGANIZATION},
    )
    name = StringField("Name", validators=[DataRequired(), Length(max=200)])
    code = _code()


class RenameForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=200)])
    code = _code()


class MoveForm(FlaskForm):
    parent = _code("New parent's code")


class AttributeForm(FlaskForm):
    value = StringField("Value", validators=[Length(max=200)])


class InviteForm(OnceForm):
    email = EmailField("E-mail", validators=[DataRequired(), Length(max=320)])
    name = StringField("Name", validators=[DataRequired(), Length(max=200)])
    role = SelectField("Role", choices={})


class AssignForm(OnceForm):
    role = SelectField("Role", choices={})
    node = _code("At node (code)")


class EndDateForm(FlaskForm):
    end_date = DateField("Access ends", validators=[Optional()])


class CheckboxesField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class RoleForm(OnceForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=80)])
    description = TextAreaField("Description", validators=[Length(max=300)])
    permissions = CheckboxesField(
        "Permissions", choices={name: f"{name}: {text}" for name, text in ORG_PERMISSIONS.items()}
    )


class AcceptForm(FlaskForm):
    name = StringField("Your name", validators=[DataRequired(), Length(max=200)])
    password = PasswordField("Choose a password", validators=[DataRequired(), Length(max=200)])
    confirm = PasswordField(
        "Repeat the password", validators=[EqualTo("password", "The passwords differ.")]
    )
