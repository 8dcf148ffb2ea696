"""Permissions, roles, the @require decorator, the audit log; the administrators' pages."""

from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")

from portal.security import views  # noqa: E402, F401
