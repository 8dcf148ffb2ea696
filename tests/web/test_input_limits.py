"""Over-long, out-of-range and NUL values through the forms: a 422 with the message at the
field, nothing written (PostgreSQL answered 500 for values longer than their column); bodies
over the size limit: a 413 that says so, as a page, a fragment or JSON."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from portal.customers.models import CustomerAddress, Interaction
from portal.extensions import db
from portal.segmentation.models import Segment
from tests.web.customers.test_profile import HX, _details, error_at, fresh
from tests.web.customers.test_profile_addresses import GOOD
from tests.web.segmentation.test_segment_pages import NESTED

TOO_LONG = "Use at most {:,} characters (this has {:,})."
NUL = "Remove the NUL character: it cannot be stored."


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_a_preferred_time_longer_than_its_column_is_refused_at_the_field(
    client, login_as, customer
):
    login_as("sales")
    response = client.post(
        f"/customers/{customer.id}/details",
        data=_details(customer, preferred_contact_time="x" * 101),
        headers=HX,
    )
    assert response.status_code == 422
    assert error_at(response.text, "preferred_contact_time") == TOO_LONG.format(100, 101)
    assert 'maxlength="100"' in response.text  # the browser stops the typing there too
    assert fresh(customer).preferred_contact_time is None


@pytest.mark.parametrize("capacity", ["99999999999999999999", "2147483648"])
def test_a_number_beyond_what_is_stored_is_refused_at_the_field(
    client, login_as, restaurant, capacity
):
    login_as("sales")
    response = client.post(
        f"/customers/{restaurant.id}/details",
        data=_details(restaurant, seating_capacity=capacity),
        headers=HX,
    )
    assert response.status_code == 422
    assert error_at(response.text, "seating_capacity") == (
        "Must be at least 1 and at most 2,147,483,647."
    )
    assert fresh(restaurant).type_data["seating_capacity"] == 80


@pytest.mark.parametrize(
    ("field", "longest"),
    [("street1", 200), ("street2", 200), ("city", 100), ("state", 100), ("note", 500)],
)
def test_address_parts_longer_than_their_columns_are_refused(
    client, login_as, customer, field, longest
):
    login_as("sales")
    data = GOOD | {field: "x" * (longest + 1)}
    response = client.post(f"/customers/{customer.id}/addresses", data=data, headers=HX)
    assert response.status_code == 422
    assert error_at(response.text, field) == TOO_LONG.format(longest, longest + 1)
    assert count(CustomerAddress) == 0


def test_an_interaction_summary_longer_than_its_column_is_refused(client, login_as, customer):
    login_as("sales")
    response = client.post(
        f"/customers/{customer.id}/interactions", data={"type": "NOTE", "summary": "x" * 301}
    )
    assert response.status_code == 422
    assert error_at(response.text, "summary") == TOO_LONG.format(300, 301)
    assert count(Interaction) == 0


def test_a_nul_character_is_refused_at_its_field(client, login_as, customer):
    login_as("sales")
    response = client.post(
        f"/customers/{customer.id}/interactions", data={"type": "NOTE", "summary": "call\x00back"}
    )
    assert response.status_code == 422
    assert error_at(response.text, "summary") == NUL
    assert count(Interaction) == 0


def test_a_segment_name_longer_than_its_column_is_refused(client, login_as):
    login_as("marketing")
    response = client.post("/segments/new", data=dict(NESTED, name="x" * 101))
    assert response.status_code == 422
    assert TOO_LONG.format(100, 101) in response.text
    assert count(Segment) == 0


def test_a_segment_description_with_nul_is_refused(client, login_as):
    login_as("marketing")
    response = client.post("/segments/new", data=dict(NESTED, description="a\x00b"))
    assert response.status_code == 422
    assert NUL in response.text
    assert count(Segment) == 0


@pytest.mark.parametrize(
    ("headers", "page"), [({}, True), (HX, False), ({"Accept": "application/json"}, None)]
)
def test_a_body_over_the_limit_is_a_413_by_request_kind(
    app, client, login_as, customer, headers, page
):
    login_as("sales")
    response = client.post(
        f"/customers/{customer.id}/interactions",
        data={"type": "NOTE", "summary": "x" * app.config["MAX_CONTENT_LENGTH"]},
        headers=headers,
    )
    assert response.status_code == 413
    if page is None:
        assert response.json["error"]["detail"].startswith("The request is larger than")
    else:
        assert "The request is larger than the portal takes" in response.text
        assert ("<html" in response.text) is page
    assert count(Interaction) == 0


def test_the_segment_editor_takes_no_superscript_for_a_position(client, login_as):
    """ "²" passed str.isdigit and then failed int(): a 500 from the editor's buttons."""
    login_as("marketing")
    data = dict(NESTED, **{"r.².kind": "condition", "action": "remove:r.1.²"})
    response = client.post("/segments/editor", data=data, headers=HX)
    assert response.status_code == 200
    assert 'data-path="r.1"' in response.text  # nothing removed
