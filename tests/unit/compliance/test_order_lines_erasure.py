"""Erasure treats order lines as it treats their orders (kept for the books while the order
is, deleted after), and deletes the recommendations and upsell made from them; a merge moves
the lines with the orders."""

from __future__ import annotations

from sqlalchemy import func, select

from portal.compliance.erasure import erase
from portal.compliance.values import DataCategory
from portal.duplicates.relocation import move
from portal.extensions import db
from portal.insights.models import CustomerRecommendation, CustomerUpsell
from portal.models import utcnow
from portal.segmentation.models import CustomerOrder, CustomerOrderLine
from tests.insights_world import bought, customer

JERK = ("prod-jerk-seasoning", "seasonings")
SAUCE = ("prod-scotch-bonnet-sauce", "hot sauces")


def lines_of(customer_id: str) -> int:
    line = CustomerOrderLine
    return db.session.scalar(select(func.count()).where(line.customer_id == customer_id))


def test_lines_are_kept_with_their_order_and_the_recommendations_go(staff):
    person = customer(staff, "Erased Person")
    recent = bought(person, JERK, SAUCE, days_ago=30)
    old = bought(person, JERK, days_ago=11 * 365)
    now = utcnow()
    db.session.add_all(
        [
            CustomerRecommendation(
                customer_id=person,
                rank=1,
                product_id="prod-ackee",
                category="produce",
                because_product_id="prod-jerk-seasoning",
                segment_name="Loyal diaspora",
                share=0.4,
                lift=2.0,
                computed_at=now,
            ),
            CustomerUpsell(
                customer_id=person,
                customer_type="FULL_SERVICE_RESTAURANT",
                company_size="SMALL",
                currency="USD",
                average_order_minor=1000,
                peer_median_minor=2000,
                peers=9,
                computed_at=now,
            ),
        ]
    )
    db.session.commit()

    receipt = erase(person, list(DataCategory), now)
    db.session.commit()

    line = CustomerOrderLine
    kept = db.session.scalars(select(line.order_id).where(line.customer_id == person)).all()
    assert set(kept) == {recent}  # the 11-year-old order's line went with its order
    assert db.session.get(CustomerOrder, old) is None
    retained = [r for r in receipt if r["table"] == "customer_order_line"]
    assert (retained[0]["action"], retained[0]["rows"]) == ("retained", 2)
    assert retained[0]["basis"]
    assert db.session.get(CustomerRecommendation, (person, 1)) is None
    assert db.session.get(CustomerUpsell, person) is None


def test_a_merge_moves_the_lines_with_the_orders(staff):
    survivor = customer(staff, "Survivor")
    duplicate = customer(staff, "Duplicate")
    order = bought(duplicate, JERK, SAUCE)
    move(duplicate, survivor)
    db.session.commit()
    assert lines_of(duplicate) == 0
    assert lines_of(survivor) == 2
    assert db.session.get(CustomerOrder, order).customer_id == survivor
