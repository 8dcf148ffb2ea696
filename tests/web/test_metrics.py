"""/metrics: only for the scrape network or token, and after a journey it holds every figure
the alerts and dashboards read; JSON log lines; the request id in the events it caused."""

from __future__ import annotations

import json

from prometheus_client.metrics import MetricWrapperBase
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import func, select

from portal import metrics
from portal.customers.models import Customer
from portal.events.models import OutboxEvent
from portal.extensions import db
from tests.conftest import sign_in_client
from tests.unit.test_alert_rules import alert_metric_names
from tests.world import build_world

OUTSIDE = {"REMOTE_ADDR": "203.0.113.9"}


def scrape(client, **kwargs) -> dict[str, list]:
    response = client.get("/metrics", **kwargs)
    assert response.status_code == 200, response.status_code
    assert response.headers["Content-Type"].startswith("text/plain; version=")
    return {
        family.name: family.samples
        for family in text_string_to_metric_families(response.get_data(as_text=True))
    }


def test_metrics_are_refused_outside_the_scrape_network(client):
    assert client.get("/metrics", environ_base=OUTSIDE).status_code == 404
    wrong = {"Authorization": "Bearer wrong"}
    assert client.get("/metrics", environ_base=OUTSIDE, headers=wrong).status_code == 404


def test_the_scrape_token_or_network_opens_metrics(make_app):
    app = make_app(METRICS_TOKEN="s3cret-scrape-token", METRICS_ALLOWED_NETWORKS="10.9.0.0/16")
    client = app.test_client()
    assert client.get("/metrics").status_code == 404  # loopback is not listed any more
    token = {"Authorization": "Bearer s3cret-scrape-token"}
    scrape(client, environ_base=OUTSIDE, headers=token)
    scrape(client, environ_base={"REMOTE_ADDR": "10.9.4.2"})


def _journey(app) -> None:
    world = build_world()
    staff = app.test_client()
    sign_in_client(staff, world.users["Sales"])
    customer_id = db.session.scalar(select(func.min(Customer.id)))
    assert staff.get("/customers/?q=a").status_code == 200
    assert staff.get(f"/customers/{customer_id}").status_code == 200
    assert staff.get("/customers/no-such-customer").status_code == 404
    failed = app.test_client().post(
        "/auth/sign-in", data={"email": "nobody@example.com", "password": "wrong"}
    )
    assert failed.status_code == 401


def test_a_journey_shows_up_in_every_metric(app, client):
    _journey(app)
    families = scrape(client)

    answered = {
        (s.labels["endpoint"], s.labels["status"]): s.value
        for s in families["portal_http_requests"]
        if s.name.endswith("_total")
    }
    assert answered[("customers.customer_list", "200")] >= 1
    assert answered[("customers.profile", "404")] >= 1
    lookups = {
        s.labels["endpoint"]
        for s in families["portal_http_request_duration_seconds"]
        if s.labels.get("lookup") == "true" and s.name.endswith("_count") and s.value
    }
    assert {"customers.customer_list", "customers.profile"} <= lookups
    db_seconds = {
        s.labels["endpoint"]: s.value
        for s in families["portal_http_request_db_seconds"]
        if s.name.endswith("_sum")
    }
    assert db_seconds["customers.profile"] > 0
    failures = {
        s.labels["reason"]: s.value
        for s in families["portal_sign_in_failures"]
        if s.name.endswith("_total")
    }
    assert failures["unknown"] >= 1

    # read from the database at scrape time
    pending = db.session.scalar(
        select(func.count()).select_from(OutboxEvent).where(OutboxEvent.published_at.is_(None))
    )
    assert families["portal_outbox_pending"][0].value == pending > 0
    assert families["portal_outbox_oldest_pending_age_seconds"][0].value >= 0
    assert sum(s.value for s in families["portal_dsar_open"]) == 1  # the world's DSAR
    assert sum(s.value for s in families["portal_approvals_pending"]) >= 1
    for name in (
        "portal_parked_events",
        "portal_webhook_deliveries_open",
        "portal_accounts_locked",
        "portal_outbox_failing",
    ):
        assert name in families, name


def test_the_alert_rules_name_only_metrics_the_portal_exports(app, client):
    _journey(app)
    exported = set(scrape(client))
    # Written only by the workers and recomputes: declared here, exported by those processes.
    declared = {m._name for m in vars(metrics).values() if isinstance(m, MetricWrapperBase)}
    from_runs = {"portal_segmentation_last_run_seconds"}  # after the first recompute
    assert alert_metric_names() - exported - declared - from_runs == set()


def test_json_logs_carry_request_user_endpoint_status_and_duration(make_app, capfd, login_as):
    app = make_app(LOG_FORMAT="json")
    client = app.test_client()
    user = login_as("sales")
    sign_in_client(client, user)
    response = client.get("/customers/")
    lines = [
        json.loads(line) for line in capfd.readouterr().err.splitlines() if line.startswith("{")
    ]
    (entry,) = [
        line
        for line in lines
        if line.get("logger") == "portal.access" and line.get("path") == "/customers/"
    ]
    assert entry["request_id"] == response.headers["X-Request-Id"]
    assert entry["endpoint"] == "customers.customer_list"
    assert entry["user_id"] == user.id
    assert entry["status"] == 200
    assert entry["duration_ms"] >= 0
    assert entry["level"] == "INFO"
    assert entry["time"].startswith("20")
