"""@require: every endpoint declares the permission it needs.

The decorator stores the permission on the view so that a test can walk `app.url_map` and prove
that no endpoint lacks one. Object-level scope is checked where objects are loaded
(`load_or_404` in each area): an object outside the user's scope answers 404.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from flask import abort, request
from flask_login import current_user

from portal.extensions import login_manager
from portal.security import audit
from portal.security.permissions import PERMISSIONS, PUBLIC, SIGNED_IN

ATTRIBUTE = "required_permission"


def require(permission: str) -> Callable:
    """Allow the view to users holding `permission` (or SIGNED_IN: any signed-in user)."""
    if permission not in PERMISSIONS and permission != SIGNED_IN:
        raise ValueError(f"unknown permission {permission!r}")

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def guarded(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if permission != SIGNED_IN and not current_user.can(permission):
                audit.record_now(
                    "access.denied",
                    outcome=audit.DENIED,
                    record_type="endpoint",
                    record_id=request.endpoint,
                    summary=f"{request.method} {request.path} needs {permission}",
                )
                abort(403)
            return view(*args, **kwargs)

        setattr(guarded, ATTRIBUTE, permission)
        return guarded

    return decorate


def public(view: Callable) -> Callable:
    """Mark a view as open to anyone: sign-in pages, the OIDC callback, /healthz."""
    setattr(view, ATTRIBUTE, PUBLIC)
    return view


def permission_of(view: Callable) -> str | None:
    return getattr(view, ATTRIBUTE, None)
