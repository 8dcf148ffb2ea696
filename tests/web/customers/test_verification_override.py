"""Overriding a customer's verification from the profile: permission, 422s next to the
field, 404 for an unknown customer, the confirmation, and one override per submitted form."""

import pytest
import sqlalchemy as sa

from portal.customers import services
from portal.customers.models import Customer
from portal.customers.values import CustomerStatus as S
from portal.extensions import db
from tests.factories import events, new_customer
from tests.web.customers.test_profile import error_at

HX = {"HX-Request": "true"}


@pytest.fixture
def pending(staff):
    return services.register_customer(staff, new_customer(status=S.PENDING_VERIFICATION))


def url(customer_id: str) -> str:
    return f"/customers/{customer_id}/verification/override"


def status_of(customer_id: str) -> S:
    db.session.expire_all()
    return db.session.scalar(sa.select(Customer.status).where(Customer.id == customer_id))


def test_the_profile_offers_the_override_to_managers_only(client, login_as, pending):
    login_as("finance")
    assert "Override verification" not in client.get(f"/customers/{pending.id}").text
    assert client.get(url(pending.id)).status_code == 403
    answer = client.post(url(pending.id), data={"justification": "x", "confirm": "yes"})
    assert answer.status_code == 403
    assert status_of(pending.id) == S.PENDING_VERIFICATION

    login_as("support")
    page = client.get(f"/customers/{pending.id}").text
    assert "Override verification" in page
    form = client.get(url(pending.id), headers=HX).text
    assert 'name="justification"' in form
    assert "data-confirm=" in form


def test_override_with_confirmation_redirects_to_the_profile_with_a_flash(
    client, login_as, pending
):
    login_as("support")
    data = {"justification": "Passport seen in person", "form_token": "a" * 32}
    unconfirmed = client.post(url(pending.id), data=data)
    assert unconfirmed.status_code == 200
    assert "Override the verification" in unconfirmed.text
    assert status_of(pending.id) == S.PENDING_VERIFICATION

    answer = client.post(url(pending.id), data=data | {"confirm": "yes"})
    assert answer.status_code == 303
    assert answer.headers["Location"].endswith(f"/customers/{pending.id}")
    assert status_of(pending.id) == S.ACTIVE
    profile = client.get(f"/customers/{pending.id}").text
    assert "is verified" in profile
    history = client.get(f"/customers/{pending.id}?tab=history").text
    assert "Passport seen in person" in history

    again = client.post(url(pending.id), data=data | {"confirm": "yes"})
    assert again.status_code == 303  # the same form again: answered like the first
    assert len(events("CustomerVerificationOverriddenByAdmin")) == 1


@pytest.mark.parametrize(
    ("justification", "message"),
    [("", "Say why"), ("x" * 1001, "at most 1,000")],
)
def test_a_bad_justification_is_422_next_to_the_field(
    client, login_as, pending, justification, message
):
    login_as("support")
    answer = client.post(
        url(pending.id), data={"justification": justification, "confirm": "yes"}, headers=HX
    )
    assert answer.status_code == 422
    assert message in error_at(answer.text, "justification")
    assert status_of(pending.id) == S.PENDING_VERIFICATION
    assert not events("CustomerVerificationOverriddenByAdmin")


def test_a_verified_account_is_422_and_an_unknown_one_404(client, login_as, customer):
    login_as("support")
    answer = client.post(url(customer.id), data={"justification": "x", "confirm": "yes"})
    assert answer.status_code == 422
    assert "awaiting verification" in answer.text
    unknown = url("cust-00000000-0000-0000-0000-000000000000")
    assert client.get(unknown).status_code == 404
    assert client.post(unknown, data={"justification": "x", "confirm": "yes"}).status_code == 404
    assert not events("CustomerVerificationOverriddenByAdmin")
