"""A merge of two customers (the duplicates area's) moves the secondary's points to the
survivor through the customers' merge hook; its undo gives each customer their own again."""

from __future__ import annotations

from datetime import timedelta

from portal.customers.models import Customer
from portal.duplicates import services as duplicates
from portal.duplicates.values import MergeRequest
from portal.extensions import db
from portal.loyalty import jobs, queries, services
from portal.loyalty.values import LoyaltyTier
from portal.models import utcnow
from tests.unit.loyalty.ledger import assert_summary_is_ledger, place


def merge(staff, primary: str, secondary: str):
    versions = {c: db.session.get(Customer, c).version_id for c in (primary, secondary)}
    return duplicates.merge(
        staff, MergeRequest(primary, secondary, versions[primary], versions[secondary])
    )


def test_a_merge_moves_the_points_and_the_undo_gives_them_back(make_customer, staff):
    primary, secondary = make_customer(), make_customer()
    place(primary, 10_00, days_ago=40)
    place(secondary, 30_00, days_ago=40)
    place(secondary, 20_00)  # pending
    services.grant_ambassador(staff, secondary, "Food blogger")
    jobs.expire_points()  # the daily run releases what is past its return window
    record = merge(staff, primary, secondary)
    survivor = assert_summary_is_ledger(primary)
    assert (survivor.balance, survivor.pending) == (40, 20)
    assert survivor.tier is LoyaltyTier.AMBASSADOR
    # every batch keeps its own expiry: the primary's 10, the 30 moved, the pending 20 later
    schedule = queries.expiring_points(primary, utcnow() + timedelta(days=800))
    assert [points for _, points in schedule] == [10, 30, 20]
    duplicates.unmerge(staff, record.id, record.version)
    assert assert_summary_is_ledger(primary).balance == 10
    returned = assert_summary_is_ledger(secondary)
    assert (returned.balance, returned.pending, returned.tier) == (30, 20, LoyaltyTier.AMBASSADOR)


def test_a_customer_never_enrolled_merges_without_an_account(make_customer, staff):
    primary, secondary = make_customer(), make_customer()
    merge(staff, primary, secondary)
    assert assert_summary_is_ledger(primary) is None
