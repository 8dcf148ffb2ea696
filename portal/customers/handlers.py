"""What the customer record shows of the events the customer domain consumes: the interaction
history, product interests and the retention follow-up queue. Registered with the event intake
(portal.events.handlers); each runs in the intake's transaction, the intake commits."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from portal.customers.models import Customer, CustomerPreference, RetentionFollowUp
from portal.customers.services.activity import add_interaction
from portal.customers.values import InteractionType
from portal.domain import NotFound
from portal.events.handlers import handles, moment
from portal.events.outbox import SYSTEM
from portal.extensions import db


def _note(customer_id: str, kind: InteractionType, summary: str, at: datetime) -> None:
    """One line in the history of an existing customer (else the event is refused)."""
    if db.session.scalar(select(Customer.id).where(Customer.id == customer_id)) is None:
        raise NotFound("customer")
    add_interaction(customer_id, kind, summary[:300], at, SYSTEM)


@handles("SubscriptionCreated")
def subscription_created(p: dict) -> None:
    _note(p["customerId"], InteractionType.NOTE, f"Subscribed: {p['plan']}", moment(p["startedAt"]))


@handles("SubscriptionCancelled")
def subscription_cancelled(p: dict) -> None:
    at = moment(p["cancelledAt"])
    summary = f"Subscription {p['subscriptionId']} cancelled"
    _note(p["customerId"], InteractionType.NOTE, summary, at)
    db.session.add(
        RetentionFollowUp(
            customer_id=p["customerId"],
            subscription_id=p["subscriptionId"],
            reason=p.get("reason"),
            flagged_at=at,
        )
    )


@handles("PaymentMethodAdded")
def payment_method_added(p: dict) -> None:
    summary = f"Payment method added: {p['methodType']}"
    _note(p["customerId"], InteractionType.NOTE, summary, moment(p["addedAt"]))


@handles("ProductReviewed")
def product_reviewed(p: dict) -> None:
    summary = f"Reviewed {p['productId']} ({p['productCategory']}): {p['rating']}/5"
    _note(p["customerId"], InteractionType.REVIEW, summary, moment(p["reviewedAt"]))
    preference = db.session.get(CustomerPreference, p["customerId"]) or CustomerPreference(
        customer_id=p["customerId"], channels=[], dietary_preferences=[], special_dates=[]
    )
    interests = list(preference.product_interests or [])
    if p["productCategory"] not in interests:
        preference.product_interests = [*interests, p["productCategory"]]
        db.session.add(preference)


@handles("CustomerSupportTicketCreated")
def support_ticket_created(p: dict) -> None:
    summary = f"{p['ticketId']}: {p['subject']}"
    _note(p["customerId"], InteractionType.SUPPORT_TICKET, summary, moment(p["createdAt"]))


@handles("MarketingCampaignEngagement")
def campaign_engagement(p: dict) -> None:
    label = p["engagementType"].replace("_", " ").lower()
    summary = f"Campaign {p['campaignId']}: {label}"
    _note(p["customerId"], InteractionType.CAMPAIGN, summary, moment(p["engagedAt"]))


@handles("ProductAuthenticationScanned")
def product_authentication_scanned(p: dict) -> None:
    verdict = "genuine" if p["authentic"] else "NOT genuine"
    summary = f"Scanned {p['productId']}: {verdict}"
    _note(p["customerId"], InteractionType.AUTHENTICATION_SCAN, summary, moment(p["scannedAt"]))
