"""The portal's Prometheus metrics, defined once; every area counts through these names.

Under gunicorn each worker is its own process: with PROMETHEUS_MULTIPROC_DIR set (gunicorn.conf.py
sets it before the app is imported) prometheus_client keeps every process's values in files there
and `/metrics` adds them up, as do the relay and consumer workers when they share the directory.
Figures that live in the database (outbox backlog, parked events, open DSARs…) are read at scrape
time by `portal.operations.collectors`, so they are right whichever process changed them.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable

from flask import Flask, current_app, g, request
from prometheus_client import Counter, Gauge, Histogram, start_http_server
from sqlalchemy import event

# Latency buckets around the domain's alarms: 200 ms for customer lookups, 1 s for pages.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.3, 0.5, 1.0, 2.0, 5.0, 10.0)

REQUESTS = Counter(
    "portal_http_requests",
    "HTTP requests answered, by endpoint, method and status.",
    ["endpoint", "method", "status"],
)
REQUEST_SECONDS = Histogram(
    "portal_http_request_duration_seconds",
    "Time to answer a request, by endpoint; lookup=true marks the customer lookups the "
    "p95 < 200 ms alarm watches.",
    ["endpoint", "lookup"],
    buckets=LATENCY_BUCKETS,
)
REQUEST_DB_SECONDS = Histogram(
    "portal_http_request_db_seconds",
    "Time a request spent waiting for the database, by endpoint.",
    ["endpoint"],
    buckets=LATENCY_BUCKETS,
)

OUTBOX_PUBLISHED = Counter("portal_outbox_published", "Outbox events the relay delivered.")
OUTBOX_FAILED = Counter(
    "portal_outbox_failed", "Outbox deliveries that failed and will be retried with backoff."
)
RELAY_HEARTBEAT = Gauge(
    "portal_relay_heartbeat_timestamp_seconds",
    "When a relay last finished a pass over the outbox (Unix time).",
    multiprocess_mode="max",
)
INBOX_EVENTS = Counter(
    "portal_inbox_events",
    "Consumed events by type and outcome (accepted, duplicate, parked).",
    ["type", "outcome"],
)
INBOX_SECONDS = Counter(
    "portal_inbox_processing_seconds",
    "Time spent applying consumed events, by type (divide by portal_inbox_events_total).",
    ["type"],
)
CONSUMER_HEARTBEAT = Gauge(
    "portal_consumer_heartbeat_timestamp_seconds",
    "When a queue consumer last polled RabbitMQ (Unix time).",
    multiprocess_mode="max",
)
WEBHOOK_DELIVERIES = Counter(
    "portal_webhook_deliveries", "Webhook delivery attempts by outcome.", ["outcome"]
)
WEBHOOK_SECONDS = Histogram(
    "portal_webhook_delivery_seconds",
    "Time a subscriber took to answer a delivery.",
    buckets=LATENCY_BUCKETS,
)
SEGMENTATION_SECONDS = Histogram(
    "portal_segmentation_run_seconds",
    "Duration of full segment recomputes.",
    buckets=(1, 5, 15, 30, 60, 120, 300, 600, 1200, 1800, 3600),
)
SEGMENTATION_MOVES = Counter(
    "portal_segmentation_moves", "Customers moved to another segment by recomputes."
)
SIGN_IN_FAILURES = Counter(
    "portal_sign_in_failures", "Refused local sign-ins, by reason.", ["reason"]
)
LOCKOUTS = Counter("portal_sign_in_lockouts", "Accounts paused after repeated sign-in failures.")

LOOKUP = "metrics_customer_lookup"


def customer_lookup(view: Callable) -> Callable:
    """Mark a view as a customer lookup: its latency feeds the domain's p95 < 200 ms alarm."""
    setattr(view, LOOKUP, True)
    return view


def init_app(app: Flask) -> None:
    """Time every request and its database work (METRICS_ENABLED=0 leaves requests untimed:
    the overhead benchmark's baseline)."""
    if not app.config.get("METRICS_ENABLED", True):
        return

    @app.before_request
    def start_clock():
        g.metrics_started = time.perf_counter()
        g.metrics_db_seconds = 0.0

    @app.after_request
    def observe(response):
        started = g.pop("metrics_started", None)
        if started is not None and request.endpoint != "operations.metrics":
            endpoint = request.endpoint or "unmatched"
            view = current_app.view_functions.get(request.endpoint or "")
            lookup = "true" if getattr(view, LOOKUP, False) else "false"
            REQUESTS.labels(endpoint, request.method, str(response.status_code)).inc()
            REQUEST_SECONDS.labels(endpoint, lookup).observe(time.perf_counter() - started)
            REQUEST_DB_SECONDS.labels(endpoint).observe(g.pop("metrics_db_seconds", 0.0))
        return response

    from portal.extensions import db

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", _query_started)
    event.listen(engine, "after_cursor_execute", _query_finished)
    event.listen(engine, "handle_error", _query_failed)


def _query_started(conn, cursor, statement, parameters, context, executemany):
    conn.info.setdefault("metrics_query_started", []).append(time.perf_counter())


def _query_failed(context) -> None:
    started = context.connection.info.get("metrics_query_started") if context.connection else None
    if started:
        started.pop()


def _query_finished(conn, cursor, statement, parameters, context, executemany):
    from flask import has_request_context

    started = conn.info["metrics_query_started"].pop()
    if has_request_context() and "metrics_db_seconds" in g:
        g.metrics_db_seconds += time.perf_counter() - started


def serve_worker_metrics() -> None:
    """For the relay, consumer and webhook workers. Sharing the web's PROMETHEUS_MULTIPROC_DIR
    (same host) their figures come out of the web's /metrics; elsewhere METRICS_PORT starts an
    exporter of their own (on METRICS_ADDR, loopback unless set: never public)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR") or not os.environ.get("METRICS_PORT"):
        return
    start_http_server(
        int(os.environ["METRICS_PORT"]), addr=os.environ.get("METRICS_ADDR", "127.0.0.1")
    )
