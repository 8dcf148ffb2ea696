"""Approval pages, split by concept: queues and deciding, asking for approval, rules,
delegations."""

from portal.approvals.views import delegations, queues, rules, submit  # noqa: F401
