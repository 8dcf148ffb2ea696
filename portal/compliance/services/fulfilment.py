"""Doing what was asked: erasure (with a second officer's approval for FULL and the officer's
password) and access/portability exports."""

from __future__ import annotations

from sqlalchemy import select

from portal.compliance import erasure, export
from portal.compliance.models import DataExport, DataSubjectRequest
from portal.compliance.rules import transition_error
from portal.compliance.services._common import load_request, log
from portal.compliance.values import (
    EXPORT_TYPES,
    CompletionStatus,
    DataCategory,
    ErasureScope,
    RequestStatus,
    RequestType,
)
from portal.domain import NON_FIELD, DomainError, NotFound, use_case
from portal.events.outbox import emit
from portal.extensions import db
from portal.models import new_uuid, utcnow
from portal.security.models import User
from portal.security.passwords import verify_password


def _workable(request: DataSubjectRequest, *types: RequestType) -> None:
    if request.request_type not in types:
        raise DomainError.on(NON_FIELD, f"This is a {request.request_type.label} request.")
    if request.verified_at is None:
        raise DomainError.on(NON_FIELD, "Verify the requester's identity first.")
    if request.customer_id is None:
        raise DomainError.on(NON_FIELD, "Match the request to a customer first.")
    if request.status not in (RequestStatus.IN_PROGRESS, RequestStatus.EXTENDED):
        raise DomainError.on(NON_FIELD, f"The request is {request.status.label.lower()}.")


@use_case
def plan_erasure(
    actor: User, request_id: str, scope: ErasureScope, categories: list[DataCategory]
) -> DataSubjectRequest:
    """Fix what will be erased. FULL then waits for a second officer's approval."""
    request = load_request(request_id)
    _workable(request, RequestType.ERASURE)
    if scope is ErasureScope.PARTIAL and not categories:
        raise DomainError.on("categories", "Choose the data categories to erase.")
    request.erasure_scope = scope
    request.erasure_categories = (
        [c.value for c in DataCategory]
        if scope is ErasureScope.FULL
        else [c.value for c in categories]
    )
    request.approval_requested_by = actor.id
    request.approved_by = request.approved_at = None
    to = RequestStatus.AWAITING_APPROVAL if scope is ErasureScope.FULL else None
    log(
        actor,
        request,
        "erasure_planned",
        f"{scope} erasure of {', '.join(request.erasure_categories)}",
        to=to,
    )
    db.session.commit()
    return request


@use_case
def approve_erasure(actor: User, request_id: str) -> DataSubjectRequest:
    """The second officer's approval of a FULL erasure (never the officer who planned it)."""
    request = load_request(request_id)
    if request.status is not RequestStatus.AWAITING_APPROVAL:
        raise DomainError.on(NON_FIELD, "Nothing is awaiting approval.")
    if actor.id == request.approval_requested_by:
        raise DomainError.on(NON_FIELD, "A second officer must approve, not the planner.")
    request.approved_by = actor.id
    request.approved_at = utcnow()
    log(actor, request, "erasure_approved", "Full erasure approved", to=RequestStatus.IN_PROGRESS)
    db.session.commit()
    return request


def _reauthenticated(actor: User, password: str) -> None:
    if actor.password_hash is None:
        raise DomainError.on(
            "password", "Your account signs in by SSO; sign in again through SSO to confirm."
        )
    if not verify_password(actor.password_hash, password):
        raise DomainError.on("password", "That is not your password.")


@use_case
def execute_erasure(actor: User, request_id: str, password: str) -> DataSubjectRequest:
    """Erase the planned categories everywhere, write the receipt and the outbox event."""
    request = load_request(request_id)
    _workable(request, RequestType.ERASURE)
    _reauthenticated(actor, password)
    if request.erasure_scope is None:
        raise DomainError.on(NON_FIELD, "Plan the erasure first.")
    if request.erasure_scope is ErasureScope.FULL and request.approved_by in (None, actor.id):
        raise DomainError.on(NON_FIELD, "A full erasure needs a second officer's approval.")
    if error := transition_error(request.status, RequestStatus.COMPLETED, True):
        raise DomainError.on(NON_FIELD, error)

    now = utcnow()
    categories = [DataCategory(c) for c in request.erasure_categories]
    lines = erasure.erase(request.customer_id, categories, now)
    files = export.delete_files(DataExport.customer_id == request.customer_id, now)
    retained = any(line["action"] == "retained" for line in lines)
    status = CompletionStatus.PARTIAL if retained else CompletionStatus.SUCCESS
    event_id = new_uuid()
    request.receipt = {
        "requestId": request.id,
        "customerId": request.customer_id,
        "purgeType": request.erasure_scope.value,
        "dataCategories": request.erasure_categories,
        "legalBasis": request.legal_basis.value,
        "executedAt": now.isoformat(),
        "executedBy": actor.id,
        "approvedBy": request.approved_by,
        "completionStatus": status.value,
        "exportFilesDeleted": files,
        "lines": lines,
    }
    request.completion_status = status
    request.completed_at = now
    emit(
        "CustomerDataPurgedByAdmin",
        request.customer_id,
        {
            "eventId": event_id,
            "timestamp": now.isoformat(),
            "adminUserId": actor.id,
            "customerId": request.customer_id,
            "purgeType": request.erasure_scope.value,
            "dataCategories": request.erasure_categories,
            "legalBasis": request.legal_basis.value,
            "retentionRecordId": request.id,
            "completionStatus": status.value,
        },
        actor=actor.id,
        event_id=event_id,
        occurred_at=now,
    )
    log(
        actor,
        request,
        "erasure_executed",
        f"{request.erasure_scope} erasure: {status}",
        to=RequestStatus.COMPLETED,
        details={"completion": status.value, "lines": len(lines)},
    )
    db.session.commit()
    db.session.expire_all()  # the erasure rewrote rows behind the session's back
    return request


@use_case
def create_export(actor: User, request_id: str) -> DataExport:
    """Write the access/portability ZIP; it can be downloaded until it expires."""
    request = load_request(request_id)
    _workable(request, *EXPORT_TYPES)
    now = utcnow()
    made = export.write_export(request.id, request.customer_id, actor.id, now)
    log(actor, request, "export_created", f"Export ready until {made.expires_at:%Y-%m-%d}")
    db.session.commit()
    return made


@use_case
def complete(actor: User, request_id: str, note: str) -> DataSubjectRequest:
    """Close a request that needed no erasure: the answer was sent or the change made."""
    request = load_request(request_id)
    if request.request_type is RequestType.ERASURE:
        raise DomainError.on(NON_FIELD, "An erasure completes when it is executed.")
    if error := transition_error(
        request.status, RequestStatus.COMPLETED, request.verified_at is not None
    ):
        raise DomainError.on(NON_FIELD, error)
    if request.request_type in EXPORT_TYPES and not db.session.scalar(
        select(DataExport.id).where(DataExport.request_id == request.id).limit(1)
    ):
        raise DomainError.on(NON_FIELD, "Create the export before completing.")
    request.completion_status = CompletionStatus.SUCCESS
    request.completed_at = utcnow()
    log(actor, request, "completed", note.strip(), to=RequestStatus.COMPLETED)
    db.session.commit()
    return request


@use_case
def record_download(actor: User, export_id: str) -> DataExport:
    """Count and audit a download; an expired or erased export is NotFound (→ 404)."""
    found = db.session.get(DataExport, export_id)
    if found is None or found.deleted_at is not None or found.expires_at < utcnow():
        raise NotFound("export")
    found.downloads += 1
    log(actor, load_request(found.request_id), "export_downloaded", found.file_name)
    db.session.commit()
    return found
