"""The duplicates panel: the duplicates capability's own figures (pairs detected, merged,
dismissed, open by age, merges undone), counted on its candidate table by status, never a scan
of the customers."""

from __future__ import annotations

from dataclasses import dataclass

from portal.duplicates import queries


@dataclass(frozen=True)
class DuplicateMetrics:
    detected: int  # candidate pairs found so far
    merged: int
    dismissed: int
    open: int
    # open pairs by age, youngest first: ("under a week", n), ...
    open_by_age: tuple[tuple[str, int], ...]
    undone: int  # merges reversed within their 30 days


def resolution_metrics() -> DuplicateMetrics:
    figures = queries.data_quality()
    return DuplicateMetrics(
        detected=figures["detected"],
        merged=figures["merged"],
        dismissed=figures["dismissed"],
        open=figures["open"],
        open_by_age=tuple(figures["open_by_age"].items()),
        undone=figures["merges_undone"],
    )
