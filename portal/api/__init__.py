"""The JSON API for other contexts under /api/v1: customer reads, the event intake, approvals.

Callers authenticate with bearer tokens (portal.api.tokens), not sessions, so CSRF does not
apply; administrators manage the tokens on /admin/integrations/tokens.
"""

from flask import Blueprint

from portal.extensions import csrf

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)

# the JSON API, and the token pages it adds to the administrators' Integrations section
from portal.api import admin, approvals, customers, loyalty, views  # noqa: E402, F401
