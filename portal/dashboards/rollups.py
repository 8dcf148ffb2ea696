"""Every rollup the dashboards read, rebuilt from the source tables in one place."""

from __future__ import annotations

from collections.abc import Callable

from portal.customers import acquisition_rollups
from portal.customers import rollups as customer_rollups
from portal.extensions import db
from portal.segmentation import rollups as segment_rollups

# (what, rebuild), in the order the rebuild runs them.
REBUILDS: tuple[tuple[str, Callable[[], None]], ...] = (
    ("segment moves, sizes and daily sizes", segment_rollups.rebuild),
    ("completeness and registrations", customer_rollups.rebuild),
    ("registrations by channel and source, verification funnel", acquisition_rollups.rebuild),
)


def rebuild_all(progress: Callable[[str], object] = lambda step: None) -> None:
    """Recompute every rollup from the source tables, set-based, in one transaction."""
    for name, rebuild in REBUILDS:
        rebuild()
        progress(name)
    db.session.commit()
