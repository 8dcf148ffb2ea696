"""Data-subject requests from intake to decision: receive, verify, move, deny, extend."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from portal.compliance.deadlines import can_extend
from portal.compliance.models import DataSubjectRequest
from portal.compliance.rules import SPECIAL, legal_basis_for, transition_error
from portal.compliance.services._common import deadlines_of, load_request, log, today
from portal.compliance.values import (
    CLOSED_STATUSES,
    Channel,
    Jurisdiction,
    RequestStatus,
    RequestType,
)
from portal.customers.models import Customer
from portal.domain import NON_FIELD, DomainError, use_case
from portal.extensions import db
from portal.formatting import format_date
from portal.models import utcnow
from portal.security.models import User


@dataclass(frozen=True)
class NewRequest:
    request_type: RequestType
    jurisdiction: Jurisdiction
    channel: Channel
    received_at: datetime
    requester_name: str
    requester_email: str | None = None
    requester_phone: str | None = None
    customer_id: str | None = None
    description: str = ""


def _check_customer(customer_id: str | None) -> None:
    if customer_id and db.session.get(Customer, customer_id) is None:
        raise DomainError.on("customer_id", "No customer has this id.")


@use_case
def receive_request(actor: User, new: NewRequest) -> DataSubjectRequest:
    """Record a request as received; the legal clock runs from `received_at`."""
    if new.received_at > utcnow():
        raise DomainError.on("received_at", "A request cannot be received in the future.")
    if not new.requester_name.strip():
        raise DomainError.on("requester_name", "Who made the request?")
    _check_customer(new.customer_id)
    request = DataSubjectRequest(
        customer_id=new.customer_id or None,
        requester_name=new.requester_name.strip(),
        requester_email=new.requester_email or None,
        requester_phone=new.requester_phone or None,
        request_type=new.request_type,
        jurisdiction=new.jurisdiction,
        channel=new.channel,
        status=RequestStatus.RECEIVED,
        description=new.description,
        received_at=new.received_at,
        created_by=actor.id,
        legal_basis=legal_basis_for(new.jurisdiction),
        erasure_categories=[],
    )
    db.session.add(request)
    db.session.flush()
    log(
        actor,
        request,
        "received",
        f"{new.request_type.label} request under {new.jurisdiction} by {new.channel.lower()}",
        details={"type": new.request_type, "jurisdiction": new.jurisdiction},
    )
    db.session.commit()
    return request


def _open(request: DataSubjectRequest) -> None:
    if request.status in CLOSED_STATUSES:
        raise DomainError.on(NON_FIELD, f"The request is {request.status.label.lower()}.")


@use_case
def verify_identity(
    actor: User, request_id: str, method: str, evidence: str, customer_id: str | None = None
) -> DataSubjectRequest:
    """Record how the requester proved who they are; the request then goes in progress."""
    request = load_request(request_id)
    _open(request)
    if not method.strip():
        raise DomainError.on("method", "Say how the identity was verified.")
    if not evidence.strip():
        raise DomainError.on("evidence", "Describe the evidence seen.")
    _check_customer(customer_id)
    if customer_id:
        request.customer_id = customer_id
    request.verified_at = utcnow()
    request.verified_by = actor.id
    request.verification_method = method.strip()
    request.verification_evidence = evidence.strip()
    to = RequestStatus.IN_PROGRESS if request.status in _BEFORE_WORK else None
    log(actor, request, "verified", f"Identity verified by {method.strip()}", to=to)
    db.session.commit()
    return request


_BEFORE_WORK = frozenset({RequestStatus.RECEIVED, RequestStatus.VERIFYING})


@use_case
def change_status(
    actor: User, request_id: str, new: RequestStatus, note: str = ""
) -> DataSubjectRequest:
    """The plain moves (verifying, in progress, on hold, cancelled); others have their own."""
    request = load_request(request_id)
    if new in SPECIAL:
        raise DomainError.on("status", f"Use the {new.label.lower()} action instead.")
    if error := transition_error(request.status, new, request.verified_at is not None):
        raise DomainError.on("status", error)
    log(actor, request, "status_changed", note.strip(), to=new)
    db.session.commit()
    return request


@use_case
def acknowledge(actor: User, request_id: str) -> DataSubjectRequest:
    """Record that receipt was confirmed to the requester (CCPA: within 10 business days)."""
    request = load_request(request_id)
    _open(request)
    if request.acknowledged_at is not None:
        raise DomainError.on(NON_FIELD, "Receipt was already acknowledged.")
    request.acknowledged_at = utcnow()
    log(actor, request, "acknowledged", "Receipt confirmed to the requester")
    db.session.commit()
    return request


@use_case
def deny(actor: User, request_id: str, reason: str) -> DataSubjectRequest:
    """Refuse the request; the reason is required and is what the reply tells the person."""
    request = load_request(request_id)
    if not reason.strip():
        raise DomainError.on("reason", "Give the reason for the denial; the reply needs it.")
    if error := transition_error(request.status, RequestStatus.DENIED, True):
        raise DomainError.on(NON_FIELD, error)
    request.denial_reason = reason.strip()
    request.completed_at = utcnow()
    log(actor, request, "denied", reason.strip(), to=RequestStatus.DENIED)
    db.session.commit()
    return request


@use_case
def extend(actor: User, request_id: str, reason: str) -> DataSubjectRequest:
    """Extend the deadline once, with a reason, before the first period ends (GDPR Art. 12(3),
    CCPA §7021(b))."""
    request = load_request(request_id)
    _open(request)
    if not can_extend(request.jurisdiction):
        raise DomainError.on(NON_FIELD, "Internal-policy requests cannot be extended.")
    if request.extended_at is not None:
        raise DomainError.on(NON_FIELD, "The deadline was already extended once.")
    limit = deadlines_of(request).extension_deadline
    if limit is not None and today() > limit:
        raise DomainError.on(NON_FIELD, f"An extension had to be decided by {format_date(limit)}.")
    if not reason.strip():
        raise DomainError.on("reason", "Give the reason for the extension.")
    if error := transition_error(request.status, RequestStatus.EXTENDED, True):
        raise DomainError.on(NON_FIELD, error)
    request.extended_at = utcnow()
    request.extension_reason = reason.strip()
    due = deadlines_of(request).legal_due
    log(
        actor,
        request,
        "extended",
        f"{reason.strip()} (now due {format_date(due)})",
        to=RequestStatus.EXTENDED,
    )
    db.session.commit()
    return request
