"""Insight use cases (CustomerInsightService): the nightly refresh that fits the models and
scores every customer.

The refresh summarises the order history in SQL, fits BG/NBD once and Gamma-Gamma per
currency, scores the customers in numpy chunks and replaces the score rows by COPY in one
transaction, with the product recommendations and business upsells (recommendations.py). A
fit that does not converge changes no score and no recommendation: the run is recorded as
failed, the admin page says so and the command exits non-zero.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import numpy as np
from sqlalchemy import delete

from portal.bulk import bulk_insert
from portal.domain import use_case
from portal.extensions import db
from portal.insights import clv, recommendations, rules
from portal.insights.models import CustomerInsight, InsightModelRun, LifecycleStageHistory
from portal.insights.summary import Summary, day_of, moment_of, summarise
from portal.models import utcnow

CHUNK = 100_000
STEPS = ("summarised", "fitted", "scored", "stored", "recommended")


def _noop(step: str) -> None:
    """No progress to show."""


@use_case
def refresh(
    now: datetime | None = None, progress: Callable[[str], None] = _noop
) -> InsightModelRun:
    """Fit and score everyone; the run says whether it converged."""
    now = now or utcnow()
    run = InsightModelRun(started_at=now, params={})
    db.session.add(run)
    db.session.flush()
    connection = db.session.connection()
    summary = summarise(connection, now)
    progress("summarised")
    today = day_of(now)
    try:
        fits = _fit(summary, today)
    except clv.NotConverged as error:
        run.message = f"Not converged, the previous scores stand: {error}"
        run.finished_at = utcnow()
        db.session.commit()
        return run
    run.params = {
        "bg_nbd": fits[0].params,
        "gamma_gamma": {c: f.params for c, f in fits[1].items()},
    }
    progress("fitted")
    rows, moves = [], []
    for start in range(0, len(summary), CHUNK):
        chunk = summary.take(slice(start, start + CHUNK))
        scored, moved = _score(chunk, today, now, run.id, *fits)
        rows += scored
        moves += moved
    progress("scored")
    db.session.execute(delete(CustomerInsight))
    bulk_insert(connection, CustomerInsight.__table__, rows)
    bulk_insert(connection, LifecycleStageHistory.__table__, moves)
    progress("stored")
    # After the scores: the upsell compares the average orders just stored.
    recommendations.store_recommendations(connection, now)
    recommendations.store_upsells(connection, now)
    run.converged = True
    run.customers_scored = len(rows)
    run.message = _fallback_note(summary, fits[1])
    run.finished_at = utcnow()
    db.session.commit()
    progress("recommended")
    return run


def _fit(summary: Summary, today: int) -> tuple[clv.Fitted, dict[str, clv.Fitted]]:
    orders = clv.fit_bg_nbd(summary.frequency, summary.recency(), summary.age(today))
    spend = {}
    mean = summary.repeat_mean_minor() / 100
    for currency in sorted(set(summary.currency)):
        mine = summary.currency == currency
        repeaters = int(np.count_nonzero(summary.frequency[mine] > 0))
        if repeaters >= clv.MIN_REPEAT_CUSTOMERS:
            spend[currency] = clv.fit_gamma_gamma(summary.frequency[mine], mean[mine])
    return orders, spend


def _fallback_note(summary: Summary, spend: dict[str, clv.Fitted]) -> str:
    few = sorted(set(summary.currency) - set(spend))
    if not few:
        return ""
    return (
        "Too few repeat customers to fit spend in "
        + ", ".join(few)
        + ": their expected spend is their own average order."
    )


def _score(
    chunk: Summary,
    today: int,
    now: datetime,
    run_id: int,
    orders: clv.Fitted,
    spend: dict[str, clv.Fitted],
) -> tuple[list[dict], list[dict]]:
    frequency, recency, age = chunk.frequency, chunk.recency(), chunk.age(today)
    average = chunk.total_minor / chunk.order_days
    expected_spend = average.copy()  # a currency without a spend model: their own average
    mean = chunk.repeat_mean_minor() / 100
    for currency, fitted in spend.items():
        mine = chunk.currency == currency
        if mine.any():
            expected_spend[mine] = 100 * clv.expected_spend(fitted, frequency[mine], mean[mine])
    alive = clv.probability_alive(orders, frequency, recency, age)
    next_90 = clv.expected_orders(orders, frequency, recency, age, 90)
    value = clv.lifetime_value(
        orders,
        frequency,
        recency,
        age,
        expected_spend,
        months=rules.HORIZON_MONTHS,
        monthly_discount=rules.MONTHLY_DISCOUNT,
    )
    risk = 1 - alive
    since_last = today - chunk.last_day
    with np.errstate(divide="ignore", invalid="ignore"):
        cadence = np.where(frequency > 0, recency / frequency, np.nan)
    stage = rules.lifecycle_stage(
        age_days=age,
        order_days=chunk.order_days,
        days_since_last=since_last,
        risk=risk,
        spend_recent=chunk.recent_minor,
        spend_before=chunk.before_minor,
        previous=chunk.previous_stage,
    )
    moved = stage != chunk.previous_stage
    bands = rules.churn_band(risk)
    words = rules.explanations(chunk.order_days, cadence, since_last)
    rows = [
        {
            "customer_id": chunk.customer_id[i],
            "currency": chunk.currency[i],
            "other_currencies": int(chunk.other_currencies[i]),
            "order_days": int(chunk.order_days[i]),
            "first_order_at": moment_of(chunk.first_day[i]),
            "last_order_at": moment_of(chunk.last_day[i]),
            "cadence_days": None if np.isnan(cadence[i]) else float(cadence[i]),
            "average_order_minor": round(average[i]),
            "expected_spend_minor": round(expected_spend[i]),
            "clv_minor": round(value[i]),
            "expected_orders_90d": float(next_90[i]),
            "p_alive": float(alive[i]),
            "churn_band": bands[i],
            "explanation": words[i],
            "stage": stage[i],
            "stage_since": now if moved[i] else chunk.previous_since[i],
            "model_run_id": run_id,
            "scored_at": now,
        }
        for i in range(len(chunk))
    ]
    moves = [
        {
            "customer_id": chunk.customer_id[i],
            "from_stage": chunk.previous_stage[i] or None,
            "to_stage": stage[i],
            "at": now,
            "model_run_id": run_id,
        }
        for i in np.flatnonzero(moved)
    ]
    return rows, moves
