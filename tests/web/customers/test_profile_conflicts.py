"""No lost updates: every editable section of the profile answers 409 with the "changed
meanwhile" panel when someone saved first, and a tampered version gets a visible message."""

from __future__ import annotations

import re

import pytest

from portal.customers import services
from portal.customers.forms.profile import STALE_FORM
from portal.customers.values import Preferences
from tests.conftest import sign_in_client
from tests.factories import Outbox, address
from tests.web.customers.test_profile import HX, fresh


def version_in(page: str) -> str:
    return re.search(r'name="version" type="hidden" value="(\d+)"', page)[1]


@pytest.fixture
def two_editors(app, make_user):
    """Two staff users signed in on their own clients."""
    clients = []
    for role in ("sales", "support"):
        client = app.test_client()
        sign_in_client(client, make_user(role))
        clients.append(client)
    return clients


@pytest.mark.parametrize("stored_before", [False, True])
def test_two_preference_edits_give_one_409_and_keep_the_first(
    two_editors, customer, staff, stored_before
):
    if stored_before:
        services.update_preferences(staff, customer.id, Preferences(language="en"))
    first, second = two_editors
    url = f"/customers/{customer.id}/preferences"
    seen = [version_in(c.get(f"{url}/edit", headers=HX).text) for c in (first, second)]

    ok = first.post(url, data={"language": "es", "version": seen[0]}, headers=HX)
    stale = second.post(url, data={"language": "fr", "version": seen[1]}, headers=HX)

    assert ok.status_code == 200
    assert stale.status_code == 409
    assert "Changed meanwhile" in stale.text
    assert re.search(r"<td>Language</td><td>es</td><td>fr</td>", stale.text)
    assert fresh(customer).preference.language == "es"
    reloaded = second.get(f"{url}/edit", headers=HX).text
    assert 'value="es"' in reloaded
    again = second.post(url, data={"language": "fr", "version": version_in(reloaded)}, headers=HX)
    assert again.status_code == 200
    assert fresh(customer).preference.language == "fr"


def test_two_requests_for_a_new_email_give_one_409(two_editors, customer, monkeypatch):
    monkeypatch.setattr("portal.customers.services.contact_change.configured_notifier", Outbox)
    first, second = two_editors
    url = f"/customers/{customer.id}/contact/email"
    seen = [version_in(c.get(f"{url}/edit", headers=HX).text) for c in (first, second)]

    ok = first.post(url, data={"value": "first@example.org", "version": seen[0]}, headers=HX)
    stale = second.post(url, data={"value": "second@example.org", "version": seen[1]}, headers=HX)

    assert ok.status_code == 200
    assert stale.status_code == 409
    assert "Changed meanwhile" in stale.text
    assert "first@example.org" in stale.text
    assert "second@example.org" in stale.text
    page = second.get(f"/customers/{customer.id}").text
    assert "Waiting for the code sent to <strong>first@example.org</strong>" in page


@pytest.mark.parametrize("action", ["verify", "default"])
def test_an_address_button_on_an_outdated_view_is_409(two_editors, customer, staff, action):
    services.add_address(staff, customer.id, address())
    other = services.add_address(staff, customer.id, address(street1="1 Other St"))
    first, _ = two_editors
    seen = other.version
    listed = first.get(f"/customers/{customer.id}?tab=addresses").text
    assert f'name="version" value="{seen}"' in listed
    services.update_address(staff, customer.id, other.id, address(street1="2 Moved St"), seen)

    stale = first.post(
        f"/customers/{customer.id}/addresses/{other.id}/{action}",
        data={"version": seen},
        headers=HX,
    )
    assert stale.status_code == 409
    assert "Someone else changed this record meanwhile" in stale.text
    assert "2 Moved St" in stale.text


def _sections(customer, address_id):
    base = f"/customers/{customer.id}"
    return {
        "details": (f"{base}/details/edit", f"{base}/details", {"name": "X"}),
        "status": (f"{base}/status/edit", f"{base}/status", {"status": "INACTIVE", "reason": "r"}),
        "preferences": (f"{base}/preferences/edit", f"{base}/preferences", {}),
        "contact": (f"{base}/contact/email/edit", f"{base}/contact/email", {"value": "a@b.org"}),
        "address": (
            f"{base}/addresses/{address_id}/edit",
            f"{base}/addresses/{address_id}",
            {"address_type": "SHIPPING", "street1": "1 A St", "city": "Kingston", "country": "JM"},
        ),
    }


@pytest.mark.parametrize("section", ["details", "status", "preferences", "contact", "address"])
@pytest.mark.parametrize("tampered", ["", "x", "²"])
def test_a_tampered_version_is_422_with_a_visible_message(
    client, login_as, customer, staff, section, tampered
):
    home = services.add_address(staff, customer.id, address())
    login_as("sales")
    edit, post, data = _sections(customer, home.id)[section]
    assert client.get(edit, headers=HX).status_code == 200
    before = fresh(customer).version_id

    response = client.post(post, data=data | {"version": tampered}, headers=HX)
    assert response.status_code == 422
    assert f'<div class="alert" role="alert"><p>{STALE_FORM}</p></div>' in response.text
    assert fresh(customer).version_id == before


@pytest.mark.parametrize("action", ["verify", "default"])
def test_an_address_button_with_a_tampered_version_says_so(
    client, login_as, customer, staff, action
):
    services.add_address(staff, customer.id, address())
    other = services.add_address(staff, customer.id, address(street1="1 Other St"))
    login_as("support")
    response = client.post(
        f"/customers/{customer.id}/addresses/{other.id}/{action}", data={"version": "x"}, headers=HX
    )
    assert response.status_code == 422
    assert STALE_FORM in response.text
    defaults = {a.id for a in fresh(customer).addresses if a.is_default}
    assert other.id not in defaults
