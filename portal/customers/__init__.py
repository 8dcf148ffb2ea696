"""Customer profiles: registration, contact details, addresses, preferences, status."""

from flask import Blueprint

bp = Blueprint("customers", __name__, url_prefix="/customers")

# routes, bp.cli commands, and the listener that keeps the search index in step
from portal.customers import cli, search_index, views  # noqa: E402, F401
