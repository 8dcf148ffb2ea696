"""Telling other areas, in the same transaction, that customers changed.

Customer services call customers_changed after changing what other areas derive from a customer
(segmentation re-evaluates the segment, see portal/segmentation/handlers.py); the listeners run
before the service commits, so the change and its consequences commit together. Customers never
import their listeners.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime

from sqlalchemy import ColumnElement

from portal.events.outbox import SYSTEM

Listener = Callable[..., object]
_listeners: list[Listener] = []


def on_customers_changed(listener: Listener) -> Listener:
    """Register `listener(customer_ids, *, where, actor_id, now)`."""
    _listeners.append(listener)
    return listener


@contextlib.contextmanager
def without(*listeners: Listener) -> Iterator[None]:
    """Customer changes in this block skip these listeners: the baseline a benchmark compares
    the listeners' upkeep with (bench.upkeep). Never in the portal's own code paths."""
    kept = list(_listeners)
    _listeners[:] = [listener for listener in kept if listener not in listeners]
    try:
        yield
    finally:
        _listeners[:] = kept  # in their order: each listener sees what those before did


def customers_changed(
    customer_ids: Sequence[str] | None = None,
    *,
    where: ColumnElement | None = None,
    actor_id: str = SYSTEM,
    now: datetime | None = None,
) -> None:
    """These customers (or those matching `where`) changed in the open transaction."""
    for listener in _listeners:
        listener(customer_ids, where=where, actor_id=actor_id, now=now)


# Merges (portal.duplicates): an area whose data is not a row pointing at the customer (a points
# balance, a cache keyed by customer) registers here to carry it over and back. Rows with a
# foreign key to customer.id move without a hook. Listeners run inside the merge's transaction
# before the rows move; a refusal they raise refuses the merge.
MergeListener = Callable[[str, str], object]
_merged: list[MergeListener] = []
_unmerged: list[MergeListener] = []


def on_customers_merged(listener: MergeListener) -> MergeListener:
    """Register `listener(secondary_id, primary_id)`: the secondary is merged into the primary
    (e.g. portal.loyalty.services.combine_accounts)."""
    _merged.append(listener)
    return listener


def on_customers_unmerged(listener: MergeListener) -> MergeListener:
    """Register `listener(secondary_id, primary_id)`: that merge is being undone."""
    _unmerged.append(listener)
    return listener


def customers_merged(secondary_id: str, primary_id: str) -> None:
    for listener in _merged:
        listener(secondary_id, primary_id)


def customers_unmerged(secondary_id: str, primary_id: str) -> None:
    for listener in _unmerged:
        listener(secondary_id, primary_id)


# The id of a merged customer keeps working (bookmarks, API clients): the area that merges
# registers how to find the survivor.
_survivors: list[Callable[[str], str | None]] = []


def finds_survivors(finder: Callable[[str], str | None]) -> Callable[[str], str | None]:
    _survivors.append(finder)
    return finder


def survivor_of(customer_id: str) -> str | None:
    """The customer a merged customer's id now resolves to; None when it was not merged."""
    return next(filter(None, (finder(customer_id) for finder in _survivors)), None)
