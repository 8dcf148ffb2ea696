"""Every form takes its limits from one place, so a new form cannot forget them."""

from __future__ import annotations

import pytest
from flask_wtf import FlaskForm
from sqlalchemy import BigInteger, Integer, SmallInteger, String
from werkzeug.datastructures import MultiDict
from wtforms import Form as PlainForm
from wtforms import StringField
from wtforms.validators import Length, NumberRange

from portal.customers.forms.profile import NewCustomerForm, ProfileForm, typed
from portal.customers.models import CustomerAddress
from portal.customers.values import CustomerType
from portal.forms import Form, MaxLength, fits
from portal.limits import excerpt, integer_range, json_loads, max_length, whole_number


def _subclasses(cls: type) -> set[type]:
    found = set()
    for sub in cls.__subclasses__():
        found |= {sub, *_subclasses(sub)}
    return found


def portal_forms(app) -> list[type]:
    """Every form class of the portal (the app has imported every area's views), with the
    customer forms built for each customer type."""
    for customer_type in CustomerType:
        typed(NewCustomerForm, customer_type)
        typed(ProfileForm, customer_type)
    return sorted(
        (form for form in _subclasses(FlaskForm) if form.__module__.startswith("portal.")),
        key=lambda form: f"{form.__module__}.{form.__qualname__}",
    )


def test_every_form_builds_on_the_portal_form(app):
    assert [f.__qualname__ for f in portal_forms(app) if not issubclass(f, Form)] == []


def test_every_text_input_has_a_maximum_length(app):
    """StringField and its kin (e-mail, search, hidden, password, text areas) are limited,
    from their column (`fits`) or, for values without one, by an explicit MaxLength."""
    missing = []
    for form_class in portal_forms(app):
        with app.test_request_context():
            form = form_class(meta={"csrf": False})
        for field in form:
            if isinstance(field, StringField) and not any(
                isinstance(v, MaxLength) or (isinstance(v, Length) and v.max != -1)
                for v in field.validators
            ):
                missing.append(f"{form_class.__qualname__}.{field.name}")
    assert missing == []


def test_limits_come_from_the_column_type():
    assert max_length(CustomerAddress.street1) == 200
    assert isinstance(fits(CustomerAddress.note), MaxLength)
    assert fits(CustomerAddress.note).maximum == 500
    assert integer_range(SmallInteger()) == (-(2**15), 2**15 - 1)
    assert integer_range(Integer()) == (-(2**31), 2**31 - 1)
    assert integer_range(BigInteger().with_variant(Integer(), "sqlite")) == (-(2**63), 2**63 - 1)
    version = fits(CustomerAddress.version)
    assert isinstance(version, NumberRange)
    assert version.max == 2**31 - 1
    with pytest.raises(TypeError):
        integer_range(String(3))


@pytest.mark.parametrize(("text", "value"), [("12", 12), (" 7 ", 7), ("²", None), ("١٢", None)])
def test_whole_numbers_are_ascii_digits(text, value):
    assert whole_number(text) == value


def test_an_excerpt_never_quotes_a_long_value_whole():
    assert excerpt("short") == "short"
    assert excerpt("x" * 20_000_000) == "x" * 40 + "… (20,000,000 characters)"


@pytest.mark.parametrize(
    "body",
    [
        "[" * 10_000 + "]" * 10_000,
        '{"a":' * 5_000 + "1" + "}" * 5_000,
        '["a\\u0000"]',
        '{"\\u0000":1}',
    ],
)
def test_json_too_deep_or_with_nul_is_refused(body):
    with pytest.raises(ValueError, match=r"nested deeper|NUL"):
        json_loads(body)


def test_a_nul_is_refused_at_its_field(app):
    class Probe(Form):
        name = StringField(validators=[MaxLength(10)])

    with app.test_request_context(method="POST", data={"name": "a\x00b"}):
        form = Probe(meta={"csrf": False})
        assert not form.validate()
        assert form.name.errors == ["Remove the NUL character: it cannot be stored."]


def test_max_length_counts_what_was_typed():
    class Probe(PlainForm):
        name = StringField(validators=[MaxLength(3)])

    form = Probe(MultiDict({"name": "abcd"}))
    assert not form.validate()
    assert form.name.errors == ["Use at most 3 characters (this has 4)."]
