"""Vocabulary of approvals: subjects, request states, the steps of a request's history."""

from __future__ import annotations

from enum import StrEnum


class Subject(StrEnum):
    """What needs approval; a new kind is one member here and, if it changes something when
    approved, one effect in services.requests."""

    PURCHASE_ORDER = "PURCHASE_ORDER"
    PAYMENT_TERMS = "PAYMENT_TERMS"
    CREDIT_LIMIT = "CREDIT_LIMIT"
    PRIVILEGED_ROLE = "PRIVILEGED_ROLE"

    @property
    def label(self) -> str:
        return {
            "PURCHASE_ORDER": "Purchase order",
            "PAYMENT_TERMS": "Payment-terms change",
            "CREDIT_LIMIT": "Credit-limit change",
            "PRIVILEGED_ROLE": "Granting a privileged role",
        }[self.value]


class Status(StrEnum):
    PENDING = "PENDING"
    APPROVED = "APPROVED"
    REJECTED = "REJECTED"
    CHANGES_REQUESTED = "CHANGES_REQUESTED"
    CANCELLED = "CANCELLED"
    EXPIRED = "EXPIRED"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


class Decision(StrEnum):
    APPROVE = "APPROVE"
    REJECT = "REJECT"
    REQUEST_CHANGES = "REQUEST_CHANGES"

    @property
    def needs_comment(self) -> bool:
        return self is not Decision.APPROVE


class Action(StrEnum):
    """One line of a request's history (approval_step.action)."""

    SUBMITTED = "SUBMITTED"
    RESUBMITTED = "RESUBMITTED"
    APPROVE = "APPROVE"
    REJECT = "REJECT"
    REQUEST_CHANGES = "REQUEST_CHANGES"
    CANCELLED = "CANCELLED"
    REMINDED = "REMINDED"
    ESCALATED = "ESCALATED"
    EXPIRED = "EXPIRED"
    COMPLETED = "COMPLETED"


class Operator(StrEnum):
    ANY = "any"
    GT = "gt"
    GTE = "gte"
    LT = "lt"
    LTE = "lte"

    @property
    def symbol(self) -> str:
        return {"any": "any amount", "gt": ">", "gte": "≥", "lt": "<", "lte": "≤"}[self.value]


class DeadlineUnit(StrEnum):
    WORKING_HOURS = "hours"
    WORKING_DAYS = "days"


# How a decision moves the whole request (one rejection rejects the flow).
CLOSING: dict[Decision, Status] = {
    Decision.REJECT: Status.REJECTED,
    Decision.REQUEST_CHANGES: Status.CHANGES_REQUESTED,
}
# Subjects decided by EFI staff holding a staff permission, not by the customer's people.
STAFF_SUBJECTS: dict[str, str] = {Subject.PAYMENT_TERMS.value: "approval:finance:decide"}
MAX_TIERS = 5
MAX_GROUPS = 5
