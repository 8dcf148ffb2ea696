"""Customer segmentation: segments with versioned rules, one primary segment per customer,
its history and overrides, and the behaviour data the consumed events keep up to date."""

from flask import Blueprint

bp = Blueprint("segmentation", __name__, url_prefix="/segments", cli_group="segments")

from portal.segmentation import cli, views  # noqa: E402, F401  (routes and bp.cli commands)
