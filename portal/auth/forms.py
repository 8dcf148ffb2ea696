from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired, Email

from portal.forms import Form, MaxLength, fits
from portal.security.models import User


class SignInForm(Form):
    email = EmailField(
        "E-mail", validators=[DataRequired(), Email(check_deliverability=False), fits(User.email)]
    )
    password = PasswordField("Password", validators=[DataRequired(), MaxLength(200)])
