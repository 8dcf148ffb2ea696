from __future__ import annotations

import hmac
import ipaddress
import os

from flask import Response, abort, current_app, request
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector

from portal.operations import bp
from portal.operations.collectors import DatabaseCollector
from portal.security.access import ATTRIBUTE
from portal.security.permissions import SCRAPER


def _scraper_allowed() -> bool:
    """From the scrape network (METRICS_ALLOWED_NETWORKS) or with the bearer METRICS_TOKEN."""
    token = current_app.config.get("METRICS_TOKEN", "")
    offered = request.headers.get("Authorization", "")
    if token and hmac.compare_digest(offered.encode(), f"Bearer {token}".encode()):
        return True
    try:
        address = ipaddress.ip_address(request.remote_addr or "")
    except ValueError:
        return False
    return any(address in network for network in current_app.config["METRICS_NETWORKS"])


@bp.get("/metrics")
def metrics():
    # Anyone else is told there is nothing here, as for another organisation's objects.
    if not _scraper_allowed():
        abort(404)
    registry = CollectorRegistry(auto_describe=False)
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        MultiProcessCollector(registry)
        collectors = [registry]
    else:
        collectors = [REGISTRY, registry]
    registry.register(_database_collector())
    body = b"".join(generate_latest(r) for r in collectors)
    return Response(body, content_type=CONTENT_TYPE_LATEST, headers={"Cache-Control": "no-store"})


setattr(metrics, ATTRIBUTE, SCRAPER)


def _database_collector() -> DatabaseCollector:
    app = current_app._get_current_object()
    collector = app.extensions.get("portal.metrics.database")
    if collector is None:
        collector = app.extensions["portal.metrics.database"] = DatabaseCollector(app)
    return collector
