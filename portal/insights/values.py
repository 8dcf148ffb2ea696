"""Churn bands and lifecycle stages (the domain document's acquisition, growth, retention and
win-back, one stage per customer)."""

from __future__ import annotations

from portal.labels import Labelled


class ChurnBand(Labelled):
    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"


class LifecycleStage(Labelled):
    NEW = "new", "New"
    GROWING = "growing", "Growing"
    STEADY = "steady", "Steady"
    AT_RISK = "at risk", "At risk"
    LAPSED = "lapsed", "Lapsed"
    WON_BACK = "won back", "Won back"
