"""The editor preview's one aggregate: matches, moves in and out against today's assignments,
with earlier segments, overrides in force and customers not assigned yet."""

from __future__ import annotations

from datetime import timedelta

from portal.customers import services as customers
from portal.customers.values import ContactInfo
from portal.extensions import db
from portal.models import utcnow
from portal.segmentation.models import CustomerSegment, Segment, SegmentType
from portal.segmentation.queries import preview
from portal.segmentation.rules import validate
from portal.segmentation.services import override_segment, recompute_all
from tests.factories import address, new_customer
from tests.unit.segmentation.conftest import all_of, cond


def test_moves_in_and_out_count_only_free_customers_no_earlier_segment_claims(staff, make_segment):
    def person(name, *, canadian=False, opted_out=False):
        data = new_customer(
            name=name,
            contact=ContactInfo(email=f"{name}@example.org"),
            marketing_opt_out=opted_out,
        )
        customer = customers.register_customer(staff, data)
        if canadian:
            customers.add_address(
                staff, customer.id, address(country="ca", state="on", postal_code="K1A 0B1")
            )
        return customer

    make_segment("Opted out", all_of(cond("marketing_opt_out", "is_true")))
    target = make_segment("Everyone", all_of(cond("customer_type", "in", ["DIASPORA_COMMUNITY"])))
    person("bob")
    person("cy", canadian=True)
    dee, eve = person("dee", canadian=True), person("eve", canadian=True)
    person("fay", canadian=True, opted_out=True)
    recompute_all(staff.id)
    general = db.session.query(Segment).filter_by(name="B2C general").one()
    override_segment(staff, dee.id, general.id, "Asked to pause", utcnow() + timedelta(days=9))
    db.session.delete(db.session.get(CustomerSegment, eve.id))  # not assigned yet
    db.session.commit()

    draft = Segment(
        id=target.id,
        segment_type=SegmentType.B2C,
        priority=target.priority,
        is_fallback=False,
        rule=validate(all_of(cond("country", "eq", "CA"))),
    )
    result = preview(draft, staff.id)
    # cy, dee, eve and fay match; eve moves in (fay goes to "Opted out" first, dee is held
    # by her override, cy is there already); bob no longer matches and moves out.
    assert (result.matching, result.moving_in, result.moving_out) == (4, 1, 1)
    assert sorted(row.name for row in result.sample) == ["cy", "dee", "eve", "fay"]
