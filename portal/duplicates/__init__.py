"""Duplicate customers (the domain's CustomerMergeService): the matcher that finds them, the
review queue, and the merge that loses nothing and can be undone for 30 days."""

from flask import Blueprint

bp = Blueprint("duplicates", __name__, url_prefix="/duplicates", cli_group="duplicates")

# routes, bp.cli commands, the resolution of merged ids for consumed events, and what the event
# catalogue takes from duplicates
from portal.duplicates import cli, events, handlers, views  # noqa: E402, F401
