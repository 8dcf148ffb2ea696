"""What loyalty does with the events it consumes: OrderPlaced earns (a run at once, after
segmentation has recorded the orders and re-evaluated their segments), OrderCancelled reverses
or claws back."""

from __future__ import annotations

import portal.segmentation.handlers  # noqa: F401  (registers the OrderPlaced batch we follow)
from portal.events.handlers import also_in_batches, handles, moment
from portal.loyalty import services

also_in_batches("OrderPlaced", services.earn_for_orders)


@handles("OrderCancelled")
def order_cancelled(p: dict) -> None:
    services.reverse_order(p["orderId"], moment(p["cancelledAt"]))
