"""Customer profiles: registration, contact details, addresses, preferences, status.

The blueprint is created here and registered by the app factory once the pages exist.
"""

from flask import Blueprint

bp = Blueprint("customers", __name__, url_prefix="/customers")

from portal.customers import cli  # noqa: E402, F401  (registers the commands on bp.cli)
