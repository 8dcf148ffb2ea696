"""Customer profiles: registration, contact details, addresses, preferences, status."""

from flask import Blueprint

bp = Blueprint("customers", __name__, url_prefix="/customers")

from portal.customers import cli, views  # noqa: E402, F401  (routes and bp.cli commands)
