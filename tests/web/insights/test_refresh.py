"""The nightly refresh: everyone scored from their history, awkward histories handled, and a
fit that does not converge changes no score. One real fit (fitting costs seconds)."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import func, select

from portal.extensions import db
from portal.insights import clv
from portal.insights.models import (
    COUNTS,
    CustomerInsight,
    InsightModelRun,
    LifecycleStageHistory,
)
from tests.insights_world import cohort, customer, good_run, orders, scores


def test_refresh_scores_everyone_and_survives_awkward_histories(staff, runner):
    ids = cohort(staff)
    one = customer(staff, "One Order")
    orders(one, (400, 2500))
    none = customer(staff, "No Orders")
    same_day = customer(staff, "Same Day")
    orders(same_day, (30, 1000), (30, 500), (30, 700))
    future = customer(staff, "Future")
    orders(future, (-10, 5000), (50, 1200), (20, 1300))
    free = customer(staff, "Free And Refunds")
    orders(free, (0, 0), (5, -800))
    mixed = customer(staff, "Mixed Currencies")
    orders(mixed, (100, 1000), (70, 1100), (40, 1200))
    orders(mixed, (90, 999_999), currency="EUR")
    cancelled = customer(staff, "Cancelled")
    orders(cancelled, (10, 5000), cancelled_at=db.func.now())
    refunds = customer(staff, "Some Refunds")
    orders(refunds, (60, 3000), (30, 0), (20, -1500), (10, 4000))
    ahead = customer(staff, "Only Future")
    orders(ahead, (-5, 2000))
    jamaica = customer(staff, "Jamaican Dollars")
    orders(jamaica, (200, 500_000), (100, 700_000), currency="JMD")

    result = runner.invoke(args=["insights", "refresh"])

    assert result.exit_code == 0, result.output
    scored = len(ids) + 6  # one, same day, future, mixed, refunds, Jamaican dollars
    assert f"scored {scored} customers" in result.output
    run = db.session.scalars(select(InsightModelRun)).one()
    assert run.converged
    assert set(run.params["bg_nbd"]) == set(clv.BG_NBD_PARAMS)
    assert set(run.params["gamma_gamma"]) == {"USD"}  # too few JMD customers to fit
    assert set(run.params["gamma_gamma"]["USD"]) == set(clv.GAMMA_GAMMA_PARAMS)
    assert "Too few repeat customers to fit spend in JMD" in result.output
    rows = {r.customer_id: r for r in db.session.scalars(select(CustomerInsight))}
    assert len(rows) == scored
    for row in rows.values():
        assert row.model_run_id == run.id
        assert 0 <= row.p_alive <= 1
        assert row.clv_minor >= 0
        assert row.expected_orders_90d >= 0
        assert row.explanation
    moves = db.session.scalar(select(func.count()).select_from(LifecycleStageHistory))
    assert moves == scored  # everyone entered a first stage
    # The insights page's counts, as the stored scores have them.
    assert run.params[COUNTS] == {
        "churn_band": Counter(row.churn_band.value for row in rows.values()),
        "stage": Counter(row.stage.value for row in rows.values()),
    }

    assert none not in rows
    assert free not in rows
    assert cancelled not in rows
    assert ahead not in rows
    assert rows[one].order_days == 1
    assert rows[one].explanation.startswith("One order so far; last order 400 days ago")
    assert rows[one].stage == "lapsed"
    assert rows[same_day].order_days == 1  # one day, one purchase
    assert rows[same_day].average_order_minor == 2200
    assert rows[future].order_days == 2  # the future order is not counted
    assert rows[future].explanation == "Usually orders every 30 days; last order 20 days ago"
    assert (rows[mixed].currency, rows[mixed].other_currencies) == ("USD", 1)
    assert rows[mixed].average_order_minor == 1100  # the EUR order is never added in
    assert (rows[refunds].order_days, rows[refunds].average_order_minor) == (2, 3500)
    assert rows[jamaica].currency == "JMD"
    assert rows[jamaica].expected_spend_minor == 600_000  # their own average, in JMD


def test_a_fit_that_does_not_converge_keeps_the_last_scores(staff, monkeypatch, runner, client):
    ids = cohort(staff, size=3)
    last = good_run()
    scores(ids[0], run_id=last.id)

    def fails(*args, **kwargs):
        raise clv.NotConverged("BG/NBD: parameters out of range")

    monkeypatch.setattr(clv, "fit_bg_nbd", fails)
    result = runner.invoke(args=["insights", "refresh"])

    assert result.exit_code == 1
    assert "Not converged, the previous scores stand" in result.output
    db.session.expire_all()
    kept = db.session.scalars(select(CustomerInsight)).one()
    assert (kept.customer_id, kept.model_run_id) == (ids[0], last.id)
    failed = db.session.scalars(select(InsightModelRun).order_by(InsightModelRun.id.desc())).first()
    assert not failed.converged
    assert "out of range" in failed.message


def test_predictions_that_are_not_finite_keep_the_last_scores(staff, monkeypatch, runner):
    ids = cohort(staff, size=3)
    last = good_run()
    scores(ids[0], run_id=last.id)
    # a = 1 is a pole of the expected orders: no finite value for anyone.
    fitted = clv.Fitted({"r": 0.2, "alpha": 4.0, "a": 1.0, "b": 2.0})
    monkeypatch.setattr(clv, "fit_bg_nbd", lambda *args, **kwargs: fitted)

    result = runner.invoke(args=["insights", "refresh"])

    assert result.exit_code == 1
    assert "no finite prediction" in result.output
    db.session.expire_all()
    kept = db.session.scalars(select(CustomerInsight)).one()
    assert kept.model_run_id == last.id
