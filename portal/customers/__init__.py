"""Customer profiles: registration, contact details, addresses, preferences, status."""

from flask import Blueprint

bp = Blueprint("customers", __name__, url_prefix="/customers")

# routes, bp.cli commands, the consumed events' handlers, the listeners of the search index and
# the rollups, and what the event catalogue takes from customers
from portal.customers import (  # noqa: E402, F401
    acquisition_rollups,
    cli,
    events,
    handlers,
    rollups,
    search_index,
    views,
)
from portal.customers.queries import profile  # noqa: E402
from portal.security import audit  # noqa: E402

# The audit log names the customer an entry is about (security imports no area).
audit.names_customers_with(profile.names)
