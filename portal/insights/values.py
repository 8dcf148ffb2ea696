"""Churn bands and lifecycle stages (the domain document's acquisition, growth, retention and
win-back, one stage per customer)."""

from __future__ import annotations

from enum import StrEnum


class ChurnBand(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


class LifecycleStage(StrEnum):
    NEW = "new"
    GROWING = "growing"
    STEADY = "steady"
    AT_RISK = "at risk"
    LAPSED = "lapsed"
    WON_BACK = "won back"


STAGE_LABELS = {s: s.value.capitalize() for s in LifecycleStage}
