"""Insight use cases (CustomerInsightService): the nightly refresh that fits the models and
scores every customer.

The refresh summarises the order history in SQL, fits BG/NBD once and Gamma-Gamma per
currency (on a sample of a large population: clv.FIT_SAMPLE), scores everyone at once with the
models' closed-form expectations as numpy expressions, and replaces the score rows by COPY in
one transaction, with the product recommendations and business upsells (recommendations.py).
A fit that does not converge changes no score and no recommendation: the run is recorded as
failed, the admin page says so and the command exits non-zero.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import numpy as np
from sqlalchemy import Connection, delete

from portal.bulk import bulk_insert_columns
from portal.domain import use_case
from portal.extensions import db
from portal.insights import clv, recommendations, rules
from portal.insights.models import (
    COUNTS,
    CustomerInsight,
    InsightModelRun,
    LifecycleStageHistory,
)
from portal.insights.summary import Summary, day_of, moment_of, summarise
from portal.models import utcnow

# The progress marks, each when its step ends.
STEPS = (
    "summarised",
    "fitted orders",  # BG/NBD
    "fitted spend",  # Gamma-Gamma per currency
    "scored",  # with each customer's lifecycle stage
    "stored",  # the scores and the stage moves
    "baskets",  # everyone's products read
    "recommended",
    "upsell",
)


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
        orders = clv.fit_bg_nbd(summary.frequency, summary.recency(), summary.age(today))
        progress("fitted orders")
        spend = _fit_spend(summary)
        run.params = {
            "bg_nbd": orders.params,
            "gamma_gamma": {c: f.params for c, f in spend.items()},
        }
        progress("fitted spend")
        scores = _score(summary, today, orders, spend)
    except clv.NotConverged as error:
        run.message = f"Not converged, the previous scores stand: {error}"
        run.finished_at = utcnow()
        db.session.commit()
        return run
    # Counted once here: the insights page shows the spread without reading every score.
    run.params = run.params | {
        COUNTS: {"churn_band": rules.tally(scores.band), "stage": rules.tally(scores.stage)}
    }
    progress("scored")
    _store(connection, summary, scores, run.id, now)
    progress("stored")
    recommendations.store_recommendations(connection, now, progress=progress)
    progress("recommended")
    # After the scores: the upsell compares the average orders just stored.
    recommendations.store_upsells(connection, now)
    run.converged = True
    run.customers_scored = len(summary)
    run.message = _fallback_note(summary, spend)
    run.finished_at = utcnow()
    db.session.commit()
    progress("upsell")
    return run


def _fit_spend(summary: Summary) -> dict[str, clv.Fitted]:
    spend = {}
    mean = summary.repeat_mean_minor() / 100
    for currency in sorted(set(summary.currency)):
        mine = summary.currency == currency
        repeaters = int(np.count_nonzero(summary.frequency[mine] > 0))
        if repeaters >= clv.MIN_REPEAT_CUSTOMERS:
            spend[currency] = clv.fit_gamma_gamma(summary.frequency[mine], mean[mine])
    return spend


def _fallback_note(summary: Summary, spend: dict[str, clv.Fitted]) -> str:
    few = sorted(set(summary.currency) - set(spend))
    if not few:
        return ""
    return (
        "Too few repeat customers to fit spend in "
        + ", ".join(few)
        + ": their expected spend is their own average order."
    )


@dataclass
class Scores:
    """Everyone's scores, as parallel arrays in the summary's order."""

    average: np.ndarray
    expected_spend: np.ndarray
    value: np.ndarray
    next_90: np.ndarray
    alive: np.ndarray
    cadence: np.ndarray
    band: np.ndarray
    explanation: list[str]
    stage: np.ndarray


def _score(
    summary: Summary, today: int, orders: clv.Fitted, spend: dict[str, clv.Fitted]
) -> Scores:
    """Everyone at once: the closed-form predictions are numpy expressions over arrays."""
    frequency, recency, age = summary.frequency, summary.recency(), summary.age(today)
    average = summary.total_minor / summary.order_days
    expected_spend = average.copy()  # a currency without a spend model: their own average
    mean = summary.repeat_mean_minor() / 100
    for currency, fitted in spend.items():
        mine = summary.currency == currency
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
    bad = ~(np.isfinite(alive) & np.isfinite(next_90) & np.isfinite(value))
    if bad.any():
        raise clv.NotConverged(
            f"BG/NBD {orders.params}: no finite prediction for {np.count_nonzero(bad)} customers"
        )
    risk = 1 - alive
    since_last = today - summary.last_day
    with np.errstate(divide="ignore", invalid="ignore"):
        cadence = np.where(frequency > 0, recency / frequency, np.nan)
    stage = rules.lifecycle_stage(
        age_days=age,
        order_days=summary.order_days,
        days_since_last=since_last,
        risk=risk,
        spend_recent=summary.recent_minor,
        spend_before=summary.before_minor,
        previous=summary.previous_stage,
    )
    return Scores(
        average=average,
        expected_spend=expected_spend,
        value=value,
        next_90=next_90,
        alive=alive,
        cadence=cadence,
        band=rules.churn_band(risk),
        explanation=rules.explanations(summary.order_days, cadence, since_last),
        stage=stage,
    )


def _store(
    connection: Connection, summary: Summary, scores: Scores, run_id: int, now: datetime
) -> None:
    """Replace every score row and add the stage moves, column by column (COPY on PostgreSQL),
    from arrays. In the refresh's transaction: the pages read the previous scores until it
    commits."""
    count = len(summary)
    moved = scores.stage != summary.previous_stage
    connection.execute(delete(CustomerInsight))
    bulk_insert_columns(
        connection,
        CustomerInsight.__table__,
        {
            "customer_id": summary.customer_id,
            "currency": summary.currency,
            "other_currencies": summary.other_currencies,
            "order_days": summary.order_days,
            "first_order_at": _moments(summary.first_day),
            "last_order_at": _moments(summary.last_day),
            "cadence_days": np.where(np.isnan(scores.cadence), None, scores.cadence),
            "average_order_minor": _whole(scores.average),
            "expected_spend_minor": _whole(scores.expected_spend),
            "clv_minor": _whole(scores.value),
            "expected_orders_90d": scores.next_90,
            "p_alive": scores.alive,
            "churn_band": scores.band,
            "explanation": scores.explanation,
            "stage": scores.stage,
            "stage_since": np.where(moved, now, summary.previous_since),
            "model_run_id": np.full(count, run_id),
            "scored_at": np.full(count, now, dtype=object),
        },
    )
    movers = np.flatnonzero(moved)
    previous = summary.previous_stage[movers]
    bulk_insert_columns(
        connection,
        LifecycleStageHistory.__table__,
        {
            "customer_id": summary.customer_id[movers],
            "from_stage": np.where(previous == "", None, previous),
            "to_stage": scores.stage[movers],
            "at": np.full(len(movers), now, dtype=object),
            "model_run_id": np.full(len(movers), run_id),
        },
    )


def _moments(days: np.ndarray) -> np.ndarray:
    """The UTC midnights of the days, each made once."""
    unique, at = np.unique(days, return_inverse=True)
    return np.array([moment_of(day) for day in unique.tolist()], dtype=object)[at]


def _whole(amounts: np.ndarray) -> np.ndarray:
    return np.rint(amounts).astype(np.int64)
