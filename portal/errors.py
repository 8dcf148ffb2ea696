"""Error pages: a full page for a browser request, a fragment for HTMX, JSON for /api."""

from __future__ import annotations

import logging

from flask import Flask, g, jsonify, request
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DataError
from werkzeug.exceptions import HTTPException, InternalServerError

from portal.domain import Refusal
from portal.extensions import db
from portal.htmx import render

log = logging.getLogger(__name__)

MESSAGES = {
    400: ("Bad request", "The request could not be understood."),
    401: ("Sign-in needed", "Please sign in to continue."),
    403: ("Not allowed", "Your role does not allow this page or action."),
    404: ("Not found", "There is nothing here, or it is not yours to see."),
    405: ("Not allowed", "This address does not accept that kind of request."),
    409: ("Changed meanwhile", "Someone else changed this record while you were editing."),
    413: ("Too large", "The request is larger than the portal takes; send less at a time."),
    422: ("Check the form", "Some of what you entered needs correcting."),
    500: ("Something went wrong", "The error was logged; quote the request id when you report it."),
    503: ("Busy", "The portal is busy; try again in a few seconds."),
}
# Server-side statuses raised on purpose (a busy answer with Retry-After), not failures.
DELIBERATE = {503}


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


def error_response(status: int, detail: str | None = None, problems: list[str] | None = None):
    """The error answer of every page, fragment and API call; `problems` (JSON only) name
    what is wrong field by field."""
    title, message = MESSAGES.get(status, (f"Error {status}", ""))
    if _wants_json():
        error = {"status": status, "title": title, "detail": detail or message}
        response = jsonify(error=error | ({"problems": problems} if problems is not None else {}))
        response.status_code = status
        return response
    return render(
        "errors/error.html",
        status=status,
        title=title,
        message=detail or message,
        request_id=g.get("request_id"),
    )


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(exc: CSRFError):
        log.warning("CSRF check failed on %s %s: %s", request.method, request.path, exc.description)
        return error_response(
            400, "The form expired or did not come from this portal. Reload and try again."
        )

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        if exc.code and exc.code >= 500 and exc.code not in DELIBERATE:
            return server_error(exc)
        response = error_response(
            exc.code or 500, exc.description if exc.code in (400, 409, 422) else None
        )
        # What the exception's own answer would carry, such as a 405's Allow.
        response.headers.extend(
            (name, value) for name, value in exc.get_headers() if name.lower() != "content-type"
        )
        return response

    @app.errorhandler(Refusal)
    def refused(exc: Refusal):
        # A refusal no view re-rendered as its form: NotFound 404, Forbidden 403, Conflict 409,
        # any other 422, with the service's messages, as a page, a fragment or JSON.
        db.session.rollback()
        return error_response(exc.status, " ".join(exc.messages), exc.problems)

    @app.errorhandler(DataError)
    def value_refused(exc: DataError):
        # The last net under the checks that forms, rules and schemas make from the columns:
        # a value the database refuses (too long, out of range, NUL) is the sender's to fix.
        db.session.rollback()
        log.warning("request %s: the database refused a value: %s", g.get("request_id"), exc.orig)
        return error_response(
            422, "A value is too long, too large, or holds a character that cannot be stored."
        )

    @app.errorhandler(Exception)
    def server_error(exc: Exception):
        db.session.rollback()
        original = getattr(exc, "original_exception", None) or exc
        if not isinstance(original, InternalServerError):
            log.error("request %s failed", g.get("request_id"), exc_info=original)
        return error_response(500)
