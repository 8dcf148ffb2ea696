"""Consent per purpose: each grant or withdrawal is a new record, never an edit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from portal.compliance.models import ConsentRecord
from portal.compliance.values import ConsentChannel, ConsentPurpose
from portal.customers.models import Customer
from portal.domain import DomainError, use_case
from portal.extensions import db
from portal.models import utcnow
from portal.security import audit
from portal.security.models import User


@use_case
def record_consent(
    actor: User,
    customer_id: str,
    purpose: ConsentPurpose,
    *,
    granted: bool,
    channel: ConsentChannel,
    notice_version: str,
) -> ConsentRecord:
    """Grant or withdraw in one step; withdrawing is exactly as easy as granting."""
    if db.session.get(Customer, customer_id) is None:
        raise DomainError.on("customer_id", "No customer has this id.")
    if not notice_version.strip():
        raise DomainError.on("notice_version", "Which version of the notice was shown?")
    record = ConsentRecord(
        customer_id=customer_id,
        purpose=purpose,
        granted=granted,
        at=utcnow(),
        channel=channel,
        notice_version=notice_version.strip(),
        recorded_by=actor.id,
    )
    db.session.add(record)
    audit.record(
        "consent.granted" if granted else "consent.withdrawn",
        user=actor,
        record_type="customer",
        record_id=customer_id,
        summary=f"{purpose.label}: {'granted' if granted else 'withdrawn'} ({channel.lower()})",
        details={"purpose": purpose, "notice_version": record.notice_version},
    )
    db.session.commit()
    return record


@dataclass(frozen=True)
class ConsentState:
    purpose: ConsentPurpose
    granted: bool | None  # None: never asked
    at: datetime | None
    channel: str | None
    notice_version: str | None


def consent_states(customer_id: str) -> list[ConsentState]:
    """The decision in force for each purpose: the latest record."""
    latest = (
        select(func.max(ConsentRecord.id))
        .where(ConsentRecord.customer_id == customer_id)
        .group_by(ConsentRecord.purpose)
    )
    records = {
        r.purpose: r
        for r in db.session.scalars(select(ConsentRecord).where(ConsentRecord.id.in_(latest)))
    }
    states = []
    for purpose in ConsentPurpose:
        found = records.get(purpose)
        states.append(
            ConsentState(
                purpose,
                found.granted if found else None,
                found.at if found else None,
                found.channel if found else None,
                found.notice_version if found else None,
            )
        )
    return states


def consent_history(customer_id: str) -> list[ConsentRecord]:
    return list(
        db.session.scalars(
            select(ConsentRecord)
            .where(ConsentRecord.customer_id == customer_id)
            .order_by(ConsentRecord.id.desc())
        )
    )
