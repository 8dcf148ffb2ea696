"""Compliance reports: requests and on-time rate, consent rates, data quality, who viewed whom,
and the 24-month record of requests (CCPA §7101). Each report is a list of flat rows, so the
page and its CSV export share one query."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, time

from sqlalchemy import case, func, select

from portal.compliance.deadlines import add_months, deadlines_for
from portal.compliance.models import ConsentRecord, DataSubjectRequest
from portal.compliance.values import CLOSED_STATUSES, ConsentPurpose
from portal.customers import rollups as customer_rollups
from portal.extensions import db
from portal.security.models import AuditEntry

RECORD_MONTHS = 24


def request_record(today: date) -> list[dict]:
    """Every request of the last 24 months with dates, type, channel, response, denial reason."""
    r = DataSubjectRequest
    since = datetime.combine(add_months(today, -RECORD_MONTHS), time(), tzinfo=UTC)
    rows = db.session.execute(
        select(
            r.id,
            r.received_at,
            r.request_type,
            r.jurisdiction,
            r.channel,
            r.status,
            r.extended_at,
            r.completed_at,
            r.completion_status,
            r.denial_reason,
        )
        .where(r.received_at >= since)
        .order_by(r.received_at.desc())
    )
    record = []
    for row in rows:
        due = deadlines_for(
            row.jurisdiction,
            row.request_type,
            row.received_at.date(),
            extended=bool(row.extended_at),
        ).legal_due
        closed = row.status in CLOSED_STATUSES and row.completed_at is not None
        record.append(
            {
                "id": row.id,
                "received": row.received_at.date().isoformat(),
                "type": row.request_type.value,
                "jurisdiction": row.jurisdiction.value,
                "channel": row.channel.value,
                "status": row.status.value,
                "extended": bool(row.extended_at),
                "legal_due": due.isoformat(),
                "responded": row.completed_at.date().isoformat() if row.completed_at else "",
                "response": row.completion_status.value if row.completion_status else "",
                "denial_reason": row.denial_reason or "",
                "on_time": (row.completed_at.date() <= due) if closed else "",
            }
        )
    return record


@dataclass(frozen=True)
class Breakdown:
    key: str
    count: int
    answered: int
    on_time: int

    @property
    def on_time_rate(self) -> str:
        return f"{100 * self.on_time / self.answered:.0f}%" if self.answered else "—"


def breakdown(record: list[dict], field: str) -> list[Breakdown]:
    counts = Counter(row[field] for row in record)
    answered = Counter(row[field] for row in record if row["on_time"] != "")
    on_time = Counter(row[field] for row in record if row["on_time"] is True)
    return [Breakdown(k, counts[k], answered[k], on_time[k]) for k in sorted(counts)]


def monthly(record: list[dict], today: date, months: int = 12) -> list[tuple[str, int]]:
    counts = Counter(row["received"][:7] for row in record)
    keys = [add_months(today.replace(day=1), -i).strftime("%Y-%m") for i in range(months)][::-1]
    return [(k, counts.get(k, 0)) for k in keys]


def consent_rates() -> list[dict]:
    latest = select(func.max(ConsentRecord.id)).group_by(
        ConsentRecord.customer_id, ConsentRecord.purpose
    )
    rows = {
        purpose: (total, granted)
        for purpose, total, granted in db.session.execute(
            select(
                ConsentRecord.purpose,
                func.count(),
                func.sum(case((ConsentRecord.granted, 1), else_=0)),
            )
            .where(ConsentRecord.id.in_(latest))
            .group_by(ConsentRecord.purpose)
        )
    }
    report = []
    for purpose in ConsentPurpose:
        total, granted = rows.get(purpose, (0, 0))
        report.append(
            {
                "purpose": purpose.label,
                "customers_asked": total,
                "granted": int(granted or 0),
                "rate": f"{100 * int(granted or 0) / total:.0f}%" if total else "—",
            }
        )
    return report


def data_quality() -> list[dict]:
    """Completeness of the required contact fields and addresses, by customer type: the sums
    portal.customers.rollups keeps, not a scan of every customer."""

    def share(count: int, total: int) -> str:
        return f"{100 * count / total:.0f}%"

    return [
        {
            "customer_type": row.customer_type.value,
            "customers": row.customers,
            "with_email": share(row.email, row.customers),
            "with_phone": share(row.phone, row.customers),
            "with_address": share(row.address, row.customers),
            "unverified_addresses": row.unverified_addresses,
        }
        for row in customer_rollups.completeness_by_type()
        if row.customers
    ]


def access_log(customer_id: str = "", user: str = "", limit: int = 200) -> list[dict]:
    """Staff access to customer data: "who viewed customer X", "what did user Y view"."""
    query = (
        select(AuditEntry.at, AuditEntry.actor, AuditEntry.action, AuditEntry.record_id)
        .where(AuditEntry.record_type == "customer")
        .order_by(AuditEntry.id.desc())
        .limit(limit)
    )
    if customer_id:
        query = query.where(AuditEntry.record_id == customer_id.strip())
    if user:
        query = query.where(AuditEntry.actor.contains(user.strip().lower(), autoescape=True))
    return [
        {"at": at, "user": actor, "action": action, "customer_id": record_id}
        for at, actor, action, record_id in db.session.execute(query)
    ]
