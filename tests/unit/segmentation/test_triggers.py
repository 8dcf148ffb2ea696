"""What re-evaluates a segment besides behaviour events: the CSV import (through the customer
services it calls, one transaction per row) and the dormant-account sweep (one set-based run
over just the flagged accounts)."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from portal.customers import services
from portal.customers.models import Customer
from portal.customers.services import Outcome, import_customers
from portal.customers.values import ContactInfo
from portal.events.outbox import SYSTEM
from portal.extensions import db
from portal.models import utcnow
from portal.segmentation.models import (
    CustomerSegment,
    ReasonCode,
    Segment,
    SegmentHistory,
    SegmentType,
)
from tests.factories import events, new_customer
from tests.unit.segmentation.conftest import all_of, cond

HEADER = (
    "name,customer_type,email,phone,type.seating_capacity,type.cuisine_type,"
    "tax_id,registration_number\n"
)


def segment_of(customer_id: str) -> str:
    return db.session.scalar(
        sa.select(Segment.name)
        .join(CustomerSegment, CustomerSegment.segment_id == Segment.id)
        .where(CustomerSegment.customer_id == customer_id)
    )


def test_imported_customers_are_segmented_on_create_and_update(staff, make_segment):
    make_segment("Big rooms", all_of(cond("seating_capacity", "gte", "80")), SegmentType.B2B)
    row = "Good Eats,FULL_SERVICE_RESTAURANT,eats@example.org,,{seats},Jamaican,12-3456789,R9\n"
    created = import_customers(staff, (HEADER + row.format(seats=120)).encode(), dry_run=False)
    [report] = created.rows
    assert (report.outcome, report.errors) == (Outcome.CREATE, {})
    assert segment_of(report.customer_id) == "Big rooms"
    assert events("CustomerSegmentChanged") == []  # a first assignment is no move

    updated = import_customers(staff, (HEADER + row.format(seats=30)).encode(), dry_run=False)
    assert [r.outcome for r in updated.rows] == [Outcome.UPDATE]
    assert segment_of(report.customer_id) == "B2B general"
    [moved] = events("CustomerSegmentChanged")
    assert moved.payload["previousSegment"]["specificSegment"] == "Big rooms"


def test_the_dormant_sweep_re_evaluates_only_the_flagged_accounts(staff, make_segment):
    make_segment("Old hands", all_of(cond("created_at", "more_than_ago", "20", unit="months")))
    now = utcnow()
    sleeper = services.register_customer(staff, new_customer(name="Sleeper"))
    busy = services.register_customer(
        staff, new_customer(name="Busy", contact=ContactInfo(email="busy@example.org"))
    )
    long_ago = now - timedelta(days=800)
    db.session.execute(
        sa.update(Customer)
        .where(Customer.id.in_([sleeper.id, busy.id]))
        .values(created_at=long_ago)
    )
    db.session.execute(
        sa.update(Customer).where(Customer.id == busy.id).values(last_activity_at=now)
    )
    db.session.commit()
    assert segment_of(sleeper.id) == segment_of(busy.id) == "B2C general"

    assert services.flag_inactive_customers(now) == 1
    assert segment_of(sleeper.id) == "Old hands"
    assert segment_of(busy.id) == "B2C general"  # not flagged: left for the next recompute
    entry = db.session.scalars(
        sa.select(SegmentHistory)
        .where(SegmentHistory.customer_id == sleeper.id)
        .order_by(SegmentHistory.id)
    ).all()[-1]
    assert (entry.reason_code, entry.actor) == (ReasonCode.RULE_MATCHED, SYSTEM)
    assert entry.metrics["created_at"]
