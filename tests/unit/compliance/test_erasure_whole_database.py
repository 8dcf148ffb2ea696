"""The whole database after a FULL erasure: a customer with every kind of data (contacts,
addresses, interactions, preferences, consent, a payment-terms approval whose comment quotes
the name and the phone, webhook deliveries of its events, a B2B organisation named after the
person) is erased with a second officer's approval, then every row of every table in the
schema is read as text and searched for every value written. PostgreSQL only: it reads the
rows as the database stores them (`row::text`), the way pg_dump shows them."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from portal.approvals import services as approvals
from portal.approvals.values import Decision
from portal.compliance import services
from portal.compliance.services import NewRequest
from portal.compliance.services.consent import record_consent
from portal.compliance.values import (
    Channel,
    ConsentChannel,
    ConsentPurpose,
    ErasureScope,
    Jurisdiction,
    RequestType,
)
from portal.customers import services as customers
from portal.customers.values import (
    BusinessIdentification,
    ContactField,
    ContactInfo,
    CustomerType,
    InteractionType,
    Preferences,
)
from portal.events import webhooks
from portal.events.catalogue import CATALOGUE
from portal.events.models import WebhookDelivery
from portal.events.relay import Relay
from portal.extensions import db
from portal.models import utcnow
from portal.organizations.services.tree import create_organization
from tests.conftest import DEFAULT_PASSWORD
from tests.factories import address, new_customer

pytestmark = pytest.mark.postgres

NAME = "Winston Blackwood"
VALUES = {
    "name": NAME,
    "surname": "Blackwood",
    "email": "winston.blackwood@example.org",
    "alternative e-mail": "chef.winston@example.net",
    "new e-mail": "w.blackwood@example.com",
    "phone digits": "8765550199",
    "alternative phone digits": "8765550142",
    "street": "77 Lilyfield Crescent",
    "street2": "Flat 4B Lilyfield",
    "tax id": "98-7654321",
    "registration number": "REG-WB-5521",
    "legal name": "Blackwood Private Dining",
    "birthday": "1979-11-23",
}


@pytest.fixture(autouse=True)
def _postgres_only():
    if db.engine.dialect.name != "postgresql":
        pytest.skip("reads the rows as PostgreSQL stores them")


def whole_database() -> dict[str, list[str]]:
    """Every row of every table of the schema (not only the model's) as PostgreSQL prints it."""
    tables = db.session.scalars(
        sa.text(
            "SELECT table_name FROM information_schema.tables "
            "WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'"
        )
    ).all()
    return {
        table: db.session.scalars(
            sa.select(sa.literal_column("t::text")).select_from(sa.table(table).alias("t"))
        ).all()
        for table in tables
    }


def hits(dump: dict[str, list[str]]) -> list[tuple[str, str, str]]:
    return [
        (label, table, row)
        for label, value in VALUES.items()
        for table, rows in dump.items()
        for row in rows
        if value.lower() in row.lower()
    ]


def _fill(staff, finance) -> str:
    customer = customers.register_customer(
        staff,
        new_customer(
            CustomerType.PRIVATE_CHEF,
            name=NAME,
            contact=ContactInfo(
                email=VALUES["email"],
                phone="+18765550199",
                alternative_email=VALUES["alternative e-mail"],
                alternative_phone="+18765550142",
            ),
            business=BusinessIdentification(
                tax_id=VALUES["tax id"],
                registration_number=VALUES["registration number"],
                legal_entity_name=VALUES["legal name"],
            ),
        ),
    )
    customers.add_address(
        staff, customer.id, address(street1=VALUES["street"], street2=VALUES["street2"])
    )
    customers.update_preferences(
        staff,
        customer.id,
        Preferences(
            channels=("EMAIL",),
            special_dates=({"label": "Birthday", "date": VALUES["birthday"]},),
        ),
    )
    customers.record_interaction(
        staff,
        customer.id,
        InteractionType.CALL,
        f"{NAME} called from {VALUES['street']}",
    )
    customers.request_contact_change(staff, customer.id, ContactField.EMAIL, VALUES["new e-mail"])
    record_consent(
        staff,
        customer.id,
        ConsentPurpose.MARKETING_EMAIL,
        granted=True,
        channel=ConsentChannel.WEB_FORM,
        notice_version="2026-01",
    )
    create_organization(staff, customer.id, NAME, "WBD")
    asked = approvals.request_payment_terms(staff, customer.id, "NET_60")
    approvals.decide(
        finance,
        asked.id,
        Decision.APPROVE,
        f"Approved for {NAME}, call +18765550199",
        round_=1,
        tier=0,
    )
    return customer.id


def test_a_full_erasure_leaves_no_value_anywhere_in_the_database(staff, make_user):
    officer = make_user("compliance_officer")
    second = make_user("compliance_officer")
    finance = make_user("finance")
    webhooks.subscribe(staff, "https://hooks.example.org/efi", sorted(CATALOGUE))
    customer_id = _fill(staff, finance)
    Relay().run_once()  # the events go out, and their bodies are queued for the webhook
    before = hits(whole_database())
    assert {label for label, *_ in before} >= set(VALUES) - {"tax id", "registration number"}
    assert {table for _, table, _ in before} >= {
        "webhook_delivery",
        "approval_step",
        "org_node",
        "outbox_event",
    }
    assert db.session.scalar(sa.select(sa.func.count()).select_from(WebhookDelivery)) > 5

    request = services.receive_request(
        officer,
        NewRequest(
            RequestType.ERASURE,
            Jurisdiction.GDPR,
            Channel.EMAIL,
            utcnow() - timedelta(days=1),
            NAME,
            requester_email=VALUES["email"],
            customer_id=customer_id,
            description=f"{NAME} asks us to delete everything",
        ),
    )
    services.verify_identity(officer, request.id, "E-mail", f"Reply from {VALUES['email']}")
    services.plan_erasure(officer, request.id, ErasureScope.FULL, [])
    services.approve_erasure(second, request.id)
    services.execute_erasure(officer, request.id, DEFAULT_PASSWORD)
    Relay().run_once()  # CustomerDataPurgedByAdmin, queued for the webhook as well

    assert hits(whole_database()) == []
