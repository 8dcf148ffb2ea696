"""What segmentation does with the events it consumes and with changed customers.

Consumed events update the behaviour metrics and re-evaluate the customer's segment (see
behaviour); a customer whose data a customer service changed is re-evaluated through the
customers' hook, in that service's transaction.
"""

from __future__ import annotations

from portal.customers import hooks
from portal.domain import NotFound
from portal.events.handlers import Awaiting, Batch, handles, handles_in_batches, moment, releases
from portal.extensions import db
from portal.segmentation import behaviour
from portal.segmentation.behaviour import Activity, Engagement, OrderLine, PlacedOrder
from portal.segmentation.engine import evaluate
from portal.segmentation.models import CustomerOrder

hooks.on_customers_changed(evaluate)
hooks.on_customers_merged(behaviour.combine_metrics)


def placed_order(p: dict) -> PlacedOrder:
    lines = tuple(
        OrderLine(line["productId"], line["category"], line["quantity"], line["amountMinor"])
        for line in p.get("lines", ())
    )
    return PlacedOrder(
        p["customerId"],
        p["orderId"],
        p["amountMinor"],
        p["currency"],
        moment(p["placedAt"]),
        lines,
    )


def _unknown_customers(payloads: list[dict]) -> list[Exception | None]:
    known = behaviour.known_customers(p["customerId"] for p in payloads)
    return [None if p["customerId"] in known else NotFound("customer") for p in payloads]


def _record_orders(payloads: list[dict]) -> None:
    behaviour.record_orders_placed([placed_order(p) for p in payloads])


# A run of orders at once: their customers are re-evaluated in one engine run.
handles_in_batches("OrderPlaced", Batch(_unknown_customers, _record_orders))
releases("OrderPlaced", lambda p: p["orderId"])


class OrderNotPlaced(NotFound, Awaiting):
    """OrderCancelled before its OrderPlaced: refused, and on the queue parked until the order
    arrives."""

    def __init__(self, order_id: str):
        super().__init__("order")
        self.awaits = order_id


@handles("OrderCancelled")
def order_cancelled(p: dict) -> None:
    if db.session.get(CustomerOrder, p["orderId"]) is None:
        raise OrderNotPlaced(p["orderId"])
    behaviour.record_order_cancelled(p["orderId"], moment(p["cancelledAt"]))


@handles("SubscriptionCreated")
def subscription_created(p: dict) -> None:
    behaviour.set_subscription(p["customerId"], True, moment(p["startedAt"]))


@handles("SubscriptionCancelled")
def subscription_cancelled(p: dict) -> None:
    behaviour.set_subscription(p["customerId"], False, moment(p["cancelledAt"]))


@handles("PaymentMethodAdded")
def payment_method_added(p: dict) -> None:
    behaviour.record_activity(p["customerId"], Activity.PAYMENT_METHOD_ADDED, moment(p["addedAt"]))


@handles("ProductReviewed")
def product_reviewed(p: dict) -> None:
    behaviour.record_activity(p["customerId"], Activity.PRODUCT_REVIEWED, moment(p["reviewedAt"]))


@handles("CustomerSupportTicketCreated")
def support_ticket_created(p: dict) -> None:
    behaviour.record_activity(
        p["customerId"], Activity.SUPPORT_TICKET_CREATED, moment(p["createdAt"])
    )


@handles("MarketingCampaignEngagement")
def campaign_engagement(p: dict) -> None:
    kind = Engagement[p["engagementType"]]
    behaviour.record_engagement(p["customerId"], kind, moment(p["engagedAt"]))
