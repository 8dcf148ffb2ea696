"""Vocabulary of approvals: subjects, request states, the steps of a request's history."""

from __future__ import annotations

from portal.labels import Labelled


class Subject(Labelled):
    """What needs approval; a new kind is one member here and, if it changes something when
    approved, one effect in services.requests."""

    PURCHASE_ORDER = "PURCHASE_ORDER", "Purchase order"
    PAYMENT_TERMS = "PAYMENT_TERMS", "Payment-terms change"
    CREDIT_LIMIT = "CREDIT_LIMIT", "Credit-limit change"
    PRIVILEGED_ROLE = "PRIVILEGED_ROLE", "Granting a privileged role"


class Status(Labelled):
    PENDING = "PENDING"
    APPROVED = "APPROVED"
    REJECTED = "REJECTED"
    CHANGES_REQUESTED = "CHANGES_REQUESTED"
    CANCELLED = "CANCELLED"
    EXPIRED = "EXPIRED"


class Decision(Labelled):
    # Labelled as the outcome, as the request's history reads (Action)
    APPROVE = "APPROVE", "Approved"
    REJECT = "REJECT", "Rejected"
    REQUEST_CHANGES = "REQUEST_CHANGES", "Changes requested"

    @property
    def needs_comment(self) -> bool:
        return self is not Decision.APPROVE


class Action(Labelled):
    """One line of a request's history (approval_step.action)."""

    SUBMITTED = "SUBMITTED"
    RESUBMITTED = "RESUBMITTED"
    APPROVE = "APPROVE", "Approved"
    REJECT = "REJECT", "Rejected"
    REQUEST_CHANGES = "REQUEST_CHANGES", "Changes requested"
    CANCELLED = "CANCELLED"
    REMINDED = "REMINDED"
    ESCALATED = "ESCALATED"
    EXPIRED = "EXPIRED"
    COMPLETED = "COMPLETED"


class Operator(Labelled):
    ANY = "any", "any amount"
    GT = "gt", ">"
    GTE = "gte", "≥"
    LT = "lt", "<"
    LTE = "lte", "≤"

    @property
    def symbol(self) -> str:
        return self.label


class DeadlineUnit(Labelled):
    WORKING_HOURS = "hours", "Working hours"
    WORKING_DAYS = "days", "Working days"


# How a decision moves the whole request (one rejection rejects the flow).
CLOSING: dict[Decision, Status] = {
    Decision.REJECT: Status.REJECTED,
    Decision.REQUEST_CHANGES: Status.CHANGES_REQUESTED,
}
# Subjects decided by EFI staff holding a staff permission, not by the customer's people.
STAFF_SUBJECTS: dict[str, str] = {Subject.PAYMENT_TERMS.value: "approval:finance:decide"}
MAX_TIERS = 5
MAX_GROUPS = 5
