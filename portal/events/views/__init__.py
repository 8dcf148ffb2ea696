"""Administrators' pages for events and integrations.

The blueprint lives here rather than in portal/events/__init__.py: every service imports the
outbox, and loading the pages with it would import half the app in a cycle.
"""

from flask import Blueprint

bp = Blueprint("events", __name__, url_prefix="/admin")

from portal.events import cli  # noqa: E402, F401  (bp.cli commands)
from portal.events.views import browser, integrations  # noqa: E402, F401
