"""What an approval changes once the last tier approves. Purchase orders change nothing here:
the Procurement system reads the decision (API) or the ApprovalCompleted event."""

from __future__ import annotations

from portal.approvals.models import ApprovalRequest
from portal.approvals.values import Subject
from portal.customers.services import apply_approved_payment_terms
from portal.security.models import User


def _payment_terms(actor: User | None, request: ApprovalRequest) -> None:
    target = request.target
    apply_approved_payment_terms(actor, target["customer_id"], target["payment_terms"], request.id)


EFFECTS = {Subject.PAYMENT_TERMS.value: _payment_terms}


def apply_effect(actor: User | None, request: ApprovalRequest) -> None:
    effect = EFFECTS.get(request.subject)
    if effect is not None:
        effect(actor, request)
