"""A create form submitted twice (a retry, a double click) makes one record, and the second
answer is the first one again. Each case loads the page, posts the form it rendered twice."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
import sqlalchemy as sa

from portal.customers.models import Customer, CustomerAddress, Interaction
from portal.extensions import db
from tests.forms import rendered_form
from tests.web.customers.test_profile import registration

HX = {"HX-Request": "true"}


@dataclass
class Case:
    roles: tuple[str, ...]
    page: Callable[[dict], str]  # the page that renders the form, from the test's objects
    action: Callable[[dict], str]
    fill: dict
    rows: Callable[[], int]


def count(model) -> Callable[[], int]:
    def rows() -> int:
        db.session.expire_all()
        return db.session.scalar(sa.select(sa.func.count()).select_from(model))

    return rows


CASES = {
    "customer": Case(
        ("sales",),
        lambda o: "/customers/new?customer_type=DIASPORA_COMMUNITY",
        lambda o: "/customers/new",
        registration(),
        count(Customer),
    ),
    "interaction": Case(
        ("support",),
        lambda o: f"/customers/{o['customer'].id}?tab=interactions",
        lambda o: f"/customers/{o['customer'].id}/interactions",
        {"type": "CALL", "summary": "Asked about ackee"},
        count(Interaction),
    ),
    "address": Case(
        ("sales",),
        lambda o: f"/customers/{o['customer'].id}/addresses/new",
        lambda o: f"/customers/{o['customer'].id}/addresses",
        {
            "street1": "12 Hope Road",
            "city": "New York",
            "state": "NY",
            "postal_code": "10001",
            "country": "US",
        },
        count(CustomerAddress),
    ),
}


@pytest.fixture
def objects(customer) -> dict:
    return {"customer": customer}


def _post_twice(client, case: Case, objects: dict, headers=None):
    page = client.get(case.page(objects))
    assert page.status_code == 200
    data = rendered_form(page.text, case.action(objects)) | case.fill
    assert data.get("form_token"), "the form carries its token"
    return [client.post(case.action(objects), data=data, headers=headers) for _ in range(2)]


@pytest.mark.parametrize("name", CASES)
def test_the_same_form_posted_twice_creates_once(client, login_as, objects, name):
    case = CASES[name]
    login_as(*case.roles)
    before = case.rows()
    first, second = _post_twice(client, case, objects)
    assert first.status_code in (200, 303), first.text
    assert case.rows() == before + 1
    assert (second.status_code, second.headers.get("Location")) == (
        first.status_code,
        first.headers.get("Location"),
    )


@pytest.mark.parametrize("name", CASES)
def test_a_form_rendered_again_creates_again(client, login_as, objects, name):
    case = CASES[name]
    login_as(*case.roles)
    before = case.rows()
    _post_twice(client, case, objects)
    _post_twice(client, case, objects)
    assert case.rows() == before + 2
