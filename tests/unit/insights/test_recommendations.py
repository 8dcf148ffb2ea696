"""The refresh's recommendations (co-occurrence within the segment, without what the customer
buys or their diet rules out) and the business upsell against peers, as stored."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from portal.customers.models import CustomerPreference
from portal.customers.services import register_customer
from portal.customers.values import CustomerType
from portal.extensions import db
from portal.insights import baskets, queries, recommendations
from portal.insights.models import CustomerRecommendation
from portal.models import utcnow
from portal.segmentation.models import CustomerSegment, Segment
from tests.factories import new_customer
from tests.insights_world import bought, customer, good_run, scores

JERK = ("prod-jerk-seasoning", "seasonings")
SAUCE = ("prod-scotch-bonnet-sauce", "hot sauces")
SALTFISH = ("prod-saltfish", "seafood")
ACKEE = ("prod-ackee", "produce")


def stored(customer_id: str) -> list[tuple]:
    return [(r.product_id, r.because_product_id) for r in queries.recommendations(customer_id)]


@pytest.mark.parametrize("streamed", [False, True], ids=["whole", "row by row"])
def test_recommendations_by_lift_without_what_is_bought_or_ruled_out(staff, monkeypatch, streamed):
    if streamed:  # every read a row at a time, every chunk of suggestions one customer
        monkeypatch.setattr(recommendations, "PARTITION", 1)
        monkeypatch.setattr(baskets, "CHUNK_CELLS", 1)
    regulars = [customer(staff, f"Regular {n}") for n in range(4)]
    for regular in regulars:
        bought(regular, JERK, SAUCE, SALTFISH)
    newcomer = customer(staff, "Newcomer")
    bought(newcomer, JERK)
    vegetarian = customer(staff, "Vegetarian")
    bought(vegetarian, JERK)
    db.session.add(
        CustomerPreference(
            customer_id=vegetarian,
            channels=[],
            product_interests=[],
            dietary_preferences=["Vegetarian"],
            special_dates=[],
        )
    )
    others = [customer(staff, f"Other {n}") for n in range(2)]
    for other in others:
        bought(other, ACKEE)
    db.session.commit()

    recommended = recommendations.store_recommendations(
        db.session.connection(), utcnow(), min_pairs=2
    )
    db.session.commit()

    assert recommended == 2  # the newcomer and the vegetarian
    # Jerk: 6 of the 8 buyers; with it, the sauce 4 of 6 (share 0.67) against 4 of 8 overall.
    # Saltfish the same: a tie of lift and share, so either comes first.
    assert sorted(stored(newcomer)) == [
        ("prod-saltfish", "prod-jerk-seasoning"),
        ("prod-scotch-bonnet-sauce", "prod-jerk-seasoning"),
    ]
    first = queries.recommendations(newcomer)[0]
    assert round(first.share, 2) == 0.67
    assert round(first.lift, 2) == 1.33
    placed = db.session.get(CustomerSegment, newcomer)
    assert first.segment_name == db.session.get(Segment, placed.segment_id).name
    assert stored(vegetarian) == [("prod-scotch-bonnet-sauce", "prod-jerk-seasoning")]
    assert stored(regulars[0]) == []  # bought all that goes with what they buy
    assert stored(others[0]) == []  # ackee goes with nothing


def test_a_second_run_replaces_the_recommendations(staff):
    buyers = [customer(staff, f"Buyer {n}") for n in range(3)]
    for buyer in buyers:
        bought(buyer, JERK, SAUCE)
    lone = customer(staff, "Lone")
    bought(lone, JERK)
    bought(customer(staff, "Elsewhere"), ACKEE)
    connection = db.session.connection()
    recommendations.store_recommendations(connection, utcnow(), min_pairs=2)
    recommendations.store_recommendations(connection, utcnow(), min_pairs=2)
    db.session.commit()
    rows = db.session.scalars(select(CustomerRecommendation)).all()
    assert [(r.customer_id, r.rank, r.product_id) for r in rows] == [
        (lone, 1, "prod-scotch-bonnet-sauce")
    ]


def test_favourite_categories_count_orders_with_them(staff):
    someone = customer(staff, "Someone")
    bought(someone, JERK, SAUCE)
    bought(someone, SAUCE)
    bought(someone, ACKEE, ("prod-callaloo", "produce"))
    found = [(f.category, f.orders, f.quantity) for f in queries.favourite_categories(someone)]
    assert found == [("hot sauces", 2, 2), ("produce", 1, 2), ("seasonings", 1, 1)]


def test_business_customers_are_compared_with_peers_of_their_type_and_size(staff):
    run = good_run()
    restaurants = [
        register_customer(
            staff, new_customer(CustomerType.FULL_SERVICE_RESTAURANT, name=f"Restaurant {n}")
        ).id
        for n in range(6)
    ]
    for n, restaurant in enumerate(restaurants):
        scores(restaurant, run_id=run.id, average_order_minor=10_000 * (n + 1))
    consumer = customer(staff, "A Consumer")
    scores(consumer, run_id=run.id)

    assert recommendations.store_upsells(db.session.connection(), utcnow(), min_peers=5) == 6
    db.session.commit()

    smallest = queries.upsell(restaurants[0])
    assert (smallest.average_order_minor, smallest.peer_median_minor, smallest.peers) == (
        10_000,
        35_000,
        5,
    )
    assert smallest.customer_type == "FULL_SERVICE_RESTAURANT"
    assert queries.upsell(consumer) is None
    assert recommendations.store_upsells(db.session.connection(), utcnow(), min_peers=6) == 0
