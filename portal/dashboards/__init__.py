"""Admin dashboards: customer acquisition, segmentation and data quality, read from rollups the
areas keep incrementally (segmentation.rollups, customers.rollups), never from a scan of
every customer on a page view."""

from flask import Blueprint

bp = Blueprint("dashboards", __name__, url_prefix="/dashboards", cli_group="dashboards")

# routes and bp.cli commands
from portal.dashboards import cli, views  # noqa: E402, F401
