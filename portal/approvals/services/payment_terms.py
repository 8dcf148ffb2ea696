"""Payment terms must be approved by finance (customer domain): a change of a B2B customer's
terms becomes a request that staff holding approval:finance:decide decide; approval applies it
(services.effects)."""

from __future__ import annotations

from sqlalchemy import select

from portal.approvals.models import ApprovalRequest
from portal.approvals.rules import Group, Tier
from portal.approvals.services.requests import Draft, submit_staff_request
from portal.approvals.values import STAFF_SUBJECTS, Status, Subject
from portal.customers.models import Customer
from portal.customers.values import PAYMENT_TERMS
from portal.domain import DomainError, load
from portal.extensions import db
from portal.organizations.models import OrganizationNode
from portal.security.audit import CUSTOMER_NAME
from portal.security.models import User

FINANCE = STAFF_SUBJECTS[Subject.PAYMENT_TERMS.value]
FINANCE_CHAIN = (Tier(groups=(Group(staff_permission=FINANCE),)),)


def request_payment_terms(actor: User, customer_id: str, terms: str) -> ApprovalRequest:
    customer = load(Customer, customer_id, "customer")
    if not customer.customer_type.is_b2b:
        raise DomainError.on("payment_terms", "Only business customers have payment terms.")
    if terms not in PAYMENT_TERMS:
        raise DomainError.on("payment_terms", f"Choose one of {', '.join(PAYMENT_TERMS)}.")
    if terms == customer.payment_terms:
        raise DomainError.on("payment_terms", "These are already the customer's terms.")
    pending = db.session.scalar(
        select(ApprovalRequest.id).where(
            ApprovalRequest.subject == Subject.PAYMENT_TERMS.value,
            ApprovalRequest.status == Status.PENDING.value,
            ApprovalRequest.target["customer_id"].as_string() == customer.id,
        )
    )
    if pending:
        raise DomainError.on("payment_terms", "A change of these terms already waits for finance.")
    organization_id = db.session.scalar(
        select(OrganizationNode.id).where(OrganizationNode.customer_id == customer.id)
    )
    draft = Draft(
        Subject.PAYMENT_TERMS,
        f"Payment terms of {CUSTOMER_NAME}: {customer.payment_terms or 'none'} → {terms}",
        target={"customer_id": customer.id, "payment_terms": terms},
    )
    return submit_staff_request(actor, organization_id, draft, FINANCE_CHAIN)
