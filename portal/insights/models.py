"""Insights tables: one score row per customer, the model runs that made them, and each
customer's lifecycle stage moves."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, BigInteger, Boolean, Float, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import db
from portal.insights.values import ChurnBand, LifecycleStage
from portal.models import BigId, UTCDateTime, string_enum, utcnow

COUNTS = "counts"


class InsightModelRun(db.Model):
    """One `insights refresh`: the fitted parameters, whether they converged, what it scored.
    Its id is the model version a score names."""

    __tablename__ = "insight_model_run"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    converged: Mapped[bool] = mapped_column(Boolean, default=False)
    # {"bg_nbd": {"r": …}, "gamma_gamma": {"USD": {"p": …}}, COUNTS: {"churn_band": {"high": …},
    # "stage": {"new": …}}}: the fits, and how many customers a converged run scored into each
    # band and stage (counted by the refresh, so the insights page reads no score to show them).
    params: Mapped[dict] = mapped_column(JSON, default=dict)
    message: Mapped[str] = mapped_column(Text, default="")
    customers_scored: Mapped[int] = mapped_column(Integer, default=0)


class CustomerInsight(db.Model):
    """A customer's latest scores, in their main currency (the one they order in most; other
    currencies' orders are left out, never added to it). No foreign key: a refresh rewrites
    up to a row per customer by COPY (as customer_segment, migration 0009)."""

    __tablename__ = "customer_insight"
    __table_args__ = (
        # The at-risk list: high churn first, then the most valuable.
        Index("ix_customer_insight_band_clv", "churn_band", "clv_minor"),
    )

    customer_id: Mapped[str] = mapped_column(String(41), primary_key=True)
    currency: Mapped[str] = mapped_column(String(3))
    other_currencies: Mapped[int] = mapped_column(Integer, default=0)
    order_days: Mapped[int] = mapped_column(Integer)  # days with an order: BG/NBD's x + 1
    first_order_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_order_at: Mapped[datetime] = mapped_column(UTCDateTime)
    cadence_days: Mapped[float | None] = mapped_column(Float)
    average_order_minor: Mapped[int] = mapped_column(BigInteger)
    expected_spend_minor: Mapped[int] = mapped_column(BigInteger)
    clv_minor: Mapped[int] = mapped_column(BigInteger)
    expected_orders_90d: Mapped[float] = mapped_column(Float)
    p_alive: Mapped[float] = mapped_column(Float)
    churn_band: Mapped[ChurnBand] = mapped_column(string_enum(ChurnBand, 10))
    explanation: Mapped[str] = mapped_column(String(200))
    stage: Mapped[LifecycleStage] = mapped_column(string_enum(LifecycleStage, 20))
    stage_since: Mapped[datetime] = mapped_column(UTCDateTime)
    model_run_id: Mapped[int] = mapped_column(BigId)
    scored_at: Mapped[datetime] = mapped_column(UTCDateTime)


class LifecycleStageHistory(db.Model):
    """One row per stage move, for the customer's stage chart."""

    __tablename__ = "lifecycle_stage_history"
    __table_args__ = (Index("ix_lifecycle_stage_history_customer_at", "customer_id", "at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    customer_id: Mapped[str] = mapped_column(String(41))
    from_stage: Mapped[LifecycleStage | None] = mapped_column(string_enum(LifecycleStage, 20))
    to_stage: Mapped[LifecycleStage] = mapped_column(string_enum(LifecycleStage, 20))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    model_run_id: Mapped[int] = mapped_column(BigId)


class CustomerRecommendation(db.Model):
    """A product suggested to a customer, best first, with the rule that suggested it: among
    the customers of their segment who bought `because_product_id`, `share` also bought this
    product, `lift` times as often as the segment's customers at large. Rewritten nightly by
    COPY, no foreign key (as customer_insight)."""

    __tablename__ = "customer_recommendation"

    customer_id: Mapped[str] = mapped_column(String(41), primary_key=True)
    rank: Mapped[int] = mapped_column(Integer, primary_key=True)
    product_id: Mapped[str] = mapped_column(String(80))
    category: Mapped[str] = mapped_column(String(60))
    because_product_id: Mapped[str] = mapped_column(String(80))
    # The segment's name when the rule was found; "" for customers in no segment.
    segment_name: Mapped[str] = mapped_column(String(100))
    share: Mapped[float] = mapped_column(Float)
    lift: Mapped[float] = mapped_column(Float)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime)


class CustomerUpsell(db.Model):
    """A business customer's average order against their peers' (the same customer type and
    company size, in the same currency): the room to grow each order. Rewritten nightly."""

    __tablename__ = "customer_upsell"

    customer_id: Mapped[str] = mapped_column(String(41), primary_key=True)
    customer_type: Mapped[str] = mapped_column(String(40))
    company_size: Mapped[str] = mapped_column(String(20))  # "" when not given
    currency: Mapped[str] = mapped_column(String(3))
    average_order_minor: Mapped[int] = mapped_column(BigInteger)
    peer_median_minor: Mapped[int] = mapped_column(BigInteger)
    peers: Mapped[int] = mapped_column(Integer)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime)
