"""Every rollup the dashboards read, rebuilt from the source tables in one place, and the
nightly snapshots."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from sqlalchemy import select

from portal.customers import rollups as customer_rollups
from portal.extensions import db
from portal.models import utcnow
from portal.segmentation import rollups as segment_rollups
from portal.segmentation.models import CustomerSegment


def nightly(day: date) -> int:
    """The snapshots at the end of `day` (segment sizes, performance, lift of 90 days before,
    completeness per type and segment); returns the segments."""
    segments = segment_rollups.nightly(day)
    members = select(CustomerSegment.customer_id, CustomerSegment.segment_id).subquery()
    customer_rollups.snapshot(day, members)
    return segments


# (what, rebuild), in the order the rebuild runs them.
REBUILDS: tuple[tuple[str, Callable[[], object]], ...] = (
    ("segment moves, sizes, daily sizes and stays", segment_rollups.rebuild),
    ("completeness and registrations", customer_rollups.rebuild),
    ("today's snapshots", lambda: nightly(utcnow().date())),
)


def rebuild_all(progress: Callable[[str], object] = lambda step: None) -> None:
    """Recompute every rollup from the source tables, set-based, in one transaction."""
    for name, rebuild in REBUILDS:
        rebuild()
        progress(name)
    db.session.commit()
