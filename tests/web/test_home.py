"""Each role's home page: what needs them now, every number a link to exactly the rows it counts."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from portal.customers import services
from portal.customers.models import Customer
from portal.customers.values import CustomerStatus, InteractionType
from portal.events.models import ParkedEvent, WebhookDelivery, WebhookSubscription
from portal.extensions import db
from portal.models import utcnow
from portal.organizations import services as org_services
from portal.security import audit
from portal.security.models import AuditEntry
from tests.conftest import sign_in_client
from tests.factories import new_customer
from tests.unit.organizations.factories import external, grill_group, role


def stats(page: str) -> dict[str, tuple[str, str]]:
    """data-stat → (number shown, link)."""
    found = re.findall(
        r'<a class="stat[^"]*" href="([^"]+)" data-stat="([^"]+)"><strong>([^<]+)</strong>', page
    )
    return {key: (number, href.replace("&amp;", "&")) for href, key, number in found}


def panels(page: str) -> set[str]:
    return set(re.findall(r'id="home-([a-z]+)"', page))


def test_sales_sees_customers_waiting_and_their_own(client, login_as, staff):
    pending = [
        services.register_customer(staff, new_customer(name=f"Waiting {n}")) for n in range(2)
    ]
    for customer in pending:
        db.session.execute(
            sa.update(Customer)
            .where(Customer.id == customer.id)
            .values(status=CustomerStatus.PENDING_VERIFICATION)
        )
    db.session.commit()
    user = login_as("sales")
    client.get(f"/customers/{pending[0].id}")
    services.record_interaction(user, pending[1].id, InteractionType.CALL, "Asked for a code")
    page = client.get("/").text
    assert panels(page) == {"customers"}
    number, link = stats(page)["awaiting-verification"]
    assert number == "2"
    listed = client.get(link).text
    assert listed.count('href="/customers/cust-') == 2
    assert "Recently opened by you" in page
    assert "Waiting 0" in page
    assert "Asked for a code" in page


def test_viewing_the_sales_home_is_audited(client, login_as, customer):
    login_as("sales")
    client.get("/")
    seen = db.session.scalars(
        sa.select(AuditEntry.details).where(AuditEntry.action == "customer.home_viewed")
    ).all()
    assert seen == [{"customers": [customer.id]}]


def test_compliance_numbers_open_the_requests_they_count(client, login_as):
    login_as("compliance_officer")
    page = client.get("/").text
    assert panels(page) == {"compliance"}
    for key in ("overdue", "due-week", "awaiting-approval", "follow-ups", "open"):
        number, link = stats(page)[key]
        assert number == "0"
        assert client.get(link).status_code == 200


def test_an_unknown_request_filter_is_a_404(client, login_as):
    login_as("compliance_officer")
    assert client.get("/compliance/?due=someday").status_code == 404
    assert client.get("/compliance/?status=LOST").status_code == 404


def test_administrator_sees_the_plumbing(client, login_as):
    db.session.add(ParkedEvent(source="queue", body="{}", reason="unknown customer"))
    subscription = WebhookSubscription(
        url="https://hooks.example/x", event_types=["CustomerCreated"], secret="s", created_by="t"
    )
    db.session.add(subscription)
    db.session.flush()
    for status in ("failed", "sent"):
        db.session.add(
            WebhookDelivery(
                subscription_id=subscription.id,
                event_id="0d7f9a52-33c4-4c8e-9b1e-5a2f6c7d8e90",
                event_type="CustomerCreated",
                body="{}",
                status=status,
            )
        )
    audit.record("auth.sign_in", outcome=audit.FAILURE, actor="someone@x.example")
    db.session.commit()
    login_as("administrator")
    page = client.get("/").text
    assert {"operations"} <= panels(page)
    found = stats(page)
    assert found["parked"][0] == "1"
    assert found["failed-deliveries"][0] == "1"
    deliveries = client.get(found["failed-deliveries"][1]).text
    assert deliveries.count("hooks.example") == 1
    assert found["sign-in-failures"][0] == "1"
    failures = client.get(found["sign-in-failures"][1]).text
    assert failures.count('class="outcome-failure"') == 1


def test_marketing_sees_segment_sizes_and_moves(client, login_as, customer):
    from portal.segmentation import services as segmentation

    user = login_as("marketing")
    segmentation.recompute_all(user.id)
    page = client.get("/").text
    assert panels(page) == {"segments"}
    number, link = stats(page)["moves"]
    assert number == "1"
    assert client.get(link).status_code == 200
    assert "Last recompute" in page


def test_finance_sees_decisions_and_delegations(client, login_as):
    login_as("finance")
    page = client.get("/").text
    assert panels(page) == {"approvals"}
    number, link = stats(page)["waiting"]
    assert number == "0"
    assert client.get(link).status_code == 200


@pytest.fixture
def organization_admin(staff):
    mine = grill_group(staff)
    theirs = grill_group(staff, prefix="X")
    admin = external(mine["root"], "Admin")
    for org, email in ((mine, "new@mine.example"), (theirs, "new@theirs.example")):
        org_services.invite(
            staff,
            org["miami"].id,
            email,
            "Newcomer",
            role(org["root"], "Buyer").id,
            {"org:view", "org:orders:create", "org:orders:view_own"},
            type("Outbox", (), {"send_invitation": lambda self, **_: None})(),
            lambda token: token,
        )
    db.session.commit()
    return admin


def test_customer_admin_sees_only_their_organisation(client, organization_admin):
    sign_in_client(client, organization_admin)
    page = client.get("/").text
    assert "organization" in panels(page)
    assert "XCaribbean" not in page
    found = stats(page)
    assert found["invitations"][0] == "1"
    members = client.get(found["invitations"][1]).text
    assert "new@mine.example" in members
    assert "new@theirs.example" not in members


def test_capped_counts_say_so(app):
    from portal.home import queries

    db.session.add_all(
        Customer(
            id=f"cust-cap-{n}",
            name=f"Cap {n}",
            customer_type="TOURIST",
            status=CustomerStatus.PENDING_VERIFICATION,
            version_id=1,
            created_at=utcnow() - timedelta(days=1),
        )
        for n in range(queries.CAP + 1)
    )
    db.session.commit()
    counted = queries.capped(sa.select(Customer.id))
    assert counted == queries.Count(queries.CAP, capped=True)
