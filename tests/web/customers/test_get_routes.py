"""Every GET route of the customers area, with real ids, for every staff role, as a page and as
an HTMX request (with each target the pages use): none answers a 5xx."""

from __future__ import annotations

import pytest

from portal.customers import services
from portal.customers.values import ContactField, CustomerStatus, CustomerType, Preferences
from portal.security.permissions import STAFF_ROLES
from tests.conftest import sign_in_client
from tests.factories import Outbox, address, new_customer

# A page, an HTMX request without a target, and one for each target the pages use.
HEADERS = [
    {},
    *(
        {"HX-Request": "true"} | ({"HX-Target": target} if target else {})
        for target in ("", "customer-results", "profile-tabs", "type-fields", "main")
    ),
]
TABS = ["overview", "addresses", "preferences", "interactions", "segment", "consent", "history"]


@pytest.fixture
def urls(app, staff, monkeypatch) -> list[str]:
    """Every customers GET route, its arguments taken from customers in every state."""
    monkeypatch.setattr("portal.customers.services.contact_change.configured_notifier", Outbox)
    b2b = services.register_customer(staff, new_customer(CustomerType.HOTEL_RESTAURANT))
    home = services.add_address(staff, b2b.id, address())
    services.update_preferences(staff, b2b.id, Preferences(channels=("EMAIL",), language="en"))
    services.record_interaction(staff, b2b.id, "CALL", "Called")
    services.request_contact_change(staff, b2b.id, ContactField.EMAIL, "new@example.org")
    closed = services.register_customer(
        staff, new_customer(CustomerType.TOURIST, name="Closed Account")
    )
    services.change_status(staff, closed.id, CustomerStatus.CLOSED, reason="Asked to")
    values = {"customer_id": b2b.id, "address_id": home.id, "field": "email"}

    urls = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("customers.") and "GET" in rule.methods:
            urls.append(rule.build({k: values[k] for k in rule.arguments})[1])
    profile = f"/customers/{b2b.id}"
    urls += [f"{profile}?tab={tab}" for tab in TABS]
    urls += [f"/customers/{closed.id}", f"/customers/{closed.id}/status/edit"]
    urls += [f"{profile}/contact/phone/edit", f"{profile}/status/edit?to=INACTIVE"]
    urls += [f"/customers/new?customer_type={t.value}" for t in CustomerType]
    urls += ["/customers/?q=Marcia&sort=-created&page=2", "/customers/review?page=2"]
    return urls


@pytest.mark.parametrize("role", [role.name for role in STAFF_ROLES])
def test_no_customers_get_route_answers_5xx(app, make_user, urls, role):
    client = app.test_client()
    sign_in_client(client, make_user(role))
    failures = []
    for url in urls:
        for headers in HEADERS:
            status = client.get(url, headers=headers).status_code
            if status >= 500:
                failures.append((url, headers, status))
    assert failures == []
