"""The loyalty API for other contexts (the shop's checkout, the call centre): read a customer's
points and redeem them. A redemption locks the account's summary row, so two concurrent calls
never spend the same points; an Idempotency-Key makes a retry answer the first call."""

from __future__ import annotations

from flask import jsonify

from portal.api import bp
from portal.api.bodies import checked_body
from portal.api.tokens import record_reads, require_token
from portal.customers.models import Customer
from portal.domain import load
from portal.idempotency import once_per_key
from portal.loyalty import queries, services
from portal.loyalty.values import LoyaltyTier

SCOPE = "loyalty"


@bp.get("/customers/<customer_id>/loyalty")
@require_token(SCOPE)
def loyalty_read(customer_id: str):
    load(Customer, customer_id, "customer")
    view = queries.account_view(customer_id)
    account = view.account
    record_reads([customer_id], "Loyalty read through the API")
    return jsonify(
        {
            "customerId": customer_id,
            "tier": account.tier if account else LoyaltyTier.STANDARD,
            "available": view.available,
            "pending": view.pending,
            "owed": account.debt if account else 0,
            "tierQualifyingPoints": account.tier_points if account else 0,
            "expiringPoints": view.expiring.points if view.expiring else None,
            "expiringOn": view.expiring.on.isoformat() if view.expiring else None,
        }
    )


@bp.post("/customers/<customer_id>/loyalty/redemptions")
@require_token(SCOPE)
@once_per_key
def loyalty_redeem(customer_id: str):
    body = checked_body("LoyaltyRedemption")
    entry = services.redeem(None, customer_id, body["points"], body["redemptionType"])
    available = queries.account_view(customer_id).available
    return jsonify({"entryId": entry.id, "points": -entry.points, "available": available}), 201
