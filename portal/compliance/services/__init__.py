"""Compliance use cases (CustomerDataComplianceService). Each takes the acting officer first,
checks the rules, writes the timeline, the audit entry and any event in one transaction, and
commits; a refusal raises DomainError and saves nothing."""

from portal.compliance.services.fulfilment import (
    approve_erasure,
    complete,
    create_export,
    execute_erasure,
    plan_erasure,
    record_download,
)
from portal.compliance.services.requests import (
    NewRequest,
    acknowledge,
    change_status,
    deny,
    extend,
    receive_request,
    verify_identity,
)

__all__ = [
    "NewRequest",
    "acknowledge",
    "approve_erasure",
    "change_status",
    "complete",
    "create_export",
    "deny",
    "execute_erasure",
    "extend",
    "plan_erasure",
    "receive_request",
    "record_download",
    "verify_identity",
]
