"""The duplicates panel's contract with the duplicates capability (portal/duplicates, built in
parallel): `portal.duplicates.queries.resolution_metrics() -> DuplicateMetrics`, read from its
own counters, never a scan. Until it is wired in here, the panel says it is not available."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DuplicateMetrics:
    detected: int  # candidate pairs found so far
    merged: int
    dismissed: int
    open: int
    # open pairs by age: ("< 7 days", n), ("7 to 30 days", n), ("> 30 days", n)
    open_by_age: tuple[tuple[str, int], ...]


def resolution_metrics() -> DuplicateMetrics | None:
    """None until portal.duplicates lands; then `return queries.resolution_metrics()`."""
    return None
