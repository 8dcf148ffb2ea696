"""Customer insights (CustomerInsightService): lifetime value, churn risk, lifecycle stages and
purchase patterns from the order history, scored nightly by buy-till-you-die models."""

from flask import Blueprint

bp = Blueprint("insights", __name__, url_prefix="/insights", cli_group="insights")

# routes, bp.cli commands and the rule fields insights supplies to segmentation
from portal.insights import cli, fields, views  # noqa: E402, F401
