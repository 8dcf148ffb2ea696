"""What the compliance use cases share: loading, the timeline, the audit entry."""

from __future__ import annotations

from datetime import date

from portal.compliance.deadlines import Deadlines, deadlines_for
from portal.compliance.models import DataSubjectRequest, RequestEvent
from portal.compliance.values import RequestStatus
from portal.domain import load
from portal.models import utcnow
from portal.security import audit
from portal.security.models import User


def load_request(request_id: str) -> DataSubjectRequest:
    return load(DataSubjectRequest, request_id, "request")


def deadlines_of(request: DataSubjectRequest) -> Deadlines:
    return deadlines_for(
        request.jurisdiction,
        request.request_type,
        request.received_at.date(),
        extended=request.extended_at is not None,
    )


def today() -> date:
    return utcnow().date()


def log(
    actor: User | None,
    request: DataSubjectRequest,
    kind: str,
    note: str = "",
    *,
    to: RequestStatus | None = None,
    details: dict | None = None,
) -> None:
    """A timeline line and its audit entry; moves the status when `to` is given.

    Notes are the officer's words about the handling; never copy the requester's personal data
    into them (the audit entry repeats only the kind and the statuses).
    """
    previous = request.status
    if to is not None:
        request.status = to
    request.events.append(
        RequestEvent(
            actor_id=actor.id if actor else None,
            actor_name=actor.name if actor else "system",
            kind=kind,
            from_status=previous if to is not None else None,
            to_status=to,
            note=note,
        )
    )
    summary = f"{kind}: {previous} → {to}" if to is not None else kind
    audit.record(
        f"dsar.{kind}",
        user=actor,
        actor=None if actor else "system",
        record_type="dsar_request",
        record_id=request.id,
        summary=summary,
        details={"customer_id": request.customer_id, **(details or {})},
    )
