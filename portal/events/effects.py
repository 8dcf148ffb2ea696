"""What each consumed event changes, in the caller's transaction (the intake commits).

Metrics and the segment re-evaluation belong to portal.segmentation.behaviour (the intake takes
runs of OrderPlaced together, see intake.take_orders); this module adds
what the customer record shows: the interaction history, product interests and the retention
follow-up queue.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import astuple
from datetime import UTC, datetime

from sqlalchemy import or_, select, update

from portal.customers.models import Customer, CustomerPreference, Interaction
from portal.customers.values import InteractionType
from portal.domain import NotFound
from portal.events.models import RetentionFollowUp
from portal.events.outbox import SYSTEM
from portal.extensions import db
from portal.segmentation import behaviour
from portal.segmentation.behaviour import Activity, Engagement, PlacedOrder
from portal.segmentation.models import CustomerOrder


def moment(value: str) -> datetime:
    return datetime.fromisoformat(value).astimezone(UTC)


def _interaction(customer_id: str, kind: InteractionType, summary: str, at: datetime) -> None:
    """One line in the customer's interaction history; their last activity moves forward."""
    db.session.add(
        Interaction(
            customer_id=customer_id,
            type=kind,
            occurred_at=at,
            summary=summary[:300],
            details="",
            recorded_by=SYSTEM,
        )
    )
    # A plain UPDATE, as in record_interaction: activity must not make open edit forms stale.
    db.session.execute(
        update(Customer)
        .where(
            Customer.id == customer_id,
            or_(Customer.last_activity_at.is_(None), Customer.last_activity_at < at),
        )
        .values(last_activity_at=at, flagged_inactive_at=None)
        .execution_options(synchronize_session=False)
    )


def placed_order(p: dict) -> PlacedOrder:
    return PlacedOrder(
        p["customerId"], p["orderId"], p["amountMinor"], p["currency"], moment(p["placedAt"])
    )


def order_placed(p: dict) -> None:
    behaviour.record_order_placed(*astuple(placed_order(p)))


class OrderNotPlaced(NotFound):
    """OrderCancelled before its OrderPlaced: refused, and on the queue parked until the order
    arrives (see intake.apply_awaited_cancellations)."""

    def __init__(self, order_id: str):
        super().__init__("order")
        self.order_id = order_id


def order_cancelled(p: dict) -> None:
    if db.session.get(CustomerOrder, p["orderId"]) is None:
        raise OrderNotPlaced(p["orderId"])
    behaviour.record_order_cancelled(p["orderId"], moment(p["cancelledAt"]))


def subscription_created(p: dict) -> None:
    at = moment(p["startedAt"])
    behaviour.set_subscription(p["customerId"], True, at)
    _interaction(p["customerId"], InteractionType.NOTE, f"Subscribed: {p['plan']}", at)


def subscription_cancelled(p: dict) -> None:
    at = moment(p["cancelledAt"])
    behaviour.set_subscription(p["customerId"], False, at)
    db.session.add(
        RetentionFollowUp(
            customer_id=p["customerId"],
            subscription_id=p["subscriptionId"],
            reason=p.get("reason"),
            flagged_at=at,
        )
    )
    _interaction(
        p["customerId"], InteractionType.NOTE, f"Subscription {p['subscriptionId']} cancelled", at
    )


def payment_method_added(p: dict) -> None:
    at = moment(p["addedAt"])
    behaviour.record_activity(p["customerId"], Activity.PAYMENT_METHOD_ADDED, at)
    _interaction(
        p["customerId"], InteractionType.NOTE, f"Payment method added: {p['methodType']}", at
    )


def product_reviewed(p: dict) -> None:
    at = moment(p["reviewedAt"])
    behaviour.record_activity(p["customerId"], Activity.PRODUCT_REVIEWED, at)
    preference = db.session.get(CustomerPreference, p["customerId"]) or CustomerPreference(
        customer_id=p["customerId"], channels=[], dietary_preferences=[], special_dates=[]
    )
    interests = list(preference.product_interests or [])
    if p["productCategory"] not in interests:
        preference.product_interests = [*interests, p["productCategory"]]
        db.session.add(preference)
    _interaction(
        p["customerId"],
        InteractionType.NOTE,
        f"Reviewed {p['productId']} ({p['productCategory']}): {p['rating']}/5",
        at,
    )


def support_ticket_created(p: dict) -> None:
    at = moment(p["createdAt"])
    behaviour.record_activity(p["customerId"], Activity.SUPPORT_TICKET_CREATED, at)
    _interaction(
        p["customerId"], InteractionType.SUPPORT_TICKET, f"{p['ticketId']}: {p['subject']}", at
    )


def campaign_engagement(p: dict) -> None:
    at = moment(p["engagedAt"])
    kind = Engagement[p["engagementType"]]
    behaviour.record_engagement(p["customerId"], kind, at)
    label = p["engagementType"].replace("_", " ").lower()
    _interaction(p["customerId"], InteractionType.EMAIL, f"Campaign {p['campaignId']}: {label}", at)


def product_authentication_scanned(p: dict) -> None:
    if db.session.scalar(select(Customer.id).where(Customer.id == p["customerId"])) is None:
        raise NotFound("customer")
    verdict = "genuine" if p["authentic"] else "NOT genuine"
    _interaction(
        p["customerId"],
        InteractionType.NOTE,
        f"Scanned {p['productId']}: {verdict}",
        moment(p["scannedAt"]),
    )


EFFECTS: dict[str, Callable[[dict], None]] = {
    "OrderPlaced": order_placed,
    "OrderCancelled": order_cancelled,
    "SubscriptionCreated": subscription_created,
    "SubscriptionCancelled": subscription_cancelled,
    "PaymentMethodAdded": payment_method_added,
    "ProductReviewed": product_reviewed,
    "CustomerSupportTicketCreated": support_ticket_created,
    "MarketingCampaignEngagement": campaign_engagement,
    "ProductAuthenticationScanned": product_authentication_scanned,
}
