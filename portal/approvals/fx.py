"""The conversion rates that approval thresholds in one currency apply to amounts in another."""

from __future__ import annotations

import os

from flask import current_app


def rates() -> dict[str, str]:
    """Conversion rates, e.g. {"EUR/USD": "1.08"}: the APPROVAL_FX_RATES setting, else the
    environment variable of that name ("EUR/USD=1.08,GBP/USD=1.27"). None by default, so an
    amount in a currency the rule has no threshold for is refused rather than guessed."""
    configured = current_app.config.get("APPROVAL_FX_RATES")
    if configured is None:
        pairs = os.environ.get("APPROVAL_FX_RATES", "").split(",")
        configured = dict(p.strip().split("=", 1) for p in pairs if "=" in p)
    return configured
