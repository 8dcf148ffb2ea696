"""FIFO as a property: a debit takes from the batches it may use, oldest expiry first, and never
from pending, expired or empty batches; it takes all it can up to what it was asked."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from portal.loyalty import rules

NOW = datetime(2026, 6, 1, tzinfo=UTC)
BATCH = st.builds(
    lambda i, remaining, days, pending: rules.Batch(
        i, remaining, None if days is None else NOW + timedelta(days=days), pending
    ),
    st.integers(1, 10_000),
    st.integers(0, 500),
    st.none() | st.integers(-30, 400),
    st.booleans(),
)


@given(batches=st.lists(BATCH, max_size=12, unique_by=lambda b: b.id), points=st.integers(0, 3_000))
def test_debits_consume_the_oldest_expiry_first(batches, points):
    usable = rules.spendable(batches, NOW)
    taken = dict(rules.consume(usable, points))
    by_id = {b.id: b for b in batches}
    for batch_id, take in taken.items():
        batch = by_id[batch_id]
        assert 0 < take <= batch.remaining or (take == 0 and batch.remaining == 0)
        assert not batch.pending
        assert batch.expires_at is None or batch.expires_at > NOW
    assert sum(taken.values()) == min(points, sum(b.remaining for b in usable))
    # a batch is touched only when every batch expiring earlier is used up
    order = [b.id for b in usable]
    for later, batch_id in enumerate(order):
        if taken.get(batch_id):
            for earlier in order[:later]:
                assert taken.get(earlier, 0) == by_id[earlier].remaining
    expiries = [(b.expires_at is None, b.expires_at or NOW) for b in usable]
    assert expiries == sorted(expiries)
