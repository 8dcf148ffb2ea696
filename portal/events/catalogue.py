"""Every event type the portal emits: what it means and the fields of its payload.

The source for docs/events.md; a test proves each emitted payload has exactly these fields.
"""

from __future__ import annotations

from typing import NamedTuple


class EventType(NamedTuple):
    description: str
    fields: tuple[str, ...]


CATALOGUE: dict[str, EventType] = {
    "CustomerCreated": EventType(
        "A new customer account was created",
        ("customerId", "customerType", "name", "contactInfo", "createdAt"),
    ),
    "CustomerUpdated": EventType(
        "Customer information was modified (tax ids appear masked)",
        ("customerId", "modifiedFields", "previousValues", "newValues"),
    ),
    "CustomerAddressAdded": EventType(
        "A customer added a new address",
        ("customerId", "addressType", "addressData"),
    ),
    "CustomerAddressUpdated": EventType(
        "A customer's address was changed, verified or made the default",
        ("customerId", "addressId", "previousData", "updatedData"),
    ),
    "CustomerPreferencesUpdated": EventType(
        "One category of a customer's preferences changed",
        ("customerId", "preferenceCategory", "previousSettings", "newSettings"),
    ),
    "CustomerAccountDeactivated": EventType(
        "An active account became inactive, suspended or closed",
        ("customerId", "reasonCode", "deactivationDate"),
    ),
    "CustomerAccountReactivated": EventType(
        "An inactive or suspended account became active again",
        ("customerId", "reactivationDate", "previousDeactivationPeriod"),
    ),
    "CustomerStatusChangedByAdmin": EventType(
        "Staff changed a customer's status",
        (
            "eventId",
            "timestamp",
            "adminUserId",
            "customerId",
            "previousStatus",
            "newStatus",
            "reason",
            "notes",
            "effectiveDate",
        ),
    ),
    "CustomerSegmentChanged": EventType(
        "A customer moved from one primary segment to another (not sent for a first assignment)",
        ("customerId", "previousSegment", "newSegment", "reasonCode"),
    ),
    "CustomerSegmentOverriddenByAdmin": EventType(
        "Staff put a customer into a segment by hand, with a justification and an expiry",
        (
            "eventId",
            "timestamp",
            "adminUserId",
            "customerId",
            "previousSegment",
            "newSegment",
            "justification",
            "overrideExpiration",
        ),
    ),
    "VerificationCodeSent": EventType(
        "A code to confirm a new primary e-mail or phone was sent (the code is never included)",
        ("customerId", "field", "destination", "expiresAt"),
    ),
}

# Compliance (portal/compliance): an erasure names the customer's id and the categories, never
# the data that was erased.
CATALOGUE["CustomerDataPurgedByAdmin"] = EventType(
    "A compliance officer erased a customer's personal data, in full or by data category",
    (
        "eventId",
        "timestamp",
        "adminUserId",
        "customerId",
        "purgeType",
        "dataCategories",
        "legalBasis",
        "retentionRecordId",
        "completionStatus",
    ),
)

# Approvals (portal/approvals): a request, each decision of a tier, and how it ended.
CATALOGUE.update(
    {
        "ApprovalRequested": EventType(
            "A purchase order or other sensitive change was submitted (or resubmitted) for "
            "approval",
            (
                "requestId",
                "organizationId",
                "nodeId",
                "subject",
                "amountMinor",
                "currency",
                "requesterId",
                "round",
                "ruleId",
                "externalRef",
            ),
        ),
        "ApprovalStepDecided": EventType(
            "An approver (or their delegate, on their behalf) approved, rejected or asked for "
            "changes at a tier",
            (
                "requestId",
                "organizationId",
                "round",
                "tier",
                "group",
                "decision",
                "deciderId",
                "onBehalfOfId",
                "comment",
            ),
        ),
        "ApprovalCompleted": EventType(
            "A request ended: approved, rejected, changes requested, cancelled or expired",
            ("requestId", "organizationId", "subject", "outcome", "round", "externalRef"),
        ),
    }
)
