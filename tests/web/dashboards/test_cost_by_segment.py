"""The acquisition cost by segment, checked by hand on a small data set: spend shared equally
among the customers a source brought in a month, the shares added up per segment (as at the
nightly snapshot), a row per segment and source in the CSV, and the filters in the URL."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from babel.dates import format_date

from portal.customers.services import register_customer
from portal.customers.values import ContactInfo, CustomerType
from portal.dashboards.rollups import nightly, rebuild_all
from portal.extensions import db
from portal.models import utcnow
from portal.segmentation import behaviour
from portal.segmentation.models import CustomerSegment, SegmentType
from portal.segmentation.services import SegmentInput, save_segment
from tests.factories import new_customer
from tests.unit.segmentation.conftest import cond

HEADER = "Segment,Source,Currency,Attributed spend,New customers,CAC"


@pytest.fixture
def acquired(staff, client, login_as):
    """This month: Google Ads brought three customers (two spend 600 USD and move into Big
    spenders, one stays in B2C general), Instagram two (one a big spender, one in B2C
    general); an unknown source one. Spend: Google Ads 300.00 USD, Instagram 100.00 USD and
    50.00 EUR."""
    save_segment(
        staff,
        None,
        SegmentInput("Big spenders", "", SegmentType.B2C, cond("lifetime_spend", "gte", 500_00)),
    )
    people = [
        register_customer(
            staff,
            new_customer(
                CustomerType.TOURIST,
                name=f"Cac {n}",
                contact=ContactInfo(email=f"cac{n}@example.org"),
                acquisition_source=source,
            ),
        )
        for n, source in enumerate(
            ["GOOGLE_ADS", "GOOGLE_ADS", "GOOGLE_ADS", "INSTAGRAM", "INSTAGRAM", None]
        )
    ]
    now = utcnow()
    for n in (0, 1, 3):
        behaviour.record_order_placed(people[n].id, f"o-{n}", 600_00, "USD", now)
    db.session.commit()
    nightly(now.date())
    db.session.commit()
    login_as("marketing")
    month = now.strftime("%Y-%m")
    for source, amount, currency in [
        ("GOOGLE_ADS", "300.00", "USD"),
        ("INSTAGRAM", "100.00", "USD"),
        ("INSTAGRAM", "50.00", "EUR"),
    ]:
        data = {"source": source, "month": month, "amount": amount, "currency": currency}
        assert client.post("/dashboards/acquisition/spend", data=data).status_code == 303
    return people


def _csv(client, **args) -> list[str]:
    today = utcnow().date().isoformat()
    query = {"from": today, "to": today, **args}
    response = client.get("/dashboards/acquisition/cost-segment.csv", query_string=query)
    assert response.status_code == 200
    return response.get_data(as_text=True).splitlines()


def test_spend_is_shared_equally_and_summed_per_segment(client, acquired):
    """Google Ads: 300 / 3 = 100 a customer; Instagram: 100 / 2 = 50 USD and 25 EUR.
    Big spenders: 2 * 100 + 50 = 250 USD over 3 customers (83.33), 25 EUR over 1.
    B2C general: 100 + 50 = 150 USD over 2 (75.00), 25 EUR over 1."""
    header, *rows = _csv(client)
    assert header == HEADER
    assert rows == [
        "B2C general,Instagram,EUR,25.00,1,25.00",
        "B2C general,All sources,EUR,25.00,1,25.00",
        "B2C general,Google Ads,USD,100.00,1,100.00",
        "B2C general,Instagram,USD,50.00,1,50.00",
        "B2C general,All sources,USD,150.00,2,75.00",
        "Big spenders,Instagram,EUR,25.00,1,25.00",
        "Big spenders,All sources,EUR,25.00,1,25.00",
        "Big spenders,Google Ads,USD,200.00,2,100.00",
        "Big spenders,Instagram,USD,50.00,1,50.00",
        "Big spenders,All sources,USD,250.00,3,83.33",
    ]


def test_the_filters_in_the_url_narrow_it(client, acquired):
    big = next(
        row.segment_id
        for row in db.session.scalars(sa.select(CustomerSegment))
        if row.customer_id == acquired[0].id
    )
    assert _csv(client, segment=big)[1:] == [
        "Big spenders,Instagram,EUR,25.00,1,25.00",
        "Big spenders,All sources,EUR,25.00,1,25.00",
        "Big spenders,Google Ads,USD,200.00,2,100.00",
        "Big spenders,Instagram,USD,50.00,1,50.00",
        "Big spenders,All sources,USD,250.00,3,83.33",
    ]
    assert _csv(client, channel="PAID_SEARCH")[1:] == [
        "B2C general,Google Ads,USD,100.00,1,100.00",
        "B2C general,All sources,USD,100.00,1,100.00",
        "Big spenders,Google Ads,USD,200.00,2,100.00",
        "Big spenders,All sources,USD,200.00,2,100.00",
    ]
    last_year = (utcnow().date() - timedelta(days=400)).isoformat()
    assert _csv(client, **{"from": last_year, "to": last_year}) == []  # no spend then


def test_the_panel_states_the_rule_and_reads_the_nightly_snapshot(client, acquired, staff):
    today = utcnow().date()
    page = client.get(f"/dashboards/acquisition?from={today}&to={today}")
    assert page.status_code == 200
    assert "Acquisition cost per new customer (CAC) by segment" in page.text
    assert "shared equally among the customers it brought that month" in page.text
    shown = format_date(today, "medium", locale="en_US")  # the reader's locale: the default
    assert f"Segments as at the nightly snapshot of {shown}" in page.text
    assert 'id="filter-segment"' in page.text
    before = _csv(client)
    # A customer registered since the snapshot counts from the next night on.
    register_customer(
        staff,
        new_customer(
            CustomerType.TOURIST,
            name="Cac late",
            contact=ContactInfo(email="cac-late@example.org"),
            acquisition_source="GOOGLE_ADS",
        ),
    )
    assert _csv(client) == before
    rebuild_all()  # the rebuild takes today's snapshot again
    assert "B2C general,Google Ads,USD,150.00,2,75.00" in _csv(client)
