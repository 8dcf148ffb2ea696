"""`flask approvals escalate` with a controlled clock: reminders before the deadline, the same
role one level up after it, or expiry when the rule says so."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from portal.approvals import services
from portal.approvals.values import DeadlineUnit, Decision, Status
from portal.extensions import db
from tests.factories import events
from tests.unit.approvals.factories import po, po_rule, roles, tier
from tests.unit.organizations.factories import external

MONDAY_9 = datetime(2026, 11, 30, 9, tzinfo=UTC)


class Recorder:
    def __init__(self):
        self.reminders, self.escalations = [], []

    def remind(self, *, emails, request_id, description, due):
        self.reminders.append(emails)

    def escalated(self, *, emails, request_id, description):
        self.escalations.append(emails)


@pytest.fixture
def notifier():
    return Recorder()


@pytest.fixture
def miami_approver(org):
    return external(org["miami"], "Approver", "miami.approver@grill.example")


def submit_with_deadline(staff, org, people, hours=4, **fields):
    po_rule(
        staff,
        org["east"],
        tier(roles(org["root"], "Approver"), deadline=hours, unit=DeadlineUnit.WORKING_HOURS),
        **fields,
    )
    return services.submit(people["buyer"], org["miami"].id, po(750_000), rates={}, now=MONDAY_9)


def test_nothing_happens_before_three_quarters_of_the_time(staff, org, people, notifier):
    submit_with_deadline(staff, org, people)
    outcome = services.escalate(MONDAY_9 + timedelta(hours=2, minutes=59), notifier)
    assert (outcome.reminded, outcome.escalated, notifier.reminders) == (0, 0, [])


def test_a_reminder_goes_once_to_whom_the_tier_waits_on(
    staff, org, people, miami_approver, notifier
):
    request = submit_with_deadline(staff, org, people)
    assert services.escalate(MONDAY_9 + timedelta(hours=3), notifier).reminded == 1
    assert services.escalate(MONDAY_9 + timedelta(hours=3, minutes=30), notifier).reminded == 0
    assert notifier.reminders == [["miami.approver@grill.example"]]
    db.session.refresh(request)
    assert request.reminded_at == MONDAY_9 + timedelta(hours=3)


def test_overdue_asks_the_same_role_one_level_up(staff, org, people, miami_approver, notifier):
    request = submit_with_deadline(staff, org, people)
    outcome = services.escalate(MONDAY_9 + timedelta(hours=4), notifier)
    assert outcome.escalated == 1
    assert notifier.escalations == [["approver2@grill.example", "approver@grill.example"]]
    db.session.refresh(request)
    assert (request.status, request.escalation_level) == (Status.PENDING, 1)
    assert request.tier_due_at == MONDAY_9 + timedelta(hours=8)
    # The division's approver now decides the Miami request.
    decided = services.decide(
        people["approver"], request.id, Decision.APPROVE, "", round_=1, tier=0
    )
    assert decided.status == Status.APPROVED


def test_with_nobody_above_the_escalation_says_so(staff, org, people, notifier):
    submit_with_deadline(staff, org, people)  # the approvers hold the role at East, the top
    assert services.escalate(MONDAY_9 + timedelta(hours=5), notifier).escalated == 1
    assert notifier.escalations == []


def test_overdue_expires_when_the_rule_says_so(staff, org, people, notifier):
    request = submit_with_deadline(staff, org, people, expire_when_overdue=True)
    assert services.escalate(MONDAY_9 + timedelta(hours=4), notifier).expired == 1
    db.session.refresh(request)
    assert request.status == Status.EXPIRED
    assert events("ApprovalCompleted")[-1].payload["outcome"] == "EXPIRED"


def test_the_command_runs_the_pass(runner, staff, org, people):
    submit_with_deadline(staff, org, people, hours=1)
    result = runner.invoke(args=["approvals", "escalate", "--now", "2026-12-01T09:00:00+00:00"])
    assert result.exit_code == 0, result.output
    assert "0 reminded, 1 escalated, 0 expired" in result.output
