"""What the insight pages show: where the scores stand, a customer's panel, the at-risk list,
the model runs."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import NamedTuple

from sqlalchemy import func, select

from portal.customers.models import Customer
from portal.customers.queries.directory import COUNT_CAP, Page
from portal.extensions import db
from portal.insights.models import (
    COUNTS,
    CustomerInsight,
    CustomerRecommendation,
    CustomerUpsell,
    InsightModelRun,
    LifecycleStageHistory,
)
from portal.insights.values import ChurnBand, LifecycleStage
from portal.segmentation.models import CustomerOrder, CustomerOrderLine

PER_PAGE = 50
SPARK_MONTHS = 12


class Panel(NamedTuple):
    customer: Customer
    scores: CustomerInsight | None
    newest_run_id: int | None  # the newest converged run: newer than the scores' if one failed


def panel(customer_id: str) -> Panel | None:
    """The customer, their scores and the newest good model version in one statement (primary
    keys both): the panel pays a round trip per statement, and the audit commit besides."""
    newest = (
        select(func.max(InsightModelRun.id))
        .where(InsightModelRun.converged.is_(True))
        .scalar_subquery()
    )
    row = db.session.execute(
        select(Customer, CustomerInsight, newest)
        .outerjoin(CustomerInsight, CustomerInsight.customer_id == Customer.id)
        .where(Customer.id == customer_id)
    ).first()
    return Panel(*row) if row else None


def recommendations(customer_id: str) -> list[CustomerRecommendation]:
    """The stored suggestions, best first (the primary key's range)."""
    r = CustomerRecommendation
    return list(db.session.scalars(select(r).where(r.customer_id == customer_id).order_by(r.rank)))


def upsell(customer_id: str) -> CustomerUpsell | None:
    return db.session.get(CustomerUpsell, customer_id)


def favourite_categories(customer_id: str, limit: int = 3) -> list:
    """The categories the customer orders most often (orders with a line of it), with the
    quantity bought: one range of the (customer_id, product_id) index."""
    line = CustomerOrderLine
    orders = func.count(func.distinct(line.order_id))
    return db.session.execute(
        select(line.category, orders.label("orders"), func.sum(line.quantity).label("quantity"))
        .where(line.customer_id == customer_id)
        .group_by(line.category)
        .order_by(orders.desc(), line.category)
        .limit(limit)
    ).all()


def stage_history(customer_id: str, limit: int = 12) -> list[LifecycleStageHistory]:
    h = LifecycleStageHistory
    return list(
        db.session.scalars(
            select(h).where(h.customer_id == customer_id).order_by(h.at.desc()).limit(limit)
        )
    )


def monthly_spend(customer_id: str, currency: str, now: datetime) -> list[int]:
    """Spend per month over the last 12 months (oldest first) in one currency: the sparkline.
    One range over the (customer_id, placed_at) index; months are bucketed here, the same way
    on every database."""
    o = CustomerOrder
    start = _months_back(now, SPARK_MONTHS - 1)
    rows = db.session.execute(
        select(o.placed_at, o.amount_minor).where(
            o.customer_id == customer_id,
            o.currency == currency,
            o.cancelled_at.is_(None),
            o.placed_at >= start,
            o.placed_at <= now,
            o.amount_minor > 0,
        )
    )
    months = [0] * SPARK_MONTHS
    for placed_at, amount in rows:
        index = (placed_at.year - start.year) * 12 + placed_at.month - start.month
        months[index] += amount
    return months


def _months_back(now: datetime, months: int) -> datetime:
    first = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    year, month = divmod(first.year * 12 + first.month - 1 - months, 12)
    return first.replace(year=year, month=month + 1)


def at_risk_query():
    i = CustomerInsight
    return (
        select(
            i.customer_id,
            Customer.name,
            i.currency,
            i.clv_minor,
            i.p_alive,
            i.churn_band,
            i.explanation,
            i.stage,
            i.last_order_at,
        )
        .join(Customer, Customer.id == i.customer_id)
        .where(i.churn_band == ChurnBand.HIGH)
        .order_by(i.clv_minor.desc(), i.customer_id)
    )


def at_risk(page: int) -> Page:
    """High churn risk, the most valuable first (the band-and-value index, read backwards)."""
    high = select(CustomerInsight.customer_id).where(CustomerInsight.churn_band == ChurnBand.HIGH)
    # Counted up to the cap, as the directory does: past it the pager says "more".
    total = db.session.scalar(
        select(func.count()).select_from(high.limit(COUNT_CAP + 1).subquery())
    )
    rows = db.session.execute(at_risk_query().limit(PER_PAGE).offset((page - 1) * PER_PAGE)).all()
    return Page(rows, page, PER_PAGE, total or 0)


def at_risk_export(batch: int = 1_000) -> Iterator:
    """Every at-risk row, `batch` at a time from a server cursor on a connection of its own,
    so the response can stream them after the request's context is gone."""
    query = at_risk_query().execution_options(yield_per=batch)
    engine = db.engine

    def rows() -> Iterator:
        with engine.connect() as connection:
            yield from connection.execute(query)

    return rows()


def model_runs(limit: int = 20) -> list[InsightModelRun]:
    r = InsightModelRun
    return list(db.session.scalars(select(r).order_by(r.id.desc()).limit(limit)))


def last_good_run() -> InsightModelRun | None:
    r = InsightModelRun
    return db.session.scalar(select(r).where(r.converged.is_(True)).order_by(r.id.desc()).limit(1))


class Standing(NamedTuple):
    """The index page: the last refresh, the run whose scores are in force (the last one
    that converged) and how many customers it put in each band and stage (None for a run made
    before refreshes counted them)."""

    last: InsightModelRun | None
    good: InsightModelRun | None
    bands: list[tuple[ChurnBand, int]] | None
    stages: list[tuple[LifecycleStage, int]] | None


def standing() -> Standing:
    """Two reads of the runs by primary key: the counts are the refresh's, not a scan of the
    scores."""
    last = next(iter(model_runs(limit=1)), None)
    good = last if last is not None and last.converged else last_good_run()
    counts = good.params.get(COUNTS) if good else None
    if counts is None:
        return Standing(last, good, None, None)
    bands, stages = counts["churn_band"], counts["stage"]
    return Standing(
        last,
        good,
        [(band, bands.get(band.value, 0)) for band in ChurnBand],
        [(stage, stages.get(stage.value, 0)) for stage in LifecycleStage],
    )
