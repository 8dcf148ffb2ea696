"""Acquisition through the test client: channel and source at registration and import (unknown
values refused next to the field), the source list marketing extends, the spend form, and the
dashboard's charts by channel, source, funnel and cost with their CSVs."""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa

from portal.customers import services
from portal.customers.models import AcquisitionSource, Customer
from portal.customers.values import ContactField, ContactInfo
from portal.dashboards.models import MarketingSpend
from portal.domain import DomainError
from portal.extensions import db
from portal.models import utcnow
from portal.security.models import AuditEntry
from tests.factories import new_customer
from tests.web.customers.test_directory import upload
from tests.web.customers.test_profile import registration


def _customer(email: str) -> Customer:
    db.session.expire_all()
    return db.session.scalar(sa.select(Customer).where(Customer.email == email))


def test_the_registration_form_records_channel_and_source(client, login_as):
    login_as("sales")
    form = client.get("/customers/new").text
    assert "Acquisition channel" in form
    assert '<optgroup label="Social media">' in form
    data = registration(email="ig@example.org", acquisition_source="INSTAGRAM")
    assert client.post("/customers/new", data=data).status_code == 303
    person = _customer("ig@example.org")
    assert (person.acquisition_channel, person.acquisition_source) == ("SOCIAL", "INSTAGRAM")
    profile = client.get(f"/customers/{person.id}").text
    assert 'data-glance="acquisition-channel">Social media' in profile
    assert 'data-glance="acquisition-source">Instagram' in profile


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"acquisition_source": "MYSPACE"}, "acquisition_source", "Not a valid choice"),
        ({"acquisition_channel": "PIGEON"}, "acquisition_channel", "Not a valid choice"),
        (
            {"acquisition_channel": "EVENT", "acquisition_source": "INSTAGRAM"},
            "acquisition_source",
            "belongs to the channel Social media",
        ),
    ],
)
def test_unknown_or_mismatched_values_are_refused_next_to_the_field(
    client, login_as, fields, field, message
):
    login_as("sales")
    response = client.post("/customers/new", data=registration(email="x@example.org", **fields))
    assert response.status_code == 422
    assert f'id="{field}-error"' in response.text
    assert message in response.text
    assert _customer("x@example.org") is None


def test_existing_customers_show_unknown(client, login_as, customer):
    login_as("sales")
    profile = client.get(f"/customers/{customer.id}").text
    assert 'data-glance="acquisition-channel">Unknown' in profile


def test_the_import_takes_channel_and_source_and_refuses_unknown_ones(client, login_as):
    login_as("sales")
    rows = (
        "name,customer_type,email,type.first_encounter,acquisition_channel,acquisition_source\n"
        "Ann Import,TOURIST,ann@example.org,A fair,,food_festival\n"
        "Bo Import,TOURIST,bo@example.org,A fair,SOCIAL,NOPE\n"
    )
    response = upload(client, rows, dry_run=False)
    assert response.status_code == 200
    assert "Unknown source" in response.text
    ann = _customer("ann@example.org")
    assert (ann.acquisition_channel, ann.acquisition_source) == ("EVENT", "FOOD_FESTIVAL")
    assert _customer("bo@example.org") is None


def test_marketing_adds_a_source_audited_and_bad_input_is_422(client, login_as):
    login_as("marketing")
    page = client.get("/customers/acquisition-sources")
    assert page.status_code == 200
    assert "Google Ads" in page.text
    code = f"PIN_{uuid.uuid4().hex[:8].upper()}"
    name = f"Pinterest {code}"
    bad = client.post(
        "/customers/acquisition-sources", data={"name": name, "code": "pin tr", "channel": "SOCIAL"}
    )
    assert bad.status_code == 422
    assert 'id="code-error"' in bad.text
    taken = client.post(
        "/customers/acquisition-sources",
        data={"name": "Another", "code": "INSTAGRAM", "channel": "SOCIAL"},
    )
    assert taken.status_code == 422
    assert "This code is taken." in taken.text
    added = client.post(
        "/customers/acquisition-sources", data={"name": name, "code": code, "channel": "SOCIAL"}
    )
    assert added.status_code == 303
    assert db.session.get(AcquisitionSource, code).channel == "SOCIAL"
    assert db.session.scalar(
        sa.select(AuditEntry.id).where(
            AuditEntry.action == "customer.acquisition_source_add", AuditEntry.record_id == code
        )
    )
    db.session.delete(db.session.get(AcquisitionSource, code))  # the list outlives a test
    db.session.commit()


@pytest.mark.parametrize("role", ["sales", "finance", "compliance_officer"])
def test_only_marketing_edits_sources_and_spend(client, login_as, role):
    login_as(role)
    assert client.get("/customers/acquisition-sources").status_code == 403
    assert client.get("/dashboards/acquisition/spend").status_code == 403
    data = {"source": "GOOGLE_ADS", "month": "2026-11", "amount": "10.00", "currency": "USD"}
    assert client.post("/dashboards/acquisition/spend", data=data).status_code == 403


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"amount": "ten"}, "amount"),
        ({"amount": "10.001"}, "amount"),
        ({"month": "2026-13"}, "month"),
        ({"currency": "XXQ"}, "currency"),
        ({"source": "NOPE"}, "source"),
    ],
)
def test_bad_spend_is_refused_next_to_the_field(client, login_as, change, field):
    login_as("marketing")
    data = {"source": "GOOGLE_ADS", "month": "2026-11", "amount": "1,250.00", "currency": "USD"}
    response = client.post("/dashboards/acquisition/spend", data=data | change)
    assert response.status_code == 422
    assert f'id="{field}-error"' in response.text
    assert db.session.scalar(sa.select(sa.func.count()).select_from(MarketingSpend)) == 0


def test_the_dashboard_shows_channels_sources_funnel_and_cost(client, login_as, staff, sent):
    """This month: two Google Ads customers (one confirms the code, one stops after a wrong
    one) and an Instagram one who never gets a code."""
    people = [
        services.register_customer(
            staff,
            new_customer(
                name=f"Acq {n}",
                contact=ContactInfo(email=f"acq{n}@example.org"),
                acquisition_source=source,
            ),
        )
        for n, source in enumerate(["GOOGLE_ADS", "GOOGLE_ADS", "INSTAGRAM"])
    ]
    for n, person in enumerate(people[:2]):
        services.request_contact_change(staff, person.id, ContactField.EMAIL, f"new{n}@ex.org")
    with pytest.raises(DomainError):
        services.confirm_contact_change(staff, people[1].id, ContactField.EMAIL, "000000")
    code = sent.codes["new0@ex.org"]
    services.confirm_contact_change(staff, people[0].id, ContactField.EMAIL, code)

    login_as("marketing")
    month = utcnow().strftime("%Y-%m")
    spend = {"source": "GOOGLE_ADS", "month": month, "amount": "300.00", "currency": "USD"}
    assert client.post("/dashboards/acquisition/spend", data=spend).status_code == 303
    # Sent twice (a double click): still one row; another currency is its own row.
    assert client.post("/dashboards/acquisition/spend", data=spend).status_code == 303
    euros = spend | {"amount": "90.00", "currency": "EUR"}
    assert client.post("/dashboards/acquisition/spend", data=euros).status_code == 303
    assert db.session.scalar(sa.select(sa.func.count()).select_from(MarketingSpend)) == 2
    assert "$300.00" in client.get("/dashboards/acquisition/spend").text

    today = utcnow().date().isoformat()
    page = client.get(f"/dashboards/acquisition?by=day&from={today}&to={today}")
    assert page.status_code == 200
    assert "Paid search" in page.text
    assert "Google Ads" in page.text

    def csv(chart: str, **args) -> list[str]:
        query = {"from": today, "to": today, **args}
        response = client.get(f"/dashboards/acquisition/{chart}.csv", query_string=query)
        assert response.status_code == 200
        return response.get_data(as_text=True).splitlines()

    assert csv("channels", by="day") == ["Day,Paid search,Social media", f"{today},2,1"]
    assert csv("sources")[1:] == ["Google Ads,2", "Instagram,1"]
    header, *rows = csv("funnel-channel")
    assert header == (
        "Channel,Registered,Code sent,Entered a wrong code,Verified,"
        "Stopped before a code,Stopped after the code,Completed (%)"
    )
    assert rows == ["Paid search,2,2,1,1,0,1,50.0", "Social media,1,0,0,0,1,0,0.0"]
    assert csv("funnel-type", channel="PAID_SEARCH")[1:] == ["Diaspora community,2,2,1,1,0,1,50.0"]
    cost = csv("cost")
    assert cost[0] == "Month,Source,Currency,Spend,New customers,CAC"
    assert sorted(cost[1:]) == [
        f"{month},Google Ads,EUR,90.00,2,45.00",
        f"{month},Google Ads,USD,300.00,2,150.00",
    ]
    filtered = client.get(f"/dashboards/acquisition?channel=SOCIAL&source=INSTAGRAM&from={today}")
    assert 'value="INSTAGRAM" selected' in filtered.text
