"""Read models of the compliance pages: the request dashboard and one request's page."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import Select, case, func, literal, select

from portal.compliance.deadlines import Deadlines, deadlines_for, due_label
from portal.compliance.models import ConsentRecord, DataExport, DataSubjectRequest, RetentionRun
from portal.compliance.values import (
    CLOSED_STATUSES,
    Jurisdiction,
    RequestStatus,
    RequestType,
)
from portal.customers import journey
from portal.customers.models import RetentionFollowUp
from portal.extensions import db
from portal.labels import label
from portal.security.models import User


@dataclass(frozen=True)
class RequestRow:
    id: str
    requester_name: str
    customer_id: str | None
    request_type: RequestType
    jurisdiction: Jurisdiction
    status: RequestStatus
    received_at: datetime
    deadlines: Deadlines
    today: date

    @property
    def due(self) -> date:
        return self.deadlines.due

    @property
    def overdue(self) -> bool:
        return self.due < self.today

    @property
    def due_label(self) -> str:
        return due_label(self.due, self.today)


def open_requests(today: date) -> list[RequestRow]:
    """Open requests, overdue first, then by due date (deadlines depend on the jurisdiction,
    so they are computed here; open requests number in the hundreds, not millions)."""
    r = DataSubjectRequest
    rows = db.session.execute(
        select(
            r.id,
            r.requester_name,
            r.customer_id,
            r.request_type,
            r.jurisdiction,
            r.status,
            r.received_at,
            r.extended_at,
        ).where(r.status.not_in(CLOSED_STATUSES))
    )
    found = [
        RequestRow(
            row.id,
            row.requester_name,
            row.customer_id,
            row.request_type,
            row.jurisdiction,
            row.status,
            row.received_at,
            deadlines_for(
                row.jurisdiction,
                row.request_type,
                row.received_at.date(),
                extended=row.extended_at is not None,
            ),
            today,
        )
        for row in rows
    ]
    return sorted(found, key=lambda row: (not row.overdue, row.due, row.received_at))


# The request list's `due` filter: what a compliance officer's home counts.
DUE_FILTERS = {"overdue": "Overdue", "week": "Due within 7 days"}


def due_within(row: RequestRow, due: str) -> bool:
    if due == "overdue":
        return row.overdue
    return not row.overdue and row.due <= row.today + timedelta(days=6)


def filtered_requests(today: date, due: str = "", status: str = "") -> list[RequestRow]:
    """Open requests, narrowed to a deadline window and a status (both optional)."""
    return [
        row
        for row in open_requests(today)
        if (not due or due_within(row, due)) and (not status or row.status == status)
    ]


def open_retention_follow_ups() -> int:
    return (
        db.session.scalar(
            select(func.count())
            .select_from(RetentionFollowUp)
            .where(RetentionFollowUp.done_at.is_(None))
        )
        or 0
    )


def status_counts() -> dict[RequestStatus, int]:
    r = DataSubjectRequest
    counts = dict(db.session.execute(select(r.status, func.count()).group_by(r.status)).all())
    return {status: counts.get(status, 0) for status in RequestStatus}


def exports_of(request_id: str) -> list[DataExport]:
    return list(
        db.session.scalars(
            select(DataExport)
            .where(DataExport.request_id == request_id)
            .order_by(DataExport.created_at.desc())
        )
    )


def staff_names(ids) -> dict[str, str]:
    wanted = {i for i in ids if i}
    if not wanted:
        return {}
    return dict(db.session.execute(select(User.id, User.name).where(User.id.in_(wanted))).all())


def recent_retention_runs(limit: int = 20) -> list[RetentionRun]:
    return list(
        db.session.scalars(select(RetentionRun).order_by(RetentionRun.id.desc()).limit(limit))
    )


def open_requests_of(customer_id: str) -> list:
    """The customer's open requests, for the profile's overview (one index range)."""
    r = DataSubjectRequest
    return list(
        db.session.execute(
            select(r.id, r.request_type, r.status, r.received_at)
            .where(r.customer_id == customer_id, r.status.not_in(CLOSED_STATUSES))
            .order_by(r.received_at)
        )
    )


# Consent decisions are touchpoints of the customer's journey (portal.customers.journey).
@journey.source("consent", "Consent change", titled=label, detailed=label)
def _consent_touchpoints(customer_id: str) -> Select:
    c = ConsentRecord
    return select(
        c.at.label("at"),
        c.id.label("ref"),
        c.purpose.label("title"),
        case((c.granted, literal("GIVEN")), else_=literal("WITHDRAWN")).label("detail"),
        *journey.no_amount(),
    ).where(c.customer_id == customer_id)
