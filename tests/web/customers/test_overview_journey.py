"""The profile's overview (the customer at a glance) and the journey of every touchpoint."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from portal.compliance.services.consent import record_consent
from portal.compliance.values import ConsentChannel, ConsentPurpose
from portal.customers import services
from portal.customers.values import CustomerStatus, InteractionType
from portal.events import intake
from portal.extensions import db
from portal.security.models import AuditEntry
from portal.segmentation import behaviour
from tests.unit.events.messages import message

DAY = datetime(2026, 11, 1, 9, tzinfo=UTC)


@pytest.fixture
def touched(staff, customer):
    """A customer with two orders in two currencies (one cancelled), a support ticket, a
    status change and a consent decision."""
    behaviour.record_order_placed(customer.id, "ord-1", 12_345, "USD", DAY)
    behaviour.record_order_placed(customer.id, "ord-2", 50_000, "JMD", DAY + timedelta(days=1))
    behaviour.record_order_cancelled("ord-2", DAY + timedelta(days=2))
    db.session.commit()
    services.record_interaction(
        staff,
        customer.id,
        InteractionType.SUPPORT_TICKET,
        "Parcel arrived warm",
        occurred_at=DAY + timedelta(days=3),
    )
    services.change_status(staff, customer.id, CustomerStatus.SUSPENDED, reason="PAYMENT_ISSUE")
    record_consent(
        staff,
        customer.id,
        ConsentPurpose.MARKETING_EMAIL,
        granted=True,
        channel=ConsentChannel.WEB_FORM,
        notice_version="v3",
    )
    return customer


def test_overview_shows_the_customer_at_a_glance(client, login_as, touched):
    login_as("sales")
    page = client.get(f"/customers/{touched.id}").text
    assert "Status and segment" in page
    # Spend per currency, never added up: the cancelled JMD order is not spent.
    assert "$123.45" in page
    assert "JMD" in page
    assert "JMD 500.00" not in page
    assert "Parcel arrived warm" in page
    assert "Marketing e-mail" in page
    assert "Given" in page
    assert 'href="#profile-status"' in page  # the edit section is one click away


def test_journey_merges_every_kind_newest_first(client, login_as, touched):
    login_as("sales")
    page = client.get(f"/customers/{touched.id}?tab=journey").text
    kinds = [part.split('"')[0] for part in page.split('data-kind="')[1:]]
    assert {"order", "interaction", "status", "consent", "profile"} <= set(kinds)
    assert page.index("Order cancelled") < page.index("Order placed")
    assert "Parcel arrived warm" in page


def test_journey_filters_by_kind_and_date(client, login_as, touched):
    login_as("sales")
    page = client.get(f"/customers/{touched.id}?tab=journey&kind=order").text
    kinds = {part.split('"')[0] for part in page.split('data-kind="')[1:]}
    assert kinds == {"order"}
    day = (DAY + timedelta(days=1)).date().isoformat()
    page = client.get(
        f"/customers/{touched.id}?tab=journey&kind=order&date_from={day}&date_to={day}"
    ).text
    assert page.count('data-kind="order"') == 1


def test_reviews_scans_and_campaigns_are_kinds_of_their_own(client, login_as, customer):
    """Touchpoints other contexts report arrive as events and can be told apart and filtered."""
    for event in (
        message("ProductReviewed", customer.id, productCategory="hot sauces", rating=4),
        message("ProductAuthenticationScanned", customer.id, authentic=True),
        message("MarketingCampaignEngagement", customer.id, engagementType="EMAIL_CLICK"),
    ):
        intake.consume(event, "test")
    db.session.commit()
    login_as("sales")
    page = client.get(f"/customers/{customer.id}?tab=journey").text
    kinds = {part.split('"')[0] for part in page.split('data-kind="')[1:]}
    assert {"review", "scan", "campaign"} <= kinds
    assert "interaction" not in kinds
    for words in ("Product review", "Product authentication scan", "Campaign engagement"):
        assert words in page
    page = client.get(f"/customers/{customer.id}?tab=journey&kind=scan").text
    assert {part.split('"')[0] for part in page.split('data-kind="')[1:]} == {"scan"}
    assert "genuine" in page


def test_journey_pages_older_with_a_cursor(app, client, login_as, touched):
    login_as("sales")
    from portal.customers import journey

    first = journey.timeline(touched.id, journey.Filters(), size=2)
    second = journey.timeline(touched.id, journey.Filters(before=first.older), size=2)
    assert len(first.entries) == 2
    assert first.older is not None
    seen = [(e.kind, e.ref) for e in first.entries + second.entries]
    assert len(set(seen)) == len(seen)  # no touchpoint twice across pages
    assert first.entries[-1].at >= second.entries[0].at
    older = client.get(f"/customers/{touched.id}?tab=journey&before={first.older}")
    assert older.status_code == 200


def test_a_bad_cursor_is_refused_not_a_500(client, login_as, touched):
    login_as("sales")
    response = client.get(f"/customers/{touched.id}?tab=journey&before=yesterday")
    assert response.status_code == 422
    assert "does not exist" in response.text


def test_viewing_the_journey_is_audited(client, login_as, touched):
    login_as("sales")
    client.get(f"/customers/{touched.id}?tab=journey")
    entry = db.session.query(AuditEntry).filter_by(action="customer.viewed").one()
    assert entry.record_id == touched.id
    assert entry.details == {"tab": "journey"}
