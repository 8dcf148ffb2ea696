"""Rules compiled to SQL and the set-based recompute: every operator, nested groups, priority,
fallback, overrides and their expiry, exactly one primary segment per customer."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from portal.customers import services as customers
from portal.customers.models import Customer
from portal.customers.values import CustomerStatus, CustomerType
from portal.domain import Conflict, DomainError
from portal.extensions import db
from portal.models import utcnow
from portal.segmentation import behaviour
from portal.segmentation.engine import evaluate
from portal.segmentation.fields import FIELDS, OPERATORS
from portal.segmentation.models import (
    CustomerSegment,
    ReasonCode,
    Segment,
    SegmentHistory,
    SegmentType,
)
from portal.segmentation.rules import to_draft, validate
from portal.segmentation.services import override_segment, recompute_all, reorder_segments
from tests.factories import address, events, new_customer
from tests.unit.segmentation.conftest import all_of, any_of, cond, matching

NOW = utcnow()


@pytest.fixture
def town(staff):
    """Three restaurants and two consumers with known attributes and behaviour."""

    def restaurant(name, seats, orders, **fields):
        data = new_customer(
            CustomerType.FULL_SERVICE_RESTAURANT,
            name=name,
            type_data={"cuisine_type": "Haitian", "seating_capacity": seats},
            **fields,
        )
        created = customers.register_customer(staff, data)
        for i, (days_ago, amount) in enumerate(orders):
            behaviour.record_order_placed(
                created.id, f"{name}-{i}", amount, "USD", NOW - timedelta(days=days_ago)
            )
        db.session.commit()
        return created

    big = restaurant("Big", 120, [(5, 50_00), (20, 50_00), (40, 50_00)])
    spender = restaurant("Spender", 90, [(10, 2_500_00)])
    small = restaurant("Small", 20, [(1, 10_00)] * 1 + [(2, 10_00), (3, 10_00)])
    fan = customers.register_customer(staff, new_customer(name="Fan", marketing_opt_out=True))
    customers.add_address(staff, fan.id, address(country="ca", state="on", postal_code="K1A 0B1"))
    behaviour.set_subscription(fan.id, True, NOW)
    quiet = customers.register_customer(staff, new_customer(CustomerType.TOURIST, name="Quiet"))
    db.session.commit()
    return {"big": big, "spender": spender, "small": small, "fan": fan, "quiet": quiet}


OPERATOR_CASES = [
    (cond("seating_capacity", "gte", 90), {"Big", "Spender"}),
    (cond("seating_capacity", "gt", 90), {"Big"}),
    (cond("seating_capacity", "lte", 90), {"Spender", "Small"}),
    (cond("seating_capacity", "lt", 90), {"Small"}),
    (cond("seating_capacity", "eq", 20), {"Small"}),
    (cond("seating_capacity", "ne", 20), {"Big", "Spender", "Fan", "Quiet"}),
    (cond("seating_capacity", "between", [80, 100]), {"Spender"}),
    (cond("seating_capacity", "is_empty"), {"Fan", "Quiet"}),
    (cond("seating_capacity", "is_not_empty"), {"Big", "Spender", "Small"}),
    (cond("orders_in_window", "gte", 3, days=30), {"Small"}),
    (cond("orders_in_window", "gte", 3, days=90), {"Big", "Small"}),
    (cond("spend_in_window", "gte", 2_000_00, days=90), {"Spender"}),
    (cond("average_order_value", "between", [40_00, 60_00]), {"Big"}),
    (cond("lifetime_spend", "lt", 100_00), {"Small", "Fan", "Quiet"}),
    (cond("lifetime_spend", "gt", 30_00), {"Big", "Spender"}),
    (cond("lifetime_spend", "lte", 30_00), {"Small", "Fan", "Quiet"}),
    (cond("lifetime_spend", "eq", 150_00), {"Big"}),
    (cond("lifetime_spend", "ne", 0), {"Big", "Spender", "Small"}),
    (cond("customer_type", "in", ["TOURIST", "DIASPORA_COMMUNITY"]), {"Fan", "Quiet"}),
    (cond("customer_type", "not_in", ["FULL_SERVICE_RESTAURANT"]), {"Fan", "Quiet"}),
    (cond("country", "eq", "CA"), {"Fan"}),
    (cond("country", "ne", "ca"), {"Big", "Spender", "Small", "Quiet"}),
    (cond("country", "in", ["CA", "TT"]), {"Fan"}),
    (cond("country", "not_in", ["CA"]), {"Big", "Spender", "Small", "Quiet"}),
    (cond("country", "is_empty"), {"Big", "Spender", "Small", "Quiet"}),
    (cond("country", "is_not_empty"), {"Fan"}),
    (cond("active_subscription", "is_true"), {"Fan"}),
    (cond("marketing_opt_out", "is_false"), {"Big", "Spender", "Small", "Quiet"}),
    (cond("last_order_at", "within_last", {"amount": 3, "unit": "days"}), {"Small"}),
    (cond("last_order_at", "more_than_ago", {"amount": 7, "unit": "days"}), {"Spender"}),
    (cond("last_order_at", "is_empty"), {"Fan", "Quiet"}),
    (cond("last_order_at", "is_not_empty"), {"Big", "Spender", "Small"}),
    (cond("created_at", "more_than_ago", {"amount": 24, "unit": "months"}), set()),
    (cond("created_at", "within_last", {"amount": 1, "unit": "months"}), "all"),
    (cond("created_at", "before", (NOW + timedelta(days=2)).date().isoformat()), "all"),
    (cond("created_at", "after", (NOW - timedelta(days=2)).date().isoformat()), "all"),
    (cond("created_at", "after", NOW.date().isoformat()), set()),
]


# sorted: a set's order changes between processes, and xdist's workers must agree on the ids
@pytest.mark.parametrize(
    ("condition", "expected"),
    OPERATOR_CASES,
    ids=lambda c: str(sorted(c) if isinstance(c, set) else c)[:60],
)
def test_each_operator(town, condition, expected):
    rule = validate(_draft(all_of(condition)))
    everyone = {"Big", "Spender", "Small", "Fan", "Quiet"}
    assert matching(rule) == (everyone if expected == "all" else expected)


def _draft(rule: dict) -> dict:
    return to_draft(rule)


def test_every_operator_of_every_kind_is_covered():

    covered = {(FIELDS[c["field"]].kind, c["operator"]) for c, _ in OPERATOR_CASES}
    kinds = {f.kind for f in FIELDS.values()}
    expected = {(k, op) for k in kinds for op in FIELDS_BY_KIND_OPERATORS(k)}
    assert expected - covered == set()


def FIELDS_BY_KIND_OPERATORS(kind):

    return OPERATORS[kind]


def test_nested_groups(town):
    rule = all_of(
        cond("seating_capacity", "gte", 80),
        any_of(
            cond("orders_in_window", "gte", 3, days=90),
            cond("spend_in_window", "gte", 2_000_00, days=90),
        ),
    )
    assert matching(rule) == {"Big", "Spender"}
    deeper = any_of(all_of(rule, cond("seating_capacity", "lt", 100)), cond("country", "eq", "CA"))
    assert matching(deeper) == {"Spender", "Fan"}


def _segment_of(customer_id: str) -> str:
    db.session.expire_all()
    return db.session.get(CustomerSegment, customer_id).segment_id


def test_priority_order_and_fallback(town, make_segment):
    busy = make_segment(
        "Busy restaurants",
        all_of(cond("orders_in_window", "gte", "3", days="90")),
        SegmentType.B2B,
    )
    large = make_segment(
        "Large restaurants", all_of(cond("seating_capacity", "gte", "80")), SegmentType.B2B
    )
    subscribers = make_segment("Subscribers", all_of(cond("active_subscription", "is_true")))
    recompute_all("system")
    assert _segment_of(town["big"].id) == busy.id  # matches both; busy comes first
    assert _segment_of(town["small"].id) == busy.id
    assert _segment_of(town["spender"].id) == large.id
    assert _segment_of(town["fan"].id) == subscribers.id
    quiet = db.session.get(CustomerSegment, town["quiet"].id)
    fallback = db.session.get(Segment, quiet.segment_id)
    assert fallback.is_fallback
    assert fallback.segment_type == SegmentType.B2C


def test_exactly_one_primary_segment_for_every_customer(town, make_segment):
    make_segment("Large", all_of(cond("seating_capacity", "gte", "80")), SegmentType.B2B)
    make_segment("Everyone B2C", all_of(cond("order_count", "gte", "0")))
    recompute_all("system")
    customers_count = db.session.scalar(select(func.count()).select_from(Customer))
    assigned = db.session.execute(
        select(func.count(), func.count(func.distinct(CustomerSegment.customer_id)))
    ).one()
    assert tuple(assigned) == (customers_count, customers_count)


def test_recompute_writes_history_and_one_event_per_move_and_nothing_when_unchanged(
    town, make_segment
):
    recompute_all("system")
    before = len(events("CustomerSegmentChanged"))
    large = make_segment("Large", all_of(cond("seating_capacity", "gte", "80")), SegmentType.B2B)
    run = recompute_all("system")
    assert run.changed == 2
    moved = events("CustomerSegmentChanged")[before:]
    assert sorted(e.aggregate_id for e in moved) == sorted([town["big"].id, town["spender"].id])
    assert moved[0].payload["newSegment"] == {"segmentType": "B2B", "specificSegment": "Large"}
    assert moved[0].payload["reasonCode"] == "RULE_MATCHED"
    entry = db.session.scalars(
        select(SegmentHistory).where(
            SegmentHistory.customer_id == town["big"].id, SegmentHistory.to_segment_id == large.id
        )
    ).one()
    assert entry.metrics == {"seating_capacity": 120}
    assert entry.rule_version_id == large.rule_version_id
    history_rows = db.session.scalar(select(func.count()).select_from(SegmentHistory))
    assert recompute_all("system").changed == 0
    assert db.session.scalar(select(func.count()).select_from(SegmentHistory)) == history_rows


def test_override_holds_until_it_expires(town, make_segment, staff):
    vip = make_segment("VIP", all_of(cond("customer_type", "in", ["EXPAT"])))
    recompute_all("system")
    quiet = town["quiet"].id
    override_segment(staff, quiet, vip.id, "Met at the trade fair", NOW + timedelta(days=30))
    assert _segment_of(quiet) == vip.id
    recompute_all("system")
    assert _segment_of(quiet) == vip.id
    overridden = events("CustomerSegmentOverriddenByAdmin")[-1].payload
    assert overridden["justification"] == "Met at the trade fair"
    assert overridden["newSegment"]["specificSegment"] == "VIP"
    evaluate(None, now=NOW + timedelta(days=31))
    db.session.commit()
    assert _segment_of(quiet) != vip.id
    last = db.session.scalars(
        select(SegmentHistory)
        .where(SegmentHistory.customer_id == quiet)
        .order_by(SegmentHistory.id.desc())
    ).first()
    assert last.reason_code == ReasonCode.OVERRIDE_EXPIRED
    assert last.justification == "Met at the trade fair"
    assert db.session.get(CustomerSegment, quiet).override_until is None


def test_an_override_is_a_segment_change_for_consumers_too(town, make_segment, staff):
    vip = make_segment("VIP", all_of(cond("customer_type", "in", ["EXPAT"])))
    recompute_all("system")
    quiet = town["quiet"].id
    override_segment(staff, quiet, vip.id, "Met at the trade fair", NOW + timedelta(days=30))
    [changed] = [e for e in events("CustomerSegmentChanged") if e.aggregate_id == quiet]
    overridden = events("CustomerSegmentOverriddenByAdmin")[-1]
    assert changed.payload == {
        "customerId": quiet,
        "previousSegment": {"segmentType": "B2C", "specificSegment": "B2C general"},
        "newSegment": {"segmentType": "B2C", "specificSegment": "VIP"},
        "reasonCode": "ADMIN_OVERRIDE",
    }
    assert (changed.actor, changed.occurred_at) == (staff.id, overridden.occurred_at)
    # Into the segment the customer is already in: no move, so no CustomerSegmentChanged.
    override_segment(staff, quiet, vip.id, "Still at the fair", NOW + timedelta(days=40))
    assert len([e for e in events("CustomerSegmentChanged") if e.aggregate_id == quiet]) == 1


def test_a_broken_stored_rule_matches_nobody_and_spares_the_others(town, make_segment):
    odd = make_segment("Odd", all_of(cond("status", "in", ["ACTIVE"])))
    everyone = make_segment("Everyone", all_of(cond("order_count", "gte", "0")))
    stored = all_of(cond("status", "in", ["NOT_A_VALUE"]))
    db.session.execute(update(Segment).where(Segment.id == odd.id).values(rule=stored))
    db.session.commit()
    recompute_all("system")
    assert _segment_of(town["quiet"].id) == everyone.id


def test_override_is_refused_without_justification_or_future_expiry(town, make_segment, staff):
    b2b = make_segment("Large", all_of(cond("seating_capacity", "gte", "80")), SegmentType.B2B)
    with pytest.raises(DomainError) as refused:
        override_segment(staff, town["quiet"].id, b2b.id, " ", NOW - timedelta(days=1))
    assert set(refused.value.errors) == {"segment_id", "justification", "until"}


def test_a_reorder_of_a_list_that_changed_meanwhile_is_a_conflict_and_moves_nothing(
    make_segment, staff
):
    first = make_segment("First", all_of(cond("seating_capacity", "gte", "80")))
    second = make_segment("Second", all_of(cond("seating_capacity", "gte", "20")))
    priorities = (first.priority, second.priority)
    with pytest.raises(Conflict):  # the error handler answers 409, not a 500 as before
        reorder_segments(staff, SegmentType.B2C, [second.id])
    assert (db.session.get(Segment, first.id).priority, second.priority) == priorities


def test_attribute_change_moves_the_customer_at_once(town, make_segment, staff):
    inactive = make_segment("Dormant", all_of(cond("status", "in", ["INACTIVE"])))
    customers.change_status(staff, town["quiet"].id, CustomerStatus.INACTIVE, reason="moved")
    assert _segment_of(town["quiet"].id) == inactive.id
