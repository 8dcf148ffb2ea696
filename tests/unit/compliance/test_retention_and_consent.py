"""Retention runs (dry run, hold for open access requests, audit) and append-only consent."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from portal.compliance import services
from portal.compliance.models import ConsentIsAppendOnly, ConsentRecord, RetentionRun
from portal.compliance.retention import apply_retention, policies, save_policy
from portal.compliance.services import NewRequest
from portal.compliance.services.consent import consent_states, record_consent
from portal.compliance.values import (
    Channel,
    ConsentChannel,
    ConsentPurpose,
    Jurisdiction,
    RequestType,
    RetentionRule,
)
from portal.customers.models import Customer, Interaction
from portal.customers.values import CustomerStatus
from portal.extensions import db
from portal.models import utcnow
from portal.security.models import AuditEntry
from tests.factories import events


def _age(customer_id: str, days: int) -> None:
    old = utcnow() - timedelta(days=days)
    db.session.execute(
        update(Interaction).where(Interaction.customer_id == customer_id).values(occurred_at=old)
    )
    db.session.execute(
        update(Customer)
        .where(Customer.id == customer_id)
        .values(status=CustomerStatus.CLOSED, deactivated_at=old)
    )
    db.session.commit()


def _enable_all(officer) -> None:
    for policy in policies():
        save_policy(officer, policy.rule, policy.months, True, utcnow())


def test_dry_run_counts_changes_nothing_and_is_recorded(officer, everywhere):
    _age(everywhere.id, 4 * 365)
    _enable_all(officer)
    run = apply_retention(utcnow(), dry_run=True, actor=officer)
    assert run.report[RetentionRule.ANONYMIZE_INTERACTIONS]["count"] == 1
    assert run.report[RetentionRule.PURGE_CLOSED_ACCOUNTS]["count"] == 1
    assert db.session.get(Customer, everywhere.id).name == everywhere.name
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "retention.dry_run"))
    assert entry.one().record_id == str(run.id)


def test_purge_of_long_closed_accounts_skips_customers_on_hold(officer, everywhere):
    _age(everywhere.id, 4 * 365)
    _enable_all(officer)
    access = services.receive_request(
        officer,
        NewRequest(
            RequestType.ACCESS,
            Jurisdiction.CCPA,
            Channel.WEB_FORM,
            utcnow(),
            "Requester",
            customer_id=everywhere.id,
        ),
    )
    held = apply_retention(utcnow(), dry_run=False)
    assert held.report[RetentionRule.PURGE_CLOSED_ACCOUNTS] == {"count": 0, "skipped_on_hold": 1}
    assert held.report[RetentionRule.ANONYMIZE_INTERACTIONS]["skipped_on_hold"] == 1
    assert db.session.get(Customer, everywhere.id).email == everywhere.email

    services.deny(officer, access.id, "Duplicate of an answered request")
    purged = apply_retention(utcnow(), dry_run=False)
    assert purged.report[RetentionRule.PURGE_CLOSED_ACCOUNTS]["count"] == 1
    db.session.expire_all()
    assert db.session.get(Customer, everywhere.id).email is None
    (event,) = events("CustomerDataPurgedByAdmin")
    assert event.payload["legalBasis"] == "INTERNAL_POLICY"
    assert event.payload["retentionRecordId"] == f"retention-run-{purged.id}"
    assert db.session.scalar(select(RetentionRun.id).where(RetentionRun.dry_run.is_(False)))


def test_disabled_policies_do_nothing(officer, everywhere):
    _age(everywhere.id, 4 * 365)
    run = apply_retention(utcnow(), dry_run=False)
    assert run.report[RetentionRule.PURGE_CLOSED_ACCOUNTS]["disabled"] is True
    assert db.session.get(Customer, everywhere.id).name == everywhere.name


def test_consent_is_granted_and_withdrawn_by_new_records_only(officer, customer):
    def decide(granted: bool) -> ConsentRecord:
        return record_consent(
            officer,
            customer.id,
            ConsentPurpose.MARKETING_SMS,
            granted=granted,
            channel=ConsentChannel.PHONE,
            notice_version="2026-02",
        )

    decide(True)
    withdrawn = decide(False)
    states = {s.purpose: s for s in consent_states(customer.id)}
    assert states[ConsentPurpose.MARKETING_SMS].granted is False
    assert states[ConsentPurpose.PROFILING].granted is None
    withdrawn.granted = True
    with pytest.raises(ConsentIsAppendOnly):
        db.session.flush()
    db.session.rollback()
    assert len(db.session.scalars(select(ConsentRecord)).all()) == 2


def test_apply_retention_command_prints_what_would_change(runner, everywhere):
    _age(everywhere.id, 4 * 365)
    result = runner.invoke(args=["compliance", "apply-retention", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "Erase accounts closed for over N months: disabled" in result.output
    assert "Flag accounts inactive for over N months for review: would change 0" in result.output
    assert db.session.get(Customer, everywhere.id).name == everywhere.name
