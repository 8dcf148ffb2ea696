"""What an approval changes once the last tier approves. Purchase orders change nothing here:
the Procurement system reads the decision (API) or the ApprovalCompleted event."""

from __future__ import annotations

from portal.approvals.models import ApprovalRequest
from portal.approvals.values import Subject
from portal.customers.models import Customer
from portal.events.outbox import SYSTEM, emit
from portal.extensions import db
from portal.security import audit
from portal.security.models import User


def _payment_terms(actor: User | None, request: ApprovalRequest) -> None:
    customer = db.session.get(Customer, request.target["customer_id"])
    previous, new = customer.payment_terms, request.target["payment_terms"]
    customer.payment_terms = new
    audit.record(
        "customer.update",
        user=actor,
        actor=None if actor else SYSTEM,
        record_type="customer",
        record_id=customer.id,
        summary=f"Payment terms {previous or 'none'} → {new}, approved by finance",
        details={"fields": ["payment_terms"], "approval_request": request.id},
    )
    emit(
        "CustomerUpdated",
        customer.id,
        {
            "customerId": customer.id,
            "modifiedFields": ["paymentTerms"],
            "previousValues": {"paymentTerms": previous},
            "newValues": {"paymentTerms": new},
        },
        actor=actor.id if actor else SYSTEM,
    )


EFFECTS = {Subject.PAYMENT_TERMS.value: _payment_terms}


def apply_effect(actor: User | None, request: ApprovalRequest) -> None:
    effect = EFFECTS.get(request.subject)
    if effect is not None:
        effect(actor, request)
