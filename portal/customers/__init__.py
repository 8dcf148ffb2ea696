"""Customer profiles: registration, contact details, addresses, preferences, status."""

from flask import Blueprint

bp = Blueprint("customers", __name__, url_prefix="/customers")

# routes, bp.cli commands, the consumed events' handlers and the search index's listener
from portal.customers import cli, handlers, search_index, views  # noqa: E402, F401
