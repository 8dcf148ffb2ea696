"""What every form shares: limits taken from the columns the values go to, and no NUL.

`fits(Customer.city)` is the validator of a field stored in that column: at most its length in
characters, or within its integer range. `Form` is the base of every form in the portal; it
refuses a NUL character at the field that holds it (PostgreSQL cannot store one).
"""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from wtforms.validators import NumberRange, ValidationError
from wtforms.widgets import HiddenInput

from portal.domain import Errors
from portal.limits import NUL_MESSAGE, integer_range, max_length, text_error


class MaxLength:
    """At most `maximum` characters as typed (a comma list is limited as the text it came in);
    renders `maxlength` so the browser stops the typing there."""

    def __init__(self, maximum: int):
        self.maximum = maximum
        self.field_flags = {"maxlength": maximum}

    def __call__(self, form, field) -> None:
        for value in field.raw_data or ():
            if isinstance(value, str) and (message := text_error(value, self.maximum)):
                raise ValidationError(message)


def fits(column: Any) -> MaxLength | NumberRange:
    """The validator of a field stored in `column` (a mapped attribute such as `Customer.city`)."""
    if (length := max_length(column)) is not None:
        return MaxLength(length)
    low, high = integer_range(column)
    return NumberRange(low, high, message=f"Enter a whole number from {low:,} to {high:,}.")


class Form(FlaskForm):
    """The base of the portal's forms."""

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        for field in self:
            if any(isinstance(value, str) and "\x00" in value for value in field.raw_data or ()):
                field.errors = [NUL_MESSAGE]  # other messages about such a value are noise
                valid = False
        return valid

    def show_errors(self, errors: Errors, rename: dict[str, str] | None = None) -> list[str]:
        """Put a refusal's messages next to the fields they concern (`rename` maps the
        service's names to this form's); the rest, about the whole form or a hidden field
        (a version), join `form_errors` and are returned."""
        rest = []
        for name, messages in errors.items():
            field = self._fields.get((rename or {}).get(name, name))
            if field is None or isinstance(field.widget, HiddenInput):
                rest.extend(messages)
            else:
                field.errors = [*field.errors, *messages]
        self.form_errors.extend(rest)
        return rest
