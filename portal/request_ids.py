"""Every request gets its id before Flask sees it, and every response carries it, including
the 500 answered here when the app fails outside its error pages (an error handler that
raised): a person quoting the id of any 5xx finds it in the log."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterable

log = logging.getLogger(__name__)

ENVIRON_KEY = "portal.request_id"
HEADER = "X-Request-Id"
REQUEST_ID_LENGTH = 64  # a UUID today; room for a proxy's id should one be trusted later


def request_id_of(environ: dict) -> str:
    return environ.setdefault(ENVIRON_KEY, str(uuid.uuid4()))


class RequestIds:
    """WSGI middleware. `propagate()` says when a failure must reach the caller as it is
    (tests, the debugger), as Flask's PROPAGATE_EXCEPTIONS does."""

    def __init__(self, app: Callable, propagate: Callable[[], bool]):
        self.app = app
        self.propagate = propagate

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        request_id = request_id_of(environ)

        def start(status: str, headers: list, exc_info=None):
            if not any(name.lower() == HEADER.lower() for name, _ in headers):
                headers = [*headers, (HEADER, request_id)]
            return start_response(status, headers, exc_info)

        try:
            return self.app(environ, start)
        except Exception:
            if self.propagate():
                raise
            log.exception("request %s failed outside the error pages", request_id)
            body = f"Something went wrong. Quote request id {request_id}.\n".encode()
            headers = [
                ("Content-Type", "text/plain; charset=utf-8"),
                ("Content-Length", str(len(body))),
                ("Cache-Control", "no-store"),
                (HEADER, request_id),
            ]
            start_response("500 Internal Server Error", headers)
            return [body]


def current_request_id() -> str | None:
    """The id of the request being served, None in a worker or a command."""
    from flask import g, has_request_context

    return g.get("request_id") if has_request_context() else None
