"""Pure rules of the insights: churn bands, the plain explanation, lifecycle stages, the
discount. Arrays in, arrays out (a refresh applies them to a chunk of customers at once)."""

from __future__ import annotations

import numpy as np

from portal.insights.values import ChurnBand, LifecycleStage

HORIZON_MONTHS = 12
ANNUAL_DISCOUNT = 0.10  # the finance team's cost of capital
MONTHLY_DISCOUNT = (1 + ANNUAL_DISCOUNT) ** (1 / 12) - 1
# Churn risk (1 - P(alive)) at or above these is medium, high.
MEDIUM_RISK, HIGH_RISK = 0.3, 0.6
NEW_DAYS = 90  # first order this recent: a new customer
LAPSED_RISK = 0.85  # the model is nearly sure they have gone
ONE_ORDER_LAPSED_DAYS = 365  # one order and nothing for a year: the model cannot say, we can
GROWTH = 1.25  # spend in the last 90 days this much above the 90 days before: growing

S = LifecycleStage
_BANDS = np.array([ChurnBand.LOW.value, ChurnBand.MEDIUM.value, ChurnBand.HIGH.value])


def churn_band(risk: np.ndarray) -> np.ndarray:
    return _BANDS[np.digitize(risk, [MEDIUM_RISK, HIGH_RISK])]


def tally(values: np.ndarray) -> dict[str, int]:
    """How many customers have each value (a band, a stage)."""
    found, counts = np.unique(values, return_counts=True)
    return {str(v): int(n) for v, n in zip(found.tolist(), counts.tolist(), strict=True)}


def explanation(order_days: int, cadence_days: float | None, days_since_last: int) -> str:
    """What the customer's own history says, in words."""
    usually = -1 if order_days < 2 or cadence_days is None else round(cadence_days)
    return _usually(usually) + _last(days_since_last)


def _usually(cadence_days: int) -> str:
    if cadence_days < 0:
        return "One order so far; "
    return f"Usually orders every {_days(cadence_days)}; "


def _last(days_since_last: int) -> str:
    if days_since_last == 0:
        return "last order today"
    return f"last order {_days(days_since_last)} ago"


def _days(n: int) -> str:
    return "1 day" if n == 1 else f"{n} days"


def explanations(order_days, cadence, since_last) -> list[str]:
    """`explanation` of each customer; each cadence and each gap is worded once (a million
    customers have a few thousand of each)."""
    known = (np.asarray(order_days) >= 2) & ~np.isnan(cadence)
    usually = np.where(known, np.rint(np.where(known, cadence, 0)), -1).astype(np.int64).tolist()
    since = np.asarray(since_last, dtype=np.int64).tolist()
    heads = {n: _usually(n) for n in set(usually)}
    tails = {n: _last(n) for n in set(since)}
    return [heads[u] + tails[s] for u, s in zip(usually, since, strict=True)]


def lifecycle_stage(
    *,
    age_days: np.ndarray,
    order_days: np.ndarray,
    days_since_last: np.ndarray,
    risk: np.ndarray,
    spend_recent: np.ndarray,
    spend_before: np.ndarray,
    previous: np.ndarray,
) -> np.ndarray:
    """Each customer's stage from their history and the model; the first rule that holds.

    `previous` is the stage they were in (empty string: none), so that a lapsed customer who
    orders again is won back rather than new or steady, and stays so while they keep ordering."""
    lapsed = (risk >= LAPSED_RISK) | ((order_days < 2) & (days_since_last >= ONE_ORDER_LAPSED_DAYS))
    was_gone = np.isin(previous, [S.LAPSED.value, S.WON_BACK.value])
    at_risk = risk >= HIGH_RISK
    growing = (spend_before > 0) & (spend_recent > GROWTH * spend_before)
    conditions = [
        lapsed,
        was_gone & ~at_risk,
        age_days <= NEW_DAYS,
        at_risk,
        growing,
    ]
    choices = [S.LAPSED.value, S.WON_BACK.value, S.NEW.value, S.AT_RISK.value, S.GROWING.value]
    return np.select(conditions, choices, default=S.STEADY.value)


SPARK_WIDTH, SPARK_HEIGHT = 120, 24


def sparkline(values: list[int]) -> str:
    """SVG polyline points of a small chart, drawn on the server (the CSP allows no scripts
    inline): the highest value touches the top."""
    if not values:
        return ""
    top = max(max(values), 1)
    step = SPARK_WIDTH / max(len(values) - 1, 1)
    return " ".join(
        f"{i * step:.1f},{SPARK_HEIGHT - SPARK_HEIGHT * v / top:.1f}" for i, v in enumerate(values)
    )
