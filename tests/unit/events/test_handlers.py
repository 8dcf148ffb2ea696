"""The registry of consumed events' handlers: every consumed type is handled by the areas."""

from __future__ import annotations

import pytest

from portal.events import handlers
from portal.events.catalogue import CONSUMED


@pytest.mark.parametrize("event_type", CONSUMED)
def test_every_consumed_event_type_has_a_handler(app, event_type):
    consumer = handlers.CONSUMERS.get(event_type)
    assert consumer is not None
    assert consumer.handlers or consumer.batch


def test_every_registered_type_is_a_consumed_one(app):
    assert set(handlers.CONSUMERS) <= set(CONSUMED)


def test_a_type_taken_in_batches_has_no_single_handlers(app):
    with pytest.raises(ValueError, match="batches"):
        handlers.handles("OrderPlaced")(lambda payload: None)
    assert handlers.CONSUMERS["OrderPlaced"].handlers == []
