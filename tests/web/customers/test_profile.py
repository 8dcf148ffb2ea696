"""Registering a customer and the 360° profile: every rule shown at its field, through the page."""

from __future__ import annotations

import html
import re

import pytest
import sqlalchemy as sa

from portal.customers import services
from portal.customers.models import Customer
from portal.customers.rules import TYPE_FIELDS
from portal.customers.rules.types import BUSINESS_FIELDS
from portal.customers.values import CustomerStatus, CustomerType
from portal.extensions import db
from portal.security.models import AuditEntry
from tests.factories import BUSINESS, TYPE_DATA

HX = {"HX-Request": "true"}


def error_at(page: str, field: str) -> str:
    """The message shown next to `field` (the `field` macro's <p class="error">), or ""."""
    match = re.search(rf'<p class="error" id="{re.escape(field)}-error">(.*?)</p>', page, re.S)
    return html.unescape(match[1]) if match else ""


def customers() -> list[Customer]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(Customer)))


def fresh(customer: Customer) -> Customer:
    return db.session.get(Customer, customer.id, populate_existing=True)


def registration(customer_type=CustomerType.DIASPORA_COMMUNITY, **overrides) -> dict:
    """The registration form as a browser posts it, valid unless overridden (None drops)."""
    data = {
        "customer_type": customer_type.value,
        "name": "Marcia Campbell",
        "email": "marcia@example.org",
        "phone": "+18765551234",
        "status": "ACTIVE",
    }
    for name, value in TYPE_DATA[customer_type].items():
        if isinstance(value, list) and name != "caribbean_cuisines":
            value = ", ".join(value)
        data[name] = value if isinstance(value, list) else str(value)
    if customer_type.is_b2b:
        data |= {"tax_id": BUSINESS.tax_id, "registration_number": BUSINESS.registration_number}
    data |= overrides
    return {k: v for k, v in data.items() if v is not None}


REQUIRED = [
    (customer_type, name)
    for customer_type, fields in TYPE_FIELDS.items()
    for name, spec in fields.items()
    if spec.required
]


@pytest.mark.parametrize(("customer_type", "name"), REQUIRED, ids=lambda v: str(v))
def test_each_type_refuses_a_missing_required_field_at_the_field(
    client, login_as, customer_type, name
):
    login_as("sales")
    response = client.post("/customers/new", data=registration(customer_type, **{name: None}))
    assert response.status_code == 422
    assert error_at(response.text, name) == "Required for this type of customer."
    assert customers() == []


@pytest.mark.parametrize("name", ["tax_id", "registration_number"])
def test_business_types_need_their_identification(client, login_as, name):
    login_as("sales")
    data = registration(CustomerType.FOOD_TRUCK, **{name: ""})
    response = client.post("/customers/new", data=data)
    assert response.status_code == 422
    assert error_at(response.text, name) == "Required for business customers."
    assert customers() == []


@pytest.mark.parametrize(
    ("customer_type", "overrides", "field", "message"),
    [
        (
            CustomerType.INDIGENOUS_FOODIE,
            {"family_size": "0"},
            "family_size",
            "Must be at least 1.",
        ),
        (
            CustomerType.HOTEL_RESTAURANT,
            {"star_rating": "6"},
            "star_rating",
            "Must be at least 1 and at most 5.",
        ),
        (
            CustomerType.EXPAT,
            {"has_subscription": "y"},
            "delivery_frequency",
            "Required when the customer has a subscription.",
        ),
        (
            CustomerType.EXPAT,
            {"country_of_origin": "XX"},
            "country_of_origin",
            "Choose a country (ISO 3166 two-letter code).",
        ),
        (
            CustomerType.DIASPORA_COMMUNITY,
            {"caribbean_cuisines": "MARTIAN"},
            "caribbean_cuisines",
            "is not a valid choice",
        ),
        (CustomerType.PRIVATE_CHEF, {"client_capacity": "many"}, "client_capacity", None),
    ],
)
def test_type_rules_are_shown_at_the_field(
    client, login_as, customer_type, overrides, field, message
):
    login_as("sales")
    response = client.post("/customers/new", data=registration(customer_type, **overrides))
    assert response.status_code == 422
    assert (
        error_at(response.text, field)
        if message is None
        else message in error_at(response.text, field)
    )
    assert customers() == []


@pytest.mark.parametrize(
    ("overrides", "messages"),
    [
        (
            {"email": "", "phone": ""},
            {
                "email": "Give an e-mail address or a phone number.",
                "phone": "Give an e-mail address or a phone number.",
            },
        ),
        ({"email": "marcia-at-example"}, {"email": "Enter a valid e-mail address"}),
        # typed with spaces it is normalised (+18765551234); too short it is refused
        ({"phone": "876 555 12"}, {"phone": "Enter the number in international format"}),
        ({"alternative_phone": "555"}, {"alternative_phone": "international format"}),
        ({"name": "  "}, {"name": "Enter the customer's name."}),
        (
            {"preferred_contact_method": "PHONE", "phone": ""},
            {"preferred_contact_method": "Give a phone number to be reached by phone."},
        ),
        (
            {"do_not_contact": "y", "preferred_contact_method": "EMAIL"},
            {"preferred_contact_method": "must not be contacted"},
        ),
    ],
)
def test_contact_rules_are_shown_at_the_field(client, login_as, overrides, messages):
    login_as("sales")
    response = client.post("/customers/new", data=registration(**overrides))
    assert response.status_code == 422
    for field, message in messages.items():
        assert message in error_at(response.text, field)
    assert customers() == []


def test_no_type_chosen_is_422_not_500(client, login_as):
    login_as("sales")
    response = client.post("/customers/new", data=registration() | {"customer_type": ""})
    assert response.status_code == 422
    assert "Choose the type of customer first." in response.text


@pytest.mark.parametrize("customer_type", list(CustomerType), ids=str)
def test_registering_each_type_leads_to_its_profile(client, login_as, customer_type):
    login_as("sales")
    response = client.post("/customers/new", data=registration(customer_type))
    assert response.status_code == 303
    (customer,) = customers()
    assert response.location == f"/customers/{customer.id}"
    assert customer.customer_type == customer_type
    # An unchecked box is stored as a real "no".
    flags = {"has_subscription": False} if customer_type == CustomerType.EXPAT else {}
    assert customer.type_data == TYPE_DATA[customer_type] | flags
    page = client.get(response.location).text
    assert "Marcia Campbell" in page
    if customer_type.is_b2b:
        assert "••••6789" in page
        assert BUSINESS.tax_id not in page
        assert BUSINESS.registration_number not in page


def test_htmx_registration_success_uses_hx_location(client, login_as):
    login_as("sales")
    response = client.post("/customers/new", data=registration(), headers=HX)
    assert response.status_code == 204
    (customer,) = customers()
    assert f"/customers/{customer.id}" in response.headers["HX-Location"]


def test_choosing_a_type_swaps_only_its_fields(client, login_as):
    login_as("sales")
    full = client.get("/customers/new?customer_type=HOTEL_RESTAURANT")
    assert "<h1>New customer</h1>" in full.text
    assert 'name="star_rating"' in full.text
    fragment = client.get(
        "/customers/new?customer_type=TOURIST", headers=HX | {"HX-Target": "type-fields"}
    )
    assert fragment.status_code == 200
    assert "<h1>" not in fragment.text
    assert 'name="first_encounter"' in fragment.text
    assert 'name="star_rating"' not in fragment.text
    assert 'name="tax_id"' not in fragment.text  # B2C: no business identification
    b2b = client.get(
        "/customers/new?customer_type=FOOD_TRUCK", headers=HX | {"HX-Target": "type-fields"}
    )
    assert all(f'name="{name}"' in b2b.text for name in BUSINESS_FIELDS)


def test_inline_validation_returns_the_field_with_its_message_and_saves_nothing(client, login_as):
    login_as("sales")
    data = registration(email="not-an-email")
    response = client.post(
        "/customers/new/validate", data=data, headers=HX | {"HX-Trigger-Name": "email"}
    )
    assert response.status_code == 200
    assert response.text.strip().startswith('<div class="field invalid">')
    assert "Enter a valid e-mail address" in error_at(response.text, "email")
    assert 'name="phone"' not in response.text
    ok = client.post(
        "/customers/new/validate", data=data, headers=HX | {"HX-Trigger-Name": "phone"}
    )
    assert error_at(ok.text, "phone") == ""
    assert customers() == []


def test_every_type_and_business_field_has_an_input():
    from portal.customers.forms.profile import INPUTS

    names = {name for fields in TYPE_FIELDS.values() for name in fields} | set(BUSINESS_FIELDS)
    assert names == set(INPUTS)


# --- the profile page ---------------------------------------------------------------------


def test_profile_shows_the_header_and_writes_an_audit_entry(client, login_as, restaurant):
    viewer = login_as("finance")
    page = client.get(f"/customers/{restaurant.id}")
    assert page.status_code == 200
    assert "<!doctype html>" in page.text
    for text in (
        "Chez Lola",
        "Full service restaurant",
        "Active",
        "Segment:",
        "Cannot place orders",
    ):
        assert text in page.text
    assert "Edit" not in page.text  # finance reads, does not change
    entry = db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == "customer.viewed")
    ).one()
    assert (entry.user_id, entry.record_type, entry.record_id) == (
        viewer.id,
        "customer",
        restaurant.id,
    )
    assert entry.details == {"tab": "overview"}


@pytest.mark.parametrize("tab", ["overview", "addresses", "preferences", "interactions", "history"])
def test_each_tab_loads_as_a_fragment_or_a_page_and_is_audited(client, login_as, customer, tab):
    login_as("support")
    fragment = client.get(
        f"/customers/{customer.id}?tab={tab}", headers=HX | {"HX-Target": "profile-tabs"}
    )
    assert fragment.status_code == 200
    assert "<html" not in fragment.text
    assert 'aria-current="page"' in fragment.text
    assert "profile-header" not in fragment.text
    page = client.get(f"/customers/{customer.id}?tab={tab}")
    assert "<html" in page.text
    assert "profile-header" in page.text
    tabs = db.session.scalars(
        sa.select(AuditEntry.details).where(AuditEntry.action == "customer.viewed")
    ).all()
    assert tabs == [{"tab": tab}, {"tab": tab}]


@pytest.mark.parametrize(
    "path",
    [
        "/customers/cust-unknown",
        "/customers/cust-unknown?tab=history",
        "/customers/cust-unknown/details/edit",
        "/customers/cust-unknown/status/edit",
    ],
)
def test_unknown_customer_is_404(client, login_as, path):
    login_as("sales")
    assert client.get(path).status_code == 404
    assert client.get(path, headers=HX).status_code == 404


def test_unknown_customer_posts_are_404(client, login_as):
    login_as("sales")
    assert client.post("/customers/cust-unknown/details", data={"version": 1}).status_code == 404
    assert client.post("/customers/cust-unknown/status", data={}).status_code == 404


# --- editing the profile section ----------------------------------------------------------


def _details(customer: Customer, **overrides) -> dict:
    data = {
        "name": customer.name,
        "version": str(customer.version_id),
        **{
            k: (", ".join(v) if isinstance(v, list) and k != "caribbean_cuisines" else v)
            for k, v in customer.type_data.items()
        },
    }
    data = {k: (v if isinstance(v, list) else str(v)) for k, v in data.items()}
    data |= overrides
    return {k: v for k, v in data.items() if v is not None}


def test_edit_fragment_then_save_swaps_the_section_back(client, login_as, restaurant):
    login_as("sales")
    form = client.get(f"/customers/{restaurant.id}/details/edit", headers=HX)
    assert form.status_code == 200
    assert '<section id="profile-details" class="panel editing">' in form.text
    assert f'name="version" type="hidden" value="{restaurant.version_id}"' in form.text
    assert BUSINESS.tax_id not in form.text  # identifiers are never echoed back

    response = client.post(
        f"/customers/{restaurant.id}/details",
        data=_details(restaurant, name="Chez Lola Bistro", seating_capacity="90"),
        headers=HX,
    )
    assert response.status_code == 200
    assert '<section id="profile-details" class="panel">' in response.text
    assert 'hx-swap-oob="true"' in response.text  # the header shows the new name too
    assert "Chez Lola Bistro" in response.text
    stored = fresh(restaurant)
    assert stored.name == "Chez Lola Bistro"
    assert stored.type_data["seating_capacity"] == 90
    assert stored.tax_id == BUSINESS.tax_id  # left empty: kept


def test_edit_without_javascript_is_a_page_and_a_303(client, login_as, customer):
    login_as("sales")
    page = client.get(f"/customers/{customer.id}/details/edit")
    assert "<html" in page.text
    assert "Back to Marcia Campbell" in page.text
    response = client.post(
        f"/customers/{customer.id}/details", data=_details(customer, name="M. C.")
    )
    assert response.status_code == 303
    assert response.location == f"/customers/{customer.id}?tab=overview"


def test_bad_edit_is_422_with_the_form_and_messages(client, login_as, customer):
    login_as("sales")
    response = client.post(
        f"/customers/{customer.id}/details",
        data=_details(customer, name="", origin_region="", alternative_email="nope"),
        headers=HX,
    )
    assert response.status_code == 422
    assert error_at(response.text, "name") == "Enter the customer's name."
    assert error_at(response.text, "origin_region") == "Required for this type of customer."
    assert "Enter a valid e-mail address" in error_at(response.text, "alternative_email")
    assert fresh(customer).name == "Marcia Campbell"


def test_two_concurrent_edits_give_one_409_and_no_lost_update(client, login_as, customer):
    login_as("sales")
    first = client.get(f"/customers/{customer.id}/details/edit", headers=HX).text
    second = client.get(f"/customers/{customer.id}/details/edit", headers=HX).text
    version = re.search(r'name="version" type="hidden" value="(\d+)"', first)[1]
    assert version in second

    ok = client.post(
        f"/customers/{customer.id}/details",
        data=_details(customer, name="First Editor", version=version),
        headers=HX,
    )
    stale = client.post(
        f"/customers/{customer.id}/details",
        data=_details(customer, name="Second Editor", version=version),
        headers=HX,
    )
    assert ok.status_code == 200
    assert stale.status_code == 409
    assert "First Editor" in stale.text
    assert "Second Editor" in stale.text
    assert "Reload the form" in stale.text
    assert fresh(customer).name == "First Editor"
    reloaded = client.get(f"/customers/{customer.id}/details/edit", headers=HX).text
    assert 'value="First Editor"' in reloaded


def test_b2c_customer_cannot_be_given_business_identification(client, login_as, customer):
    login_as("sales")
    response = client.post(
        f"/customers/{customer.id}/details", data=_details(customer, tax_id="12-345")
    )
    # A B2C form has no tax id input: the value is ignored rather than stored.
    assert response.status_code == 303
    assert fresh(customer).tax_id is None


# --- status -------------------------------------------------------------------------------


def _status(client, customer, status, reason="Customer asked", **headers):
    return client.post(
        f"/customers/{customer.id}/status",
        data={"status": status, "reason": reason, "version": str(fresh(customer).version_id)},
        headers=headers,
    )


def test_status_form_offers_only_allowed_targets(client, login_as, customer):
    login_as("sales")
    page = client.get(f"/customers/{customer.id}/status/edit?to=INACTIVE", headers=HX).text
    assert '<option selected value="INACTIVE">' in page
    assert 'value="SUSPENDED"' in page
    assert 'value="CLOSED"' in page
    assert 'value="PENDING_VERIFICATION"' not in page


def test_deactivate_and_reactivate_with_a_reason(client, login_as, customer):
    login_as("sales")
    response = _status(client, customer, "INACTIVE", **HX)
    assert response.status_code == 200
    assert 'data-status="INACTIVE"' in response.text  # the header, out of band
    assert fresh(customer).status == CustomerStatus.INACTIVE
    assert _status(client, customer, "ACTIVE").status_code == 303
    assert fresh(customer).status == CustomerStatus.ACTIVE


def test_reason_is_required(client, login_as, customer):
    login_as("sales")
    response = _status(client, customer, "SUSPENDED", reason=" ")
    assert response.status_code == 422
    assert error_at(response.text, "reason") == "Give the reason for the change."
    assert fresh(customer).status == CustomerStatus.ACTIVE


def test_closed_is_final(client, login_as, customer, staff):
    services.change_status(staff, customer.id, CustomerStatus.CLOSED, reason="Asked to close")
    login_as("sales")
    page = client.get(f"/customers/{customer.id}").text
    assert "A closed account is final." in page
    response = _status(client, customer, "ACTIVE")
    assert response.status_code == 422
    assert error_at(response.text, "status") == "A closed account cannot be changed."
    assert fresh(customer).status == CustomerStatus.CLOSED


def test_a_transition_outside_the_table_is_refused(client, login_as, customer, staff):
    services.change_status(staff, customer.id, CustomerStatus.SUSPENDED, reason="Unpaid")
    login_as("sales")
    response = _status(client, customer, "INACTIVE")
    assert response.status_code == 422
    assert error_at(response.text, "status") == "A SUSPENDED account cannot become INACTIVE."


def test_stale_status_change_is_409(client, login_as, customer, staff):
    login_as("sales")
    version = fresh(customer).version_id
    services.change_status(staff, customer.id, CustomerStatus.SUSPENDED, reason="Unpaid")
    response = client.post(
        f"/customers/{customer.id}/status",
        data={"status": "INACTIVE", "reason": "Dormant", "version": str(version)},
    )
    assert response.status_code == 409
    assert "Suspended" in response.text
    assert fresh(customer).status == CustomerStatus.SUSPENDED


def test_history_shows_who_changed_which_field_from_what_to_what(client, login_as, restaurant):
    editor = login_as("sales", name="Erin Editor")
    client.post(
        f"/customers/{restaurant.id}/details",
        data=_details(restaurant, name="Chez Lola Bistro", tax_id="99-0001111"),
    )
    page = client.get(f"/customers/{restaurant.id}?tab=history").text
    assert editor.name in page
    assert "<strong>Name</strong>: Chez Lola → Chez Lola Bistro" in page
    assert "<strong>Tax id</strong>: *** → ***" in page
    assert "99-0001111" not in page
    assert "Registered as FULL_SERVICE_RESTAURANT" in page


@pytest.mark.parametrize(("role", "shown"), [("sales", True), ("finance", False)])
def test_a_business_profile_links_the_payment_terms_change_for_those_who_may_ask(
    client, login_as, restaurant, role, shown
):
    login_as(role)
    change = f"/approvals/customers/{restaurant.id}/payment-terms"
    page = client.get(f"/customers/{restaurant.id}").text
    assert (f'href="{change}"' in page) is shown
    assert (client.get(change).status_code == 200) is shown


def test_a_consumer_profile_has_no_payment_terms(client, login_as, customer):
    login_as("sales")
    assert "payment-terms" not in client.get(f"/customers/{customer.id}").text
