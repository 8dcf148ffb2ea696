"""Retention policies and their application: anonymize old interactions, purge long-closed
accounts, flag inactive ones for review, delete expired exports.

A customer with an open access or portability request is on hold: purges and anonymization skip
them until the request closes, so the export shows what was held when the person asked.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, func, select, update

from portal.compliance import erasure, export
from portal.compliance.locations import ERASED, ERASED_NAME
from portal.compliance.models import DataExport, DataSubjectRequest, RetentionPolicy, RetentionRun
from portal.compliance.values import (
    CLOSED_STATUSES,
    EXPORT_TYPES,
    CompletionStatus,
    DataCategory,
    ErasureScope,
    LegalBasis,
    RetentionRule,
)
from portal.customers.models import Customer, Interaction
from portal.customers.services.status import months_before
from portal.customers.values import CustomerStatus
from portal.events.outbox import SYSTEM, emit
from portal.extensions import db
from portal.models import new_uuid
from portal.security import audit
from portal.security.models import User

DESCRIPTIONS = {
    RetentionRule.ANONYMIZE_INTERACTIONS: "Anonymize interactions older than N months",
    RetentionRule.PURGE_CLOSED_ACCOUNTS: "Erase accounts closed for over N months",
    RetentionRule.FLAG_INACTIVE: "Flag accounts inactive for over N months for review",
    RetentionRule.DELETE_EXPIRED_EXPORTS: "Delete access exports N months after they expire",
}
# Until an officer saves a policy: destructive rules start disabled.
DEFAULTS = {
    RetentionRule.ANONYMIZE_INTERACTIONS: (36, False),
    RetentionRule.PURGE_CLOSED_ACCOUNTS: (24, False),
    RetentionRule.FLAG_INACTIVE: (24, True),
    RetentionRule.DELETE_EXPIRED_EXPORTS: (0, True),
}


@dataclass(frozen=True)
class Policy:
    rule: RetentionRule
    months: int
    enabled: bool

    @property
    def description(self) -> str:
        return DESCRIPTIONS[self.rule]


def policies() -> list[Policy]:
    saved = {p.rule: p for p in db.session.scalars(select(RetentionPolicy))}
    return [
        Policy(rule, saved[rule].months, saved[rule].enabled)
        if rule in saved
        else Policy(rule, *DEFAULTS[rule])
        for rule in RetentionRule
    ]


def save_policy(actor: User, rule: RetentionRule, months: int, enabled: bool, now) -> None:
    policy = db.session.get(RetentionPolicy, rule) or RetentionPolicy(rule=rule)
    policy.months, policy.enabled = months, enabled
    policy.updated_at, policy.updated_by = now, actor.id
    db.session.add(policy)
    audit.record(
        "retention.policy_saved",
        user=actor,
        record_type="retention_policy",
        record_id=rule,
        summary=f"{DESCRIPTIONS[rule]}: N={months}, {'on' if enabled else 'off'}",
    )
    db.session.commit()


def customers_on_hold():
    """Customers with an open access or portability request."""
    r = DataSubjectRequest
    return select(r.customer_id).where(
        r.request_type.in_(EXPORT_TYPES),
        r.status.not_in(CLOSED_STATUSES),
        r.customer_id.is_not(None),
    )


def _count(query) -> int:
    return db.session.scalar(select(func.count()).select_from(query.subquery()))


def _interactions(cutoff: datetime, dry_run: bool) -> dict:
    old = and_(Interaction.occurred_at < cutoff, Interaction.summary != ERASED)
    held = _count(
        select(Interaction.id).where(old, Interaction.customer_id.in_(customers_on_hold()))
    )
    due = and_(old, Interaction.customer_id.not_in(customers_on_hold()))
    count = _count(select(Interaction.id).where(due))
    if not dry_run:
        db.session.execute(
            update(Interaction)
            .where(due)
            .values(summary=ERASED, details="")
            .execution_options(synchronize_session=False)
        )
    return {"count": count, "skipped_on_hold": held}


def _closed_accounts(cutoff: datetime, dry_run: bool, run_id: str, now: datetime) -> dict:
    closed = and_(
        Customer.status == CustomerStatus.CLOSED,
        Customer.deactivated_at < cutoff,
        Customer.name != ERASED_NAME,
    )
    held = _count(select(Customer.id).where(closed, Customer.id.in_(customers_on_hold())))
    ids = list(
        db.session.scalars(
            select(Customer.id).where(closed, Customer.id.not_in(customers_on_hold()))
        )
    )
    if not dry_run:
        categories = list(DataCategory)
        for customer_id in ids:
            lines = erasure.erase(customer_id, categories, now)
            retained = any(line["action"] == "retained" for line in lines)
            event_id = new_uuid()
            emit(
                "CustomerDataPurgedByAdmin",
                customer_id,
                {
                    "eventId": event_id,
                    "timestamp": now.isoformat(),
                    "adminUserId": SYSTEM,
                    "customerId": customer_id,
                    "purgeType": ErasureScope.FULL.value,
                    "dataCategories": [c.value for c in categories],
                    "legalBasis": LegalBasis.INTERNAL_POLICY.value,
                    "retentionRecordId": run_id,
                    "completionStatus": (
                        CompletionStatus.PARTIAL if retained else CompletionStatus.SUCCESS
                    ).value,
                },
                actor=SYSTEM,
                event_id=event_id,
                occurred_at=now,
            )
    return {"count": len(ids), "skipped_on_hold": held}


def _inactive(cutoff: datetime, dry_run: bool, now: datetime) -> dict:
    dormant = and_(
        Customer.flagged_inactive_at.is_(None),
        Customer.status != CustomerStatus.CLOSED,
        func.coalesce(Customer.last_activity_at, Customer.created_at) < cutoff,
    )
    count = _count(select(Customer.id).where(dormant))
    if not dry_run:
        db.session.execute(
            update(Customer)
            .where(dormant)
            .values(flagged_inactive_at=now)
            .execution_options(synchronize_session=False)
        )
    return {"count": count, "skipped_on_hold": 0}


def _exports(cutoff: datetime, dry_run: bool, now: datetime) -> dict:
    expired = and_(DataExport.expires_at < cutoff, DataExport.deleted_at.is_(None))
    if dry_run:
        return {"count": _count(select(DataExport.id).where(expired)), "skipped_on_hold": 0}
    return {"count": export.delete_files(expired, now), "skipped_on_hold": 0}


# How long a dry run stands as the preview an officer applies from the page.
PREVIEW_LIFETIME = timedelta(hours=1)


def preview_current(run_id: int, now: datetime) -> bool:
    """Whether this dry run is still what applying would do: the latest run, recent, and no
    policy saved since."""
    latest = db.session.scalar(select(RetentionRun).order_by(RetentionRun.id.desc()).limit(1))
    if latest is None or latest.id != run_id or not latest.dry_run:
        return False
    if now - latest.at > PREVIEW_LIFETIME:
        return False
    saved_since = select(RetentionPolicy.rule).where(RetentionPolicy.updated_at > latest.at)
    return db.session.scalar(saved_since.limit(1)) is None


def apply_retention(now: datetime, *, dry_run: bool, actor: User | None = None) -> RetentionRun:
    """Apply every enabled policy (or only count, for a dry run); the run is stored and audited."""
    run = RetentionRun(at=now, actor=actor.id if actor else SYSTEM, dry_run=dry_run, report={})
    db.session.add(run)
    db.session.flush()
    run_id = f"retention-run-{run.id}"
    report: dict[str, dict] = {}
    for policy in policies():
        if not policy.enabled:
            report[policy.rule] = {"count": 0, "skipped_on_hold": 0, "disabled": True}
            continue
        cutoff = months_before(now, policy.months)
        if policy.rule is RetentionRule.ANONYMIZE_INTERACTIONS:
            report[policy.rule] = _interactions(cutoff, dry_run)
        elif policy.rule is RetentionRule.PURGE_CLOSED_ACCOUNTS:
            report[policy.rule] = _closed_accounts(cutoff, dry_run, run_id, now)
        elif policy.rule is RetentionRule.FLAG_INACTIVE:
            report[policy.rule] = _inactive(cutoff, dry_run, now)
        else:
            report[policy.rule] = _exports(cutoff, dry_run, now)
    run.report = report
    audit.record(
        "retention.dry_run" if dry_run else "retention.applied",
        user=actor,
        actor=None if actor else SYSTEM,
        record_type="retention_run",
        record_id=str(run.id),
        summary=", ".join(f"{rule}: {r['count']}" for rule, r in report.items()),
        details=report,
    )
    db.session.commit()
    return run
