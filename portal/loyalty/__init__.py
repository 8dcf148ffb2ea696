"""The loyalty programme: a points ledger with per-batch expiry, tiers recalculated monthly,
the staff tools and the liability report.

Loyalty sits above segmentation: it earns on the orders segmentation records (after it, in the
intake's batch) and multiplies by segment; segment rules test loyalty fields that loyalty
registers in segmentation's field catalogue (fields.py), so segmentation imports nothing
from here.
"""

from flask import Blueprint

bp = Blueprint("loyalty", __name__, url_prefix="/loyalty", cli_group="loyalty")

# routes, bp.cli commands, the consumed events' handlers, the segment fields and what the
# event catalogue takes from loyalty
from portal.loyalty import cli, events, fields, handlers, views  # noqa: E402, F401
