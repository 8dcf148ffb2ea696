"""Churn bands, explanations, lifecycle stages and the sparkline, without a database."""

from __future__ import annotations

import numpy as np

from portal.insights import rules
from portal.insights.values import LifecycleStage as S


def test_churn_bands_at_their_thresholds():
    bands = rules.churn_band(np.array([0.0, 0.29, 0.3, 0.59, 0.6, 1.0]))
    assert list(bands) == ["low", "low", "medium", "medium", "high", "high"]


def test_explanation_from_the_customers_own_history():
    assert rules.explanation(5, 21.2, 94) == "Usually orders every 21 days; last order 94 days ago"
    assert rules.explanation(1, None, 1) == "One order so far; last order 1 day ago"
    assert rules.explanation(3, 7.0, 0) == "Usually orders every 7 days; last order today"


def _stage(previous="", **given):
    values = {
        "age_days": 400,
        "order_days": 6,
        "days_since_last": 20,
        "risk": 0.1,
        "spend_recent": 1000,
        "spend_before": 1000,
    } | given
    arrays = {k: np.array([v]) for k, v in values.items()}
    return str(rules.lifecycle_stage(previous=np.array([previous], dtype=object), **arrays)[0])


def test_lifecycle_stages():
    assert _stage() == S.STEADY
    assert _stage(age_days=40) == S.NEW
    assert _stage(spend_recent=2000) == S.GROWING
    assert _stage(risk=0.7) == S.AT_RISK
    assert _stage(risk=0.9) == S.LAPSED
    assert _stage(order_days=1, days_since_last=400, age_days=400) == S.LAPSED
    assert _stage(previous=S.LAPSED.value) == S.WON_BACK  # ordering again after lapsing
    assert _stage(previous=S.WON_BACK.value) == S.WON_BACK  # and stays won back while active
    assert _stage(previous=S.WON_BACK.value, risk=0.7) == S.AT_RISK


def test_sparkline_touches_the_top_at_the_highest_month():
    points = rules.sparkline([0, 5, 10]).split()
    assert points == ["0.0,24.0", "60.0,12.0", "120.0,0.0"]
    assert rules.sparkline([0, 0]) == "0.0,24.0 120.0,24.0"


def test_explanations_of_many_customers_are_each_ones_explanation():
    order_days = np.array([5, 1, 3, 2, 2])
    cadence = np.array([21.2, np.nan, 7.0, 2.5, 3.5])
    since = np.array([94, 1, 0, 1, 400])
    assert rules.explanations(order_days, cadence, since) == [
        rules.explanation(int(n), None if np.isnan(c) else float(c), int(s))
        for n, c, s in zip(order_days, cadence, since, strict=True)
    ]
