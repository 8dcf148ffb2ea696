"""Figures read from the database at scrape time: the same answer whichever process (web
worker, relay, consumer, cron job) changed them, and nothing to lose when a process dies.

Each query is served by an index and the whole set is cached for a few seconds, so several
Prometheus servers scraping every 15 s cost a handful of index look-ups.
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, date, datetime

from prometheus_client.core import GaugeMetricFamily
from sqlalchemy import func, select

from portal.approvals.models import ApprovalRequest
from portal.approvals.values import Status
from portal.compliance.deadlines import deadlines_for
from portal.compliance.models import DataSubjectRequest, RetentionRun
from portal.compliance.values import OPEN_STATUSES, RequestStatus
from portal.events.models import OutboxEvent, ParkedEvent, WebhookDelivery
from portal.extensions import db
from portal.models import utcnow
from portal.security.models import User
from portal.segmentation.models import RecomputeRun

CACHE_SECONDS = 5.0
# Days to a DSAR's deadline, as buckets an alert can name.
DSAR_BUCKETS = (
    ("overdue", -(10**6), -1),
    ("0-3", 0, 3),
    ("4-7", 4, 7),
    ("8-14", 8, 14),
    ("15+", 15, 10**6),
)
# Age of a pending approval in days.
APPROVAL_BUCKETS = (("0-1", 0, 1), ("2-3", 2, 3), ("4-7", 4, 7), ("8+", 8, 10**6))


def _bucket(value: int, buckets) -> str:
    return next(name for name, low, high in buckets if low <= value <= high)


def _seconds_since(moment: datetime | None, now: datetime) -> float:
    if moment is None:
        return 0.0
    return max(0.0, (now - moment.replace(tzinfo=moment.tzinfo or UTC)).total_seconds())


class DatabaseCollector:
    """A prometheus_client custom collector; registered on the scrape's registry."""

    def __init__(self, app):
        self.app = app
        self._lock = threading.Lock()
        self._cached: tuple[float, list] | None = None

    def collect(self):
        with self._lock:
            if self._cached is None or time.monotonic() - self._cached[0] > CACHE_SECONDS:
                with self.app.app_context():
                    try:
                        self._cached = (time.monotonic(), list(self._read()))
                    finally:
                        db.session.remove()
            yield from self._cached[1]

    def _read(self):
        now = utcnow()
        yield from self._outbox(now)
        yield from self._events()
        yield from self._webhooks()
        yield from self._approvals(now)
        yield from self._dsars(now.date())
        yield from self._runs(now)
        yield from self._accounts(now)

    def _outbox(self, now: datetime):
        o = OutboxEvent
        pending = db.session.execute(
            select(func.count(), func.min(o.occurred_at)).where(o.published_at.is_(None))
        ).one()
        yield _gauge("portal_outbox_pending", "Outbox events not yet delivered.", pending[0])
        yield _gauge(
            "portal_outbox_oldest_pending_age_seconds",
            "Age of the oldest undelivered outbox event: the data synchronisation delay.",
            _seconds_since(pending[1], now),
        )
        failing = db.session.scalar(
            select(func.count()).where(o.published_at.is_(None), o.last_error.is_not(None))
        )
        yield _gauge("portal_outbox_failing", "Outbox events whose last delivery failed.", failing)

    def _events(self):
        parked = db.session.scalar(
            select(func.count()).select_from(ParkedEvent).where(ParkedEvent.status == "parked")
        )
        yield _gauge(
            "portal_parked_events", "Consumed events parked for a person to look at.", parked
        )

    def _webhooks(self):
        family = GaugeMetricFamily(
            "portal_webhook_deliveries_open",
            "Webhook deliveries not sent: pending, retrying after a failure, or given up.",
            labels=["state"],
        )
        w = WebhookDelivery
        counts = dict.fromkeys(("pending", "retrying", "failed"), 0)
        for status, erred, count in db.session.execute(
            select(w.status, w.last_error.is_not(None), func.count())
            .where(w.status.in_(("pending", "failed")))
            .group_by(w.status, w.last_error.is_not(None))
        ):
            state = "failed" if status == "failed" else "retrying" if erred else "pending"
            counts[state] += count
        for state, value in counts.items():
            family.add_metric([state], value)
        yield family

    def _approvals(self, now: datetime):
        family = GaugeMetricFamily(
            "portal_approvals_pending",
            "Approval requests awaiting a decision, by age in days.",
            labels=["age_days"],
        )
        counts = dict.fromkeys((name for name, _, _ in APPROVAL_BUCKETS), 0)
        for created in db.session.scalars(
            select(ApprovalRequest.created_at).where(ApprovalRequest.status == Status.PENDING)
        ):
            counts[_bucket(int(_seconds_since(created, now) // 86400), APPROVAL_BUCKETS)] += 1
        for name, value in counts.items():
            family.add_metric([name], value)
        yield family

    def _dsars(self, today: date):
        family = GaugeMetricFamily(
            "portal_dsar_open",
            "Open data-subject requests by framework and days to their deadline.",
            labels=["jurisdiction", "days_to_deadline"],
        )
        counts: dict[tuple[str, str], int] = {}
        d = DataSubjectRequest
        rows = db.session.execute(
            select(d.jurisdiction, d.request_type, d.received_at, d.extended_at).where(
                d.status.in_([RequestStatus(s) for s in OPEN_STATUSES])
            )
        )
        for jurisdiction, kind, received, extended in rows:
            due = deadlines_for(
                jurisdiction, kind, received.date(), extended=extended is not None
            ).due
            key = (str(jurisdiction), _bucket((due - today).days, DSAR_BUCKETS))
            counts[key] = counts.get(key, 0) + 1
        for (jurisdiction, bucket), value in sorted(counts.items()):
            family.add_metric([jurisdiction, bucket], value)
        yield family

    def _runs(self, now: datetime):
        run = db.session.execute(
            select(RecomputeRun.started_at, RecomputeRun.finished_at, RecomputeRun.changed)
            .order_by(RecomputeRun.id.desc())
            .limit(1)
        ).first()
        if run is not None:
            yield _gauge(
                "portal_segmentation_last_run_seconds",
                "Duration of the last segment recompute.",
                _seconds_since(run.started_at, run.finished_at),
            )
            yield _gauge(
                "portal_segmentation_last_run_moves",
                "Customers the last recompute moved to another segment.",
                run.changed,
            )
            yield _gauge(
                "portal_segmentation_last_run_timestamp_seconds",
                "When the last segment recompute finished (Unix time).",
                run.finished_at.replace(tzinfo=UTC).timestamp(),
            )
        retention = db.session.execute(
            select(RetentionRun.at, RetentionRun.report)
            .where(RetentionRun.dry_run.is_(False))
            .order_by(RetentionRun.id.desc())
            .limit(1)
        ).first()
        if retention is not None:
            yield _gauge(
                "portal_retention_last_run_timestamp_seconds",
                "When retention last ran for real (Unix time).",
                retention.at.replace(tzinfo=UTC).timestamp(),
            )

    def _accounts(self, now: datetime):
        locked = db.session.scalar(
            select(func.count()).select_from(User).where(User.locked_until > now)
        )
        yield _gauge("portal_accounts_locked", "Accounts paused after sign-in failures.", locked)


def _gauge(name: str, documentation: str, value: float) -> GaugeMetricFamily:
    return GaugeMetricFamily(name, documentation, value=float(value or 0))
