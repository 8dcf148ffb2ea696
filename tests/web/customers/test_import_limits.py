"""The CSV import with hostile cells: refused with a message, never a 500 on a real run."""

from __future__ import annotations

import sqlalchemy as sa

from portal.customers.models import Customer
from portal.extensions import db
from tests.web.customers.test_directory import upload

HEADER = "name,customer_type,email,type.origin_region,type.caribbean_cuisines"


def customers() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Customer))


def test_a_nul_in_a_cell_refuses_the_file_on_a_real_run(client, login_as):
    login_as("sales")
    text = f"{HEADER}\nMarcia,DIASPORA_COMMUNITY,m@example.org,King\x00ston,JAMAICAN\n"
    response = upload(client, text, dry_run=False)
    assert response.status_code == 422
    assert "Line 2 holds a NUL character" in response.text
    assert customers() == 0


def test_a_number_beyond_what_is_stored_is_reported_not_stored(client, login_as):
    login_as("sales")
    text = (
        f"{HEADER},type.generational_remove\n"
        f"Marcia,DIASPORA_COMMUNITY,m@example.org,Kingston,JAMAICAN,{'9' * 20}\n"
    )
    response = upload(client, text, dry_run=False)
    assert response.status_code == 200
    assert "Must be at least 0 and at most 2,147,483,647." in response.text
    assert customers() == 0


def test_cells_longer_than_their_columns_are_reported(client, login_as):
    login_as("sales")
    text = (
        f"{HEADER},preferred_contact_time,street1,city,country,postal_code\n"
        f"Marcia,DIASPORA_COMMUNITY,m@example.org,Kingston,JAMAICAN,{'t' * 101},"
        f"{'s' * 201},New York,US,10001\n"
    )
    response = upload(client, text, dry_run=False)
    assert response.status_code == 200
    assert "Use at most 100 characters (this has 101)." in response.text
    assert "Use at most 200 characters (this has 201)." in response.text
    assert customers() == 0
