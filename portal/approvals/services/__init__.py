"""Approval use cases, by concept: rules, requests and decisions, delegation, escalation."""

from portal.approvals.services.delegation import decides_as_staff, delegate, revoke_delegation
from portal.approvals.services.escalation import escalate
from portal.approvals.services.payment_terms import request_payment_terms
from portal.approvals.services.requests import (
    Draft,
    cancel,
    decide,
    resubmit,
    submit,
)
from portal.approvals.services.rule_admin import RuleDraft, delete_rule, save_rule

__all__ = [
    "Draft",
    "RuleDraft",
    "cancel",
    "decide",
    "decides_as_staff",
    "delegate",
    "delete_rule",
    "escalate",
    "request_payment_terms",
    "resubmit",
    "revoke_delegation",
    "save_rule",
    "submit",
]
