from portal.loyalty import jobs, services
from portal.models import utcnow
from tests.unit.loyalty.ledger import assert_summary_is_ledger, cancel, place


def test_quick(make_customer, staff):
    c = make_customer()
    o = place(c, 10_000, 0)
    assert_summary_is_ledger(c)
    o2 = place(c, 5_000, 40)
    assert_summary_is_ledger(c)
    services.redeem(staff, c, 10, "Voucher")
    assert_summary_is_ledger(c)
    services.adjust(staff, c, -5, "Goodwill")
    assert_summary_is_ledger(c)
    cancel(c, o2)
    assert_summary_is_ledger(c)
    cancel(c, o)
    assert_summary_is_ledger(c)
    place(c, 5_000, 420)
    place(c, 5_000, 800)
    jobs.expire_points(utcnow())
    assert_summary_is_ledger(c)
