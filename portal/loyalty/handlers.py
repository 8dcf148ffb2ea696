"""What loyalty does with the events it consumes: OrderPlaced earns (a run at once, after
segmentation has recorded the orders and re-evaluated their segments), OrderCancelled reverses
or claws back; and with a merge of two customers: the survivor's account adds up both ledgers
(whose rows the merge moves, and its undo moves back)."""

from __future__ import annotations

import portal.segmentation.handlers  # noqa: F401  (registers the OrderPlaced batch we follow)
from portal.customers import hooks
from portal.events.handlers import also_in_batches, handles, moment
from portal.loyalty import services

also_in_batches("OrderPlaced", services.earn_for_orders)
hooks.on_customers_merged(services.combine_accounts)


@handles("OrderCancelled")
def order_cancelled(p: dict) -> None:
    services.reverse_order(p["orderId"], moment(p["cancelledAt"]))
