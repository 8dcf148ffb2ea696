"""Log lines: for people in development, one JSON object per line (LOG_FORMAT=json) for the
log pipeline. Every record carries the request id, and, inside a request, the user id and the
endpoint; `portal.access` adds one record per request with its status and duration.

Logs hold no personal data: names, e-mail addresses and phone numbers go through `redact`
before they are logged (a test greps a whole journey's log for the demo customers' details).
"""

from __future__ import annotations

import logging
import sys
import time

from flask import Flask, g, has_request_context, request
from pythonjsonlogger.json import JsonFormatter

access_log = logging.getLogger("portal.access")

TEXT_FORMAT = "%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s"
JSON_FIELDS = (
    "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s %(user_id)s %(endpoint)s"
)


class _Stderr(logging.StreamHandler):
    """Writes to whatever sys.stderr is now (a test's capture, a redirected stream), not the
    one there was when the handler was made."""

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, _value) -> None:
        pass


class RequestContext(logging.Filter):
    """Stamps each record with the request id, user id and endpoint ("-" outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if has_request_context():
            record.request_id = g.get("request_id", "-")
            record.endpoint = request.endpoint or "-"
            # The user Flask-Login already loaded, if any: logging never loads one (no query
            # from inside a log call, and other apps in the process have no login manager).
            record.user_id = getattr(g.get("_login_user"), "id", None) or "-"
        else:
            record.request_id = getattr(record, "request_id", "-")
            record.endpoint = getattr(record, "endpoint", "-")
            record.user_id = getattr(record, "user_id", "-")
        return True


def configure(app: Flask) -> None:
    root = logging.getLogger()
    root.setLevel(app.config["LOG_LEVEL"])
    handler = next((h for h in root.handlers if getattr(h, "portal", False)), None)
    if handler is None:
        handler = _Stderr()
        handler.portal = True
        root.addHandler(handler)
    if app.config.get("LOG_FORMAT") == "json":
        handler.setFormatter(
            JsonFormatter(
                JSON_FIELDS,
                rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
                datefmt="%Y-%m-%dT%H:%M:%S%z",
            )
        )
        _log_requests(app)
    else:
        handler.setFormatter(logging.Formatter(TEXT_FORMAT))
    for each in root.handlers:
        if not any(isinstance(f, RequestContext) for f in each.filters):
            each.addFilter(RequestContext())


def _log_requests(app: Flask) -> None:
    """The access log as JSON (gunicorn's own access log is off then): the path without its
    query string, which may hold what was searched for."""

    @app.before_request
    def clock():
        g.log_started = time.perf_counter()

    @app.after_request
    def access(response):
        started = g.pop("log_started", None)
        if started is not None:
            access_log.info(
                "%s %s %s",
                request.method,
                request.path,
                response.status_code,
                extra={
                    "method": request.method,
                    "path": request.path,
                    "status": response.status_code,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                },
            )
        return response


def redact(value: str | None) -> str:
    """ "aaliyah.gisel@example.com" → "a…@example.com", "+18765550104" → "…0104", a name → "A…"."""
    if not value:
        return ""
    if "@" in value:
        local, _, domain = value.partition("@")
        return f"{local[:1]}…@{domain}"
    digits = [c for c in value if c.isdigit()]
    if len(digits) >= 7:
        return "…" + "".join(digits[-4:])
    return f"{value[:1]}…"
