"""Customer segmentation: segments with versioned rules, one primary segment per customer,
its history and overrides, and the behaviour data the consumed events keep up to date."""

from flask import Blueprint

bp = Blueprint("segmentation", __name__, url_prefix="/segments", cli_group="segments")

# routes, bp.cli commands, the consumed events' handlers, the customers_changed listener and
# what the event catalogue takes from segmentation
from portal.segmentation import cli, events, handlers, views  # noqa: E402, F401
