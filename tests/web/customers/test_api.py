"""Registering and editing customers through the JSON API: the registration form's and the
profile edit's use cases behind it (rules, configured validation rules, audit, events), an
Idempotency-Key that makes a retried create one record, the version that refuses a stale edit,
and JSON refusals that name the API's fields and save nothing."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import sqlalchemy as sa

from portal.api import tokens
from portal.customers import services
from portal.customers.models import Customer
from portal.customers.rules.configured import RuleSet
from portal.customers.services.validation import save_rules
from portal.customers.values import ContactInfo, CustomerType, ProfileChanges
from portal.duplicates import services as duplicates
from portal.duplicates.values import MergeRequest
from portal.extensions import db
from portal.security.models import AuditEntry
from tests.factories import events, new_customer

URL = "/api/v1/customers"


@pytest.fixture
def bearer(make_user):
    """bearer("customers:write") → Authorization headers of a new token of those scopes."""
    admin = make_user("administrator")

    def issue(*scopes: str) -> dict:
        _token, clear = tokens.issue(admin, "crm", list(scopes))
        return {"Authorization": f"Bearer {clear}"}

    return issue


@pytest.fixture
def headers(bearer) -> dict:
    return bearer("customers:write", "customers:read")


def registration(**overrides) -> dict:
    return {
        "name": "Marcia Campbell",
        "customerType": "DIASPORA_COMMUNITY",
        "email": "marcia@example.org",
        "phone": "+18765551234",
        "preferredContactMethod": "EMAIL",
        "typeData": {
            "originRegion": "Kingston, Jamaica",
            "generationalRemove": 1,
            "caribbeanCuisines": ["JAMAICAN"],
        },
        "acquisitionSource": "INSTAGRAM",
    } | overrides


def customers() -> int:
    db.session.expire_all()
    return db.session.scalar(sa.select(sa.func.count()).select_from(Customer))


def test_a_customer_registered_through_the_api(client, headers, login_as):
    created = client.post(URL, json=registration(), headers=headers)
    assert created.status_code == 201
    body = created.json
    assert created.headers["Location"] == f"{URL}/{body['id']}"
    assert client.get(created.headers["Location"], headers=headers).json == body
    assert (body["acquisitionChannel"], body["acquisitionSource"]) == ("SOCIAL", "INSTAGRAM")
    assert (body["status"], body["version"]) == ("ACTIVE", 1)
    customer = db.session.get(Customer, body["id"])
    assert customer.type_data["caribbean_cuisines"] == ["JAMAICAN"]
    # The form's event and audit entry, naming the calling system.
    (event,) = events("CustomerCreated")
    assert (event.aggregate_id, event.actor) == (body["id"], "api:crm")
    assert event.payload["contactInfo"]["email"] == "marcia@example.org"
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "customer.register"))
    assert (entry.record_id, entry.user_id) == (body["id"], None)
    assert entry.actor.startswith("API token efi_")
    # Staff see where the customer came from on the profile.
    login_as("sales")
    profile = client.get(f"/customers/{body['id']}").text
    assert 'data-glance="acquisition-channel">Social media' in profile
    assert 'data-glance="acquisition-source">Instagram' in profile


def test_a_business_customer_with_its_identification(client, headers):
    body = registration(
        customerType="FOOD_TRUCK",
        typeData={"licensePermit": "MFV-1", "operatingLocations": ["Downtown"]},
        taxId="12-3456789",
        registrationNumber="REG-1",
        paymentTerms="NET_30",
        status="PENDING_VERIFICATION",
        acquisitionChannel="SALES",
        acquisitionSource=None,
    )
    created = client.post(URL, json=body, headers=headers)
    assert created.status_code == 201, created.json
    assert "taxId" not in created.json  # identifiers are never read back
    customer = db.session.get(Customer, created.json["id"])
    assert (customer.tax_id, customer.payment_terms) == ("12-3456789", "NET_30")
    assert (customer.acquisition_channel, customer.acquisition_source) == ("SALES", None)


def test_a_retried_create_with_the_same_key_makes_one_customer(client, headers):
    keyed = headers | {"Idempotency-Key": "crm-signup-7"}
    first = client.post(URL, json=registration(), headers=keyed)
    again = client.post(URL, json=registration(), headers=keyed)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json == first.json
    assert again.headers["Location"] == first.headers["Location"]
    assert customers() == 1
    assert len(events("CustomerCreated")) == 1


@pytest.mark.parametrize(
    ("overrides", "problem"),
    [
        ({"acquisitionChannel": "BILLBOARD"}, "acquisitionChannel: 'BILLBOARD' is not one of"),
        ({"acquisitionSource": "MYSPACE"}, "acquisitionSource: Unknown source"),
        (
            {"acquisitionChannel": "EVENT", "acquisitionSource": "INSTAGRAM"},
            "acquisitionSource: This source belongs to the channel Social media.",
        ),
        ({"typeData": {}}, "typeData.originRegion: Required for this type of customer."),
        ({"typeData": {"familySize": 2}}, "typeData.familySize: Not a field of a DIASPORA"),
        ({"email": None, "phone": None}, "email: Give an e-mail address or a phone number."),
        ({"email": "not-an-address"}, "email: Enter a valid e-mail address"),
        ({"phone": "876 555"}, "phone: Enter the number in international format"),
        ({"name": "  "}, "name: Enter the customer's name."),
        ({"taxId": "12-3456789"}, "taxId: Only business customers"),
        ({"status": "CLOSED"}, "status: 'CLOSED' is not one of"),
        ({"name": "n" * 201}, "name: '" + "n" * 40),
        ({"nickname": "M"}, "(body): Additional properties are not allowed ('nickname'"),
        ({"doNotContact": "yes"}, "doNotContact: 'yes' is not of type 'boolean'"),
        ({"typeData": {"originRegion": ["Kingston"]}}, "typeData.originRegion: Enter a text."),
        ({"typeData": {"countryOfOrigin": ["J", "M"]}}, "typeData.countryOfOrigin"),
    ],
)
def test_a_refused_registration_names_the_field_and_saves_nothing(
    client, headers, overrides, problem
):
    refused = client.post(URL, json=registration(**overrides), headers=headers)
    assert refused.status_code == 422
    assert any(p.startswith(problem) for p in refused.json["error"]["problems"]), refused.json
    assert customers() == 0
    assert events() == []


@pytest.mark.parametrize(
    ("raw", "status"),
    [("{'name': 'x'}", 400), ("[]", 400), ('"text"', 400), ("", 400), ("{}", 422)],
)
def test_a_body_that_is_no_registration_is_refused(client, headers, raw, status):
    answer = client.post(URL, data=raw, headers=headers, content_type="application/json")
    assert answer.status_code == status
    assert answer.json["error"]["problems"]
    assert customers() == 0


def test_the_configured_validation_rules_hold_for_the_api(client, headers, make_user):
    admin = make_user("administrator")
    diaspora = CustomerType.DIASPORA_COMMUNITY
    save_rules(admin, RuleSet(required={diaspora: ("phone", "alternative_email")}), "")
    refused = client.post(URL, json=registration(phone=None), headers=headers)
    assert refused.status_code == 422
    problems = refused.json["error"]["problems"]
    assert "phone: Required for a Diaspora community customer (data rules)." in problems
    assert "alternativeEmail: Required for a Diaspora community customer (data rules)." in problems
    assert customers() == 0
    complete = registration(alternativeEmail="m.campbell@example.net")
    assert client.post(URL, json=complete, headers=headers).status_code == 201


def test_writing_needs_the_write_scope(client, bearer, customer):
    for scopes in [("customers:read",), ("events:write", "loyalty")]:
        headers = bearer(*scopes)
        assert client.post(URL, json=registration(), headers=headers).status_code == 403
        edit = {"version": customer.version_id, "name": "Someone Else"}
        assert client.patch(f"{URL}/{customer.id}", json=edit, headers=headers).status_code == 403
    assert client.post(URL, json=registration()).status_code == 401
    assert customers() == 1


def test_a_profile_edited_through_the_api(client, headers, customer):
    edit = {
        "version": customer.version_id,
        "name": "Marcia Campbell-Reid",
        "preferredContactTime": "mornings",
        "typeData": {"culturalAffinity": None, "generationalRemove": 2},
    }
    edited = client.patch(f"{URL}/{customer.id}", json=edit, headers=headers)
    assert edited.status_code == 200, edited.json
    assert edited.json["name"] == "Marcia Campbell-Reid"
    assert edited.json["version"] == customer.version_id + 1
    assert edited.json["contactPreferences"]["preferredContactTime"] == "mornings"
    db.session.expire_all()
    stored = db.session.get(Customer, customer.id)
    # Left out, a field stays; null removes a type field.
    assert stored.type_data == {
        "origin_region": "Kingston, Jamaica",
        "generational_remove": 2,
        "caribbean_cuisines": ["JAMAICAN"],
    }
    assert stored.email == "marcia@example.org"
    (event,) = events("CustomerUpdated")
    assert event.actor == "api:crm"
    assert set(event.payload["modifiedFields"]) == {"name", "preferredContactTime", "typeData"}
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "customer.update"))
    assert entry.actor.startswith("API token ")


def test_a_stale_edit_is_refused_and_writes_nothing(client, headers, customer, staff):
    read = client.get(f"{URL}/{customer.id}", headers=headers).json
    services.update_customer(
        staff,
        customer.id,
        ProfileChanges(name="Changed Meanwhile", type_data=customer.type_data),
        read["version"],
    )
    edit = {"version": read["version"], "name": "Marcia C."}
    stale = client.patch(f"{URL}/{customer.id}", json=edit, headers=headers)
    assert stale.status_code == 409
    assert f"version {read['version'] + 1}" in stale.json["error"]["detail"]
    db.session.expire_all()
    assert db.session.get(Customer, customer.id).name == "Changed Meanwhile"
    assert len(events("CustomerUpdated")) == 1


@pytest.mark.parametrize(
    ("edit", "problem"),
    [
        ({"email": "new@example.org"}, "(body): Additional properties are not allowed ('email'"),
        ({"typeData": {"originRegion": None}}, "typeData.originRegion: Required"),
        ({"paymentTerms": "NET_30"}, "paymentTerms: Payment terms change only with finance"),
        ({"name": " "}, "name: Enter the customer's name."),
        ({"name": ""}, "name: '' should be non-empty"),
        ({"preferredContactMethod": "MAIL"}, "preferredContactMethod: Add a postal address"),
        ({"alternativePhone": "x" * 17}, "alternativePhone: 'xxx"),
        ({"version": "1"}, "version: '1' is not of type 'integer'"),
    ],
)
def test_a_refused_edit_names_the_field_and_writes_nothing(
    client, headers, customer, edit, problem
):
    refused = client.patch(
        f"{URL}/{customer.id}", json={"version": customer.version_id} | edit, headers=headers
    )
    assert refused.status_code == 422
    assert any(p.startswith(problem) for p in refused.json["error"]["problems"]), refused.json
    db.session.expire_all()
    assert db.session.get(Customer, customer.id).version_id == customer.version_id
    assert events("CustomerUpdated") == []


def test_edits_keep_to_the_validation_rules(client, headers, customer, make_user):
    rules = RuleSet(required={CustomerType.DIASPORA_COMMUNITY: ("alternative_email",)})
    save_rules(make_user("administrator"), rules, "")
    edit = {"version": customer.version_id, "name": "Marcia C."}
    refused = client.patch(f"{URL}/{customer.id}", json=edit, headers=headers)
    assert refused.status_code == 422
    assert refused.json["error"]["problems"] == [
        "alternativeEmail: Required for a Diaspora community customer (data rules)."
    ]
    edit["alternativeEmail"] = "m.c@example.net"
    assert client.patch(f"{URL}/{customer.id}", json=edit, headers=headers).status_code == 200


def test_an_edit_that_changes_nothing_is_a_read(client, headers, customer):
    edit = {"version": customer.version_id, "name": customer.name}
    same = client.patch(f"{URL}/{customer.id}", json=edit, headers=headers)
    assert same.status_code == 200
    assert same.json["version"] == customer.version_id
    assert events("CustomerUpdated") == []
    actions = db.session.scalars(
        sa.select(AuditEntry.action).where(AuditEntry.record_id == customer.id)
    ).all()
    assert "customer.update" not in actions
    assert "customer.viewed" in actions


def test_a_merged_customers_id_edits_the_survivor(client, headers, staff):
    first = services.register_customer(staff, new_customer())
    second = services.register_customer(
        staff, new_customer(contact=ContactInfo(email="marcia.c@example.org"))
    )
    duplicates.merge(staff, MergeRequest(first.id, second.id, first.version_id, second.version_id))
    read = client.get(f"{URL}/{second.id}", headers=headers).json
    assert read["id"] == first.id
    edit = {"version": read["version"], "name": "Marcia Campbell-Reid"}
    edited = client.patch(f"{URL}/{second.id}", json=edit, headers=headers)
    assert edited.status_code == 200
    assert edited.json["id"] == first.id
    assert client.patch(f"{URL}/cust-nobody", json=edit, headers=headers).status_code == 404


@pytest.mark.postgres
def test_two_concurrent_creates_with_one_key_make_one_customer(app, headers, monkeypatch):
    register = services.register_customer

    def slow_register(*args, **kwargs):
        time.sleep(0.5)  # the retry arrives while the first call still creates
        return register(*args, **kwargs)

    monkeypatch.setattr(services, "register_customer", slow_register)
    keyed = headers | {"Idempotency-Key": "crm-signup-8"}
    clients = [app.test_client() for _ in range(2)]
    with ThreadPoolExecutor(max_workers=2) as pool:
        answers = list(pool.map(lambda c: c.post(URL, json=registration(), headers=keyed), clients))
    assert [a.status_code for a in answers] == [201, 201]
    assert answers[0].json == answers[1].json
    assert customers() == 1
