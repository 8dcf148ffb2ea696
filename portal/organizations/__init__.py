"""B2B organisations: the node hierarchy, members and roles, invitations, self-service."""

from flask import Blueprint

bp = Blueprint("organizations", __name__, url_prefix="/organizations")

from portal.organizations import views  # noqa: E402, F401  (routes)
