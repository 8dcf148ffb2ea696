"""Finding a customer as people type: an e-mail from its start, dots and all, and a phone number
in whatever layout it is typed; the same layouts accepted, and stored in E.164, by registration
and the CSV import."""

from __future__ import annotations

import io

import pytest
import sqlalchemy as sa

from portal.customers.models import Customer
from portal.customers.queries.directory import term_prefixes
from portal.customers.values import CustomerType
from portal.extensions import db
from tests.web.customers.test_directory import register
from tests.web.customers.test_profile import registration

LIST = "/customers/"


@pytest.fixture
def aaliyah(staff):
    return register(staff, "Aaliyah Brown", "aaliyah.giselle@example.org", "+18765550104")


@pytest.mark.parametrize("typed", ["aaliyah.gisel", "aaliyah.giselle@exa", "AALIYAH.G"])
def test_an_email_typed_from_its_start_finds_the_customer(client, login_as, aaliyah, typed):
    login_as("sales")
    page = client.get(LIST, query_string={"q": typed}).text
    assert ">Aaliyah Brown</a>" in page


def test_an_email_prefix_is_one_range_of_the_term_index():
    assert term_prefixes("aaliyah.gisel") == ["e:aaliyah.gisel"]


@pytest.mark.parametrize(
    "typed", ["+1 876 555 0104", "(876) 555-0104", "876.555.0104", "+1-876-555-0104", "0104"]
)
def test_a_phone_typed_with_spaces_dashes_dots_or_brackets_finds_the_customer(
    client, login_as, aaliyah, typed
):
    login_as("sales")
    response = client.get(LIST, query_string={"q": typed})
    assert response.status_code == 200
    assert ">Aaliyah Brown</a>" in response.text


def phone_of(name: str) -> str | None:
    db.session.expire_all()
    return db.session.scalar(sa.select(Customer.phone).where(Customer.name == name))


@pytest.mark.parametrize("typed", ["+1 876 555 0104", "(876) 555-0104", "876-555-0104"])
def test_registration_stores_a_phone_typed_in_any_layout_in_e164(client, login_as, typed):
    login_as("sales")
    response = client.post("/customers/new", data=registration(phone=typed))
    assert response.status_code == 303
    assert phone_of("Marcia Campbell") == "+18765550104"


def test_registration_still_refuses_what_is_not_a_phone_number(client, login_as):
    login_as("sales")
    response = client.post("/customers/new", data=registration(phone="call me maybe"))
    assert response.status_code == 422
    assert phone_of("Marcia Campbell") is None


def test_the_csv_import_stores_a_phone_typed_with_spaces_in_e164(client, login_as):
    login_as("sales")
    text = (
        "name,customer_type,email,phone,type.origin_region,type.caribbean_cuisines\n"
        f"Ravi Singh,{CustomerType.DIASPORA_COMMUNITY},ravi@example.org,(876) 555-0177,"
        "Kingston,JAMAICAN\n"
    )
    data = {"file": (io.BytesIO(text.encode()), "customers.csv")}
    response = client.post("/customers/import", data=data, content_type="multipart/form-data")
    assert response.status_code == 200
    assert "1 create" in response.text
    assert phone_of("Ravi Singh") == "+18765550177"
