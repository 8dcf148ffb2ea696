"""Recency, frequency, age and spend per customer, set-based in SQL over `customer_order`.

A purchase is a day with orders (as in the BG/NBD paper, where same-day orders are one
transaction). Cancelled orders, orders dated after `now` and orders of zero or negative amount
are left out. Each customer is summarised in ONE currency, the one they order in most (then
spend most): amounts of different currencies are never added up; the others are counted.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import numpy as np
from sqlalchemy import Connection, Integer, String, and_, func, select, type_coerce
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from portal.insights.models import CustomerInsight
from portal.segmentation.models import CustomerOrder

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
RECENT_DAYS = 90  # spend trend: the last 90 days against the 90 before
PARTITION = 50_000  # rows read at a time


class epoch_day(FunctionElement):
    """Whole days since 1970-01-01 UTC of a timestamp."""

    type = Integer()
    inherit_cache = True


@compiles(epoch_day, "postgresql")
def _epoch_day_pg(element, compiler, **kw):
    # Date subtraction is integer arithmetic; extract(epoch) would divide numerics per row.
    moment = compiler.process(element.clauses, **kw)
    return f"(CAST(({moment} AT TIME ZONE 'UTC') AS DATE) - DATE '1970-01-01')"


@compiles(epoch_day, "sqlite")
def _epoch_day_sqlite(element, compiler, **kw):
    moment = compiler.process(element.clauses, **kw)
    return f"CAST(julianday({moment}) - 2440587.5 AS INTEGER)"


def day_of(moment: datetime) -> int:
    return (moment - EPOCH) // timedelta(days=1)


def moment_of(day: int) -> datetime:
    return EPOCH + timedelta(days=int(day))


@dataclass
class Summary:
    """One entry per customer with a counted order, as parallel arrays."""

    customer_id: np.ndarray
    currency: np.ndarray
    other_currencies: np.ndarray
    order_days: np.ndarray
    first_day: np.ndarray
    last_day: np.ndarray
    total_minor: np.ndarray
    first_minor: np.ndarray
    recent_minor: np.ndarray
    before_minor: np.ndarray
    previous_stage: np.ndarray
    previous_since: np.ndarray

    def __len__(self) -> int:
        return len(self.customer_id)

    @property
    def frequency(self) -> np.ndarray:
        return self.order_days - 1

    def recency(self) -> np.ndarray:
        return (self.last_day - self.first_day).astype(float)

    def age(self, today: int) -> np.ndarray:
        return (today - self.first_day).astype(float)

    def repeat_mean_minor(self) -> np.ndarray:
        """Mean spend of the repeat purchase days (Gamma-Gamma's input); NaN without any."""
        repeats = self.frequency
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(repeats > 0, (self.total_minor - self.first_minor) / repeats, np.nan)


# The types of the Summary's fields in order, as the query returns them.
_TYPES = (object, object, *[np.int64] * 4, *[float] * 4, object, object)


def summary_query(now: datetime, customer_ids=None):
    o = CustomerOrder
    day = epoch_day(o.placed_at)
    counted = and_(o.cancelled_at.is_(None), o.placed_at <= now, o.amount_minor > 0)
    if customer_ids is not None:
        counted = and_(counted, o.customer_id.in_(customer_ids))
    daily = (
        select(
            o.customer_id, o.currency, day.label("day"), func.sum(o.amount_minor).label("amount")
        )
        .where(counted)
        .group_by(o.customer_id, o.currency, day)
        .subquery("daily")
    )
    key = (daily.c.customer_id, daily.c.currency)
    marked = select(
        daily, func.min(daily.c.day).over(partition_by=key).label("first_day")
    ).subquery("marked")
    today = day_of(now)
    m = marked.c
    per = (
        select(
            m.customer_id,
            m.currency,
            func.count().label("order_days"),
            func.min(m.day).label("first_day"),
            func.max(m.day).label("last_day"),
            func.sum(m.amount).label("total"),
            func.sum(m.amount).filter(m.day == m.first_day).label("first_amount"),
            func.sum(m.amount).filter(m.day > today - RECENT_DAYS).label("recent"),
            func.sum(m.amount)
            .filter(m.day <= today - RECENT_DAYS, m.day > today - 2 * RECENT_DAYS)
            .label("before"),
        )
        .group_by(m.customer_id, m.currency)
        .subquery("per")
    )
    ranked = select(
        per,
        func.row_number()
        .over(
            partition_by=per.c.customer_id,
            order_by=(per.c.order_days.desc(), per.c.total.desc(), per.c.currency),
        )
        .label("rank"),
        func.count().over(partition_by=per.c.customer_id).label("currencies"),
    ).subquery("ranked")
    r = ranked.c
    i = CustomerInsight
    return (
        select(
            r.customer_id,
            r.currency,
            r.currencies - 1,
            r.order_days,
            r.first_day,
            r.last_day,
            r.total,
            r.first_amount,
            func.coalesce(r.recent, 0),
            func.coalesce(r.before, 0),
            func.coalesce(type_coerce(i.stage, String), ""),
            i.stage_since,
        )
        .outerjoin(i, i.customer_id == r.customer_id)
        .where(r.rank == 1)
        .order_by(r.customer_id)
    )


def summarise(connection: Connection, now: datetime, customer_ids=None) -> Summary:
    """The summary, read a partition at a time into arrays: a million customers cost no Python
    row each."""
    result = connection.execute(
        summary_query(now, customer_ids), execution_options={"yield_per": PARTITION}
    )
    parts = [
        [np.array(c, dtype=t) for c, t in zip(zip(*rows, strict=True), _TYPES, strict=True)]
        for rows in result.partitions()
    ]
    return Summary(
        *(
            np.concatenate([part[at] for part in parts] or [np.array([], dtype=t)])
            for at, t in enumerate(_TYPES)
        )
    )
