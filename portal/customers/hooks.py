"""Telling other areas, in the same transaction, that customers changed.

Customer services call customers_changed after changing what other areas derive from a customer
(segmentation re-evaluates the segment, see portal/segmentation/handlers.py); the listeners run
before the service commits, so the change and its consequences commit together. Customers never
import their listeners.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from sqlalchemy import ColumnElement

from portal.events.outbox import SYSTEM

Listener = Callable[..., object]
_listeners: list[Listener] = []


def on_customers_changed(listener: Listener) -> Listener:
    """Register `listener(customer_ids, *, where, actor_id, now)`."""
    _listeners.append(listener)
    return listener


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
