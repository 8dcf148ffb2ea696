"""Preferences, interactions and primary contact changes through the profile pages."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from portal.customers import services
from portal.customers.models import Interaction
from portal.customers.values import InteractionType
from portal.extensions import db
from tests.web.customers.test_profile import HX, error_at, fresh


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"language": "klingon"}, "language", "Use a language code"),
        ({"special_dates": "Birthday: 13-45"}, "special_dates", "Enter a date as MM-DD"),
        ({"special_dates": ": 05-14"}, "special_dates", "Each date needs a label."),
        ({"channels": "PIGEON"}, "channels", "is not a valid choice"),
    ],
)
def test_preference_rules_are_shown_at_the_field(client, login_as, customer, data, field, message):
    login_as("sales")
    response = client.post(
        f"/customers/{customer.id}/preferences", data=data | {"version": 0}, headers=HX
    )
    assert response.status_code == 422
    assert message in error_at(response.text, field)
    assert fresh(customer).preference is None


def test_edit_preferences(client, login_as, customer):
    login_as("sales")
    assert "Edit preferences" in client.get(f"/customers/{customer.id}/preferences/edit").text
    response = client.post(
        f"/customers/{customer.id}/preferences",
        data={
            "channels": ["EMAIL", "SMS"],
            "frequency": "WEEKLY",
            "language": "fr-CA",
            "product_interests": "pepper sauce, ackee",
            "dietary_preferences": "halal",
            "special_dates": "Birthday: 05-14\nAnniversary: 2019-06-01",
            "version": 0,
        },
        headers=HX,
    )
    assert response.status_code == 200
    assert "pepper sauce, ackee" in response.text
    preference = fresh(customer).preference
    assert preference.channels == ["EMAIL", "SMS"]
    assert preference.special_dates[1] == {"label": "Anniversary", "date": "2019-06-01"}
    form = client.get(f"/customers/{customer.id}/preferences/edit", headers=HX).text
    assert "Birthday: 05-14" in form


def _interactions(customer) -> list[Interaction]:
    db.session.expire_all()
    return list(db.session.query(Interaction).filter_by(customer_id=customer.id))


def test_record_an_interaction_and_see_it_as_the_latest(client, login_as, customer):
    login_as("support", name="Sam Support")
    response = client.post(
        f"/customers/{customer.id}/interactions",
        data={"type": "CALL", "occurred_at": "2026-01-05T10:30", "summary": "Asked about ackee"},
        headers=HX,
    )
    assert response.status_code == 200
    assert response.headers["HX-Retarget"] == "#interactions"
    assert "Asked about ackee" in response.text
    assert "Sam Support" in response.text
    (saved,) = _interactions(customer)
    assert saved.occurred_at == datetime(2026, 1, 5, 10, 30, tzinfo=UTC)
    page = client.get(f"/customers/{customer.id}?tab=interactions").text
    assert re.search(r"Latest interaction:\s*<strong>Call</strong>", page)


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"type": "NOTE", "summary": " "}, "summary", "Summarise the interaction."),
        (
            {"type": "NOTE", "summary": "Later", "occurred_at": "2999-01-01T00:00"},
            "occurred_at",
            "cannot be in the future",
        ),
        ({"type": "CARRIER_PIGEON", "summary": "x"}, "type", "Not a valid choice"),
    ],
)
def test_interaction_rules_are_shown_at_the_field(client, login_as, customer, data, field, message):
    login_as("sales")
    response = client.post(f"/customers/{customer.id}/interactions", data=data)
    assert response.status_code == 422
    assert message in error_at(response.text, field)
    assert _interactions(customer) == []


def test_interactions_filter_by_type_and_date(client, login_as, customer, staff):
    now = datetime.now(UTC)
    services.record_interaction(
        staff, customer.id, InteractionType.CALL, "Old call", occurred_at=now - timedelta(days=40)
    )
    services.record_interaction(staff, customer.id, InteractionType.EMAIL, "Recent mail")
    login_as("finance")
    url = f"/customers/{customer.id}?tab=interactions"
    calls = client.get(f"{url}&type=CALL", headers=HX | {"HX-Target": "profile-tabs"}).text
    assert "Old call" in calls
    assert "<td>Recent mail</td>" not in calls
    since = (now - timedelta(days=7)).date().isoformat()
    recent = client.get(f"{url}&date_from={since}").text
    assert "<td>Recent mail</td>" in recent
    assert "Old call" not in recent
    assert "Record interaction" not in recent  # finance may not record
    bad = client.get(f"{url}&date_from=2026-02-10&date_to=2026-02-01")
    assert bad.status_code == 422
    assert error_at(bad.text, "date_to") == "The end date is before the start date."


def test_primary_email_changes_only_once_the_code_is_confirmed(client, login_as, customer, sent):
    login_as("sales")
    form = client.get(f"/customers/{customer.id}/contact/email/edit", headers=HX)
    assert "Send a code" in form.text
    bad = client.post(
        f"/customers/{customer.id}/contact/email", data={"value": "nope", "version": 0}
    )
    assert bad.status_code == 422
    assert "Enter a valid e-mail address" in error_at(bad.text, "value")

    pending = client.post(
        f"/customers/{customer.id}/contact/email",
        data={"value": "new@example.org", "version": 0},
        headers=HX,
    )
    assert pending.status_code == 200
    assert "Waiting for the code sent to <strong>new@example.org</strong>" in pending.text
    assert fresh(customer).email == "marcia@example.org"

    wrong = client.post(
        f"/customers/{customer.id}/contact/email/confirm",
        data={"email-code": "not-the-code"},
        headers=HX,
    )
    assert wrong.status_code == 422
    assert error_at(wrong.text, "email-code") == "That code is not right."
    assert fresh(customer).email == "marcia@example.org"

    right = client.post(
        f"/customers/{customer.id}/contact/email/confirm",
        data={"email-code": sent.codes["new@example.org"]},
        headers=HX,
    )
    assert right.status_code == 200
    assert "Waiting for the code" not in right.text
    assert fresh(customer).email == "new@example.org"


def test_phone_must_be_e164_and_unknown_contact_fields_are_404(client, login_as, customer):
    login_as("sales")
    bad = client.post(
        f"/customers/{customer.id}/contact/phone", data={"value": "555-1234", "version": 0}
    )
    assert bad.status_code == 422
    assert "international format" in error_at(bad.text, "value")
    assert client.get(f"/customers/{customer.id}/contact/fax/edit").status_code == 404
    assert client.post(f"/customers/{customer.id}/contact/fax", data={}).status_code == 404
