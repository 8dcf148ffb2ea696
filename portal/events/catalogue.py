"""Every event type the portal publishes or consumes: what it means and its payload schema.

The source of docs/events.md and of the validation of consumed events; a test proves each
emitted payload has exactly the published fields. Each field carries an example value, so the
documented example payload is built from the same declaration.
"""

from __future__ import annotations

from typing import Any, NamedTuple

# Enum lists and limits that the areas owning them supply at import (`supply`): they come from
# those areas' enums and columns, and the events area sits below the areas and imports none.
_SUPPLIED: dict[str, Any] = {}


def supply(**values: Any) -> None:
    _SUPPLIED.update(values)


class Supplied(NamedTuple):
    """A value named here and supplied by the area that owns it."""

    name: str

    def value(self) -> Any:
        if self.name not in _SUPPLIED:
            raise LookupError(f"no area supplied {self.name!r} (the app's areas are not loaded)")
        return _SUPPLIED[self.name]


def _resolved(value: Any) -> Any:
    if isinstance(value, dict):  # a nested schema (an array's items) with supplied limits
        return {key: _resolved(v) for key, v in value.items()}
    return value.value() if isinstance(value, Supplied) else value


class Field(NamedTuple):
    """One payload field. `type`: string, integer, boolean, object, array, uuid, date-time."""

    type: str
    description: str
    example: Any
    required: bool = True
    enum: tuple[str, ...] | Supplied | None = None
    extra: dict | None = None  # further JSON Schema keywords (minimum, minLength...)
    # The payload version that added the field: an event of an older version does not carry
    # it (a field of that name there is an unknown field, ignored).
    since: int = 1

    def values(self) -> tuple[str, ...] | None:
        """The enum's values, once supplied."""
        return _resolved(self.enum)

    def keywords(self) -> dict:
        """`extra` with the supplied limits in."""
        return {keyword: _resolved(value) for keyword, value in (self.extra or {}).items()}


class EventType(NamedTuple):
    description: str
    # Names only (areas that have not typed their payloads yet) or name → Field.
    fields: tuple[str, ...] | dict[str, Field]


CUSTOMER_ID = Field(
    "string",
    "The customer's id (`cust-` + UUID)",
    "cust-7d0c6f0e-3b5e-4c1e",
    extra={"maxLength": Supplied("customer_id_length")},
)
STATUSES = Supplied("customer_statuses")
SEGMENT = Field(
    "object",
    "`segmentType` (B2C or B2B) and `specificSegment` (the segment's name)",
    {"segmentType": "B2C", "specificSegment": "Loyal diaspora"},
)
PRIMARY_ID = Field(
    "string",
    "The primary (surviving) customer's id (`cust-` + UUID)",
    "cust-7d0c6f0e-3b5e-4c1e",
    extra={"maxLength": Supplied("customer_id_length")},
)
WHEN = "2026-11-28T14:03:00+00:00"
EVENT_ID = Field("uuid", "Same as the envelope's eventId", "5b1f0b7e-2f0a-4d47-9a43-0e1c2d3e4f50")
ADMIN = Field("string", "The staff user who acted", "3f6e2a9c-1c1b-4d0e-8a57-6d2b9b1f2a10")


def _at(description: str) -> Field:
    return Field("date-time", description, WHEN)


def _id(description: str, example: str) -> Field:
    # Ids of other contexts are kept in columns like the order's.
    longest = Supplied("external_id_length")
    return Field("string", description, example, extra={"minLength": 1, "maxLength": longest})


PUBLISHED: dict[str, EventType] = {
    "CustomerCreated": EventType(
        "A new customer account was created",
        {
            "customerId": CUSTOMER_ID,
            "customerType": Field("string", "One of the ten customer types", "DIASPORA_COMMUNITY"),
            "name": Field("string", "Display name", "Marcia Campbell"),
            "contactInfo": Field(
                "object",
                "ContactInfo: email, phone, alternatives, preferences",
                {"email": "m@x.org"},
            ),
            "createdAt": _at("When the account was created"),
        },
    ),
    "CustomerUpdated": EventType(
        "Customer information was modified (tax ids appear masked)",
        {
            "customerId": CUSTOMER_ID,
            "modifiedFields": Field("array", "Names of the changed fields", ["name"]),
            "previousValues": Field("object", "Field → value before", {"name": "Marcia C."}),
            "newValues": Field("object", "Field → value after", {"name": "Marcia Campbell"}),
        },
    ),
    "CustomerAddressAdded": EventType(
        "A customer added a new address",
        {
            "customerId": CUSTOMER_ID,
            "addressType": Field(
                "string", "Kind of address", "SHIPPING", enum=Supplied("address_types")
            ),
            "addressData": Field("object", "The Address value object", {"city": "New York"}),
        },
    ),
    "CustomerAddressUpdated": EventType(
        "A customer's address was changed, verified or made the default",
        {
            "customerId": CUSTOMER_ID,
            "addressId": Field("uuid", "The address", "0d7f9a52-33c4-4c8e-9b1e-5a2f6c7d8e90"),
            "previousData": Field("object", "The address before", {"city": "new york"}),
            "updatedData": Field("object", "The address after", {"city": "New York"}),
        },
    ),
    "CustomerPreferencesUpdated": EventType(
        "One category of a customer's preferences changed",
        {
            "customerId": CUSTOMER_ID,
            "preferenceCategory": Field(
                "string",
                "The category that changed",
                "LANGUAGE",
                enum=("COMMUNICATION", "LANGUAGE", "PRODUCT_INTERESTS", "DIETARY", "SPECIAL_DATES"),
            ),
            "previousSettings": Field(
                "object", "The category's settings before", {"language": "en"}
            ),
            "newSettings": Field("object", "The category's settings after", {"language": "fr"}),
        },
    ),
    "CustomerAccountDeactivated": EventType(
        "An active account became inactive, suspended or closed",
        {
            "customerId": CUSTOMER_ID,
            "reasonCode": Field("string", "Why", "CUSTOMER_REQUEST"),
            "deactivationDate": _at("When"),
        },
    ),
    "CustomerAccountReactivated": EventType(
        "An inactive or suspended account became active again",
        {
            "customerId": CUSTOMER_ID,
            "reactivationDate": _at("When"),
            "previousDeactivationPeriod": Field(
                "object", "`from` and `to` of the inactive period", {"from": WHEN, "to": WHEN}
            ),
        },
    ),
    "CustomerStatusChangedByAdmin": EventType(
        "Staff changed a customer's status",
        {
            "eventId": EVENT_ID,
            "timestamp": _at("When"),
            "adminUserId": ADMIN,
            "customerId": CUSTOMER_ID,
            "previousStatus": Field("string", "Status before", "ACTIVE", enum=STATUSES),
            "newStatus": Field("string", "Status after", "SUSPENDED", enum=STATUSES),
            "reason": Field("string", "Reason code", "PAYMENT_ISSUE"),
            "notes": Field("string", "Free text", "Three bounced payments"),
            "effectiveDate": _at("When the status takes effect"),
        },
    ),
    "CustomerVerificationOverriddenByAdmin": EventType(
        "Staff declared an account awaiting verification verified without its code, with a"
        " justification (sent with CustomerStatusChangedByAdmin, reason VERIFICATION_OVERRIDDEN)",
        {
            "eventId": EVENT_ID,
            "timestamp": _at("When"),
            "adminUserId": ADMIN,
            "customerId": CUSTOMER_ID,
            "previousStatus": Field(
                "string", "Status before", "PENDING_VERIFICATION", enum=STATUSES
            ),
            "newStatus": Field("string", "Status after", "ACTIVE", enum=STATUSES),
            "justification": Field(
                "string",
                "Why staff overrode the verification",
                "Identity checked in person at the Kingston store",
                extra={"minLength": 1, "maxLength": Supplied("justification_length")},
            ),
        },
    ),
    "CustomerSegmentChanged": EventType(
        "A customer moved from one primary segment to another: by the rules, by hand"
        " (ADMIN_OVERRIDE, sent with CustomerSegmentOverriddenByAdmin) or when an override"
        " ended (not sent for a first assignment)",
        {
            "customerId": CUSTOMER_ID,
            "previousSegment": SEGMENT,
            "newSegment": SEGMENT,
            "reasonCode": Field(
                "string",
                "Why the customer moved",
                "RULE_MATCHED",
                enum=Supplied("segment_reasons"),
            ),
        },
    ),
    "CustomerSegmentOverriddenByAdmin": EventType(
        "Staff put a customer into a segment by hand, with a justification and an expiry (a"
        " move to another segment also sends CustomerSegmentChanged, reason ADMIN_OVERRIDE)",
        {
            "eventId": EVENT_ID,
            "timestamp": _at("When"),
            "adminUserId": ADMIN,
            "customerId": CUSTOMER_ID,
            "previousSegment": SEGMENT,
            "newSegment": SEGMENT,
            "justification": Field("string", "Why", "Key account during the launch"),
            "overrideExpiration": _at("When the override ends"),
        },
    ),
    "VerificationCodeSent": EventType(
        "A code to confirm a new primary e-mail or phone was sent (the code is never included)",
        {
            "customerId": CUSTOMER_ID,
            "field": Field(
                "string", "Which contact field", "email", enum=Supplied("contact_fields")
            ),
            "destination": Field("string", "The new value, masked", "m***@example.org"),
            "expiresAt": _at("When the code expires"),
        },
    ),
    "CustomerDataPurgedByAdmin": EventType(
        "A compliance officer erased a customer's personal data, in full or by data category "
        "(the event names the categories, never the erased data). Every consumer holding "
        "copies of this customer's data (from earlier events or webhooks) must erase them: "
        "the portal cannot recall what it already delivered (docs/privacy.md)",
        {
            "eventId": EVENT_ID,
            "timestamp": _at("When"),
            "adminUserId": ADMIN,
            "customerId": CUSTOMER_ID,
            "purgeType": Field(
                "string", "Whole record or some categories", "PARTIAL", enum=("FULL", "PARTIAL")
            ),
            "dataCategories": Field("array", "The categories erased", ["contact", "addresses"]),
            "legalBasis": Field(
                "string",
                "Why",
                "GDPR_REQUEST",
                enum=("GDPR_REQUEST", "CCPA_REQUEST", "INTERNAL_POLICY"),
            ),
            "retentionRecordId": Field("string", "The request or retention run", "dsr-1042"),
            "completionStatus": Field(
                "string", "Outcome", "SUCCESS", enum=("SUCCESS", "PARTIAL", "FAILED")
            ),
        },
    ),
    "CustomerMerged": EventType(
        "Duplicate customer records were combined: references to the secondary ids now belong "
        "to the primary, and the secondary ids resolve to it (an undo publishes "
        "CustomerMergeUndone)",
        {
            "customerId": PRIMARY_ID,
            "secondaryCustomerIds": Field(
                "array", "The merged customers' ids", ["cust-0a4e1b3c-9d2f-4e5a"]
            ),
            "mergedDataSummary": Field(
                "object",
                "`fields`: field → the record its value came from (primary or secondary); "
                "`moved`: table → rows moved to the primary",
                {"fields": {"phone": "secondary"}, "moved": {"customer_order": 3}},
            ),
            "mergeId": Field(
                "uuid", "The merge, for its undo", "9c1d2e3f-4a5b-4c6d-8e7f-0a1b2c3d4e5f"
            ),
            "mergedAt": _at("When"),
        },
    ),
    "CustomerMergeUndone": EventType(
        "A merge was reversed: the secondary customers exist again with their own references",
        {
            "customerId": PRIMARY_ID,
            "secondaryCustomerIds": Field(
                "array", "The restored customers' ids", ["cust-0a4e1b3c-9d2f-4e5a"]
            ),
            "mergeId": Field("uuid", "The merge undone", "9c1d2e3f-4a5b-4c6d-8e7f-0a1b2c3d4e5f"),
            "undoneAt": _at("When"),
        },
    ),
}
# The name the customer services and their tests know the published events by.
CATALOGUE = PUBLISHED

ORDER_ID = _id("The order's id in the order context", "ord-10045")
SUBSCRIPTION_ID = _id("The subscription's id", "sub-2291")
PRODUCT_ID = _id("The product's id in the catalog", "prod-scotch-bonnet-sauce")
# The order's lines (version 2): what was bought, for purchase patterns and recommendations.
ORDER_LINES = Field(
    "array",
    "Version 2: the products bought, each `productId` (string, the catalog's id), `category`"
    " (string, the catalog's category), `quantity` (integer, at least 1) and `amountMinor`"
    " (integer, the line's total in the order's currency)",
    [
        {
            "productId": "prod-scotch-bonnet-sauce",
            "category": "hot sauces",
            "quantity": 2,
            "amountMinor": 1598,
        },
        {
            "productId": "prod-jerk-seasoning",
            "category": "seasonings",
            "quantity": 1,
            "amountMinor": 3001,
        },
    ],
    required=False,
    since=2,
    extra={
        "minItems": 1,
        "maxItems": Supplied("order_lines_max"),
        "items": {
            "type": "object",
            "properties": {
                "productId": {
                    "type": "string",
                    "minLength": 1,
                    "maxLength": Supplied("external_id_length"),
                },
                "category": {
                    "type": "string",
                    "minLength": 1,
                    "maxLength": Supplied("order_line_category_length"),
                },
                "quantity": {
                    "type": "integer",
                    "minimum": 1,
                    "maximum": Supplied("order_line_quantity_max"),
                },
                "amountMinor": {
                    "type": "integer",
                    "minimum": 0,
                    "maximum": Supplied("order_amount_max"),
                },
            },
            "required": ["productId", "category", "quantity", "amountMinor"],
        },
    },
)

CONSUMED: dict[str, EventType] = {
    "OrderPlaced": EventType(
        "Order context: a customer placed an order (order history, spend, segment)",
        {
            "orderId": ORDER_ID,
            "customerId": CUSTOMER_ID,
            "amountMinor": Field(
                "integer",
                "Order total in minor units",
                4599,
                extra={"minimum": 0, "maximum": Supplied("order_amount_max")},
            ),
            "currency": Field("string", "ISO-4217 code", "USD", extra={"pattern": "^[A-Za-z]{3}$"}),
            "placedAt": _at("When the order was placed"),
            "lines": ORDER_LINES,
        },
    ),
    "OrderCancelled": EventType(
        "Order context: an order was cancelled (taken out of the history's totals). One that"
        " comes before its `OrderPlaced` is refused (`422` over HTTP: send it again later); on"
        " the queue it waits parked and is applied as soon as its order arrives",
        {
            "orderId": ORDER_ID,
            "cancelledAt": _at("When the order was cancelled"),
            "reason": Field("string", "Why", "OUT_OF_STOCK", required=False),
        },
    ),
    "SubscriptionCreated": EventType(
        "Subscription context: a subscription started (subscription status, segment)",
        {
            "subscriptionId": SUBSCRIPTION_ID,
            "customerId": CUSTOMER_ID,
            "plan": Field("string", "The plan's name", "Monthly spice box"),
            "startedAt": _at("When it started"),
        },
    ),
    "SubscriptionCancelled": EventType(
        "Subscription context: a subscription ended (status; retention follow-up queued)",
        {
            "subscriptionId": SUBSCRIPTION_ID,
            "customerId": CUSTOMER_ID,
            "cancelledAt": _at("When it ended"),
            "reason": Field("string", "Why, as the customer said", "Too expensive", required=False),
        },
    ),
    "PaymentMethodAdded": EventType(
        "Payment context: the customer can pay another way (payment options, interactions)",
        {
            "paymentMethodId": _id("The payment method's id", "pm-8812"),
            "customerId": CUSTOMER_ID,
            "methodType": Field(
                "string",
                "Kind of method",
                "CARD",
                enum=("CARD", "BANK_ACCOUNT", "WALLET", "INVOICE"),
            ),
            "addedAt": _at("When it was added"),
        },
    ),
    "ProductReviewed": EventType(
        "Review context: the customer reviewed a product (interests, interactions)",
        {
            "reviewId": _id("The review's id", "rev-301"),
            "customerId": CUSTOMER_ID,
            "productId": PRODUCT_ID,
            "productCategory": Field(
                "string",
                "Added to the customer's product interests",
                "hot sauces",
                extra={"minLength": 1, "maxLength": 60},
            ),
            "rating": Field("integer", "1 to 5 stars", 5, extra={"minimum": 1, "maximum": 5}),
            "reviewedAt": _at("When"),
        },
    ),
    "CustomerSupportTicketCreated": EventType(
        "Support context: the customer opened a ticket (interaction history)",
        {
            "ticketId": _id("The ticket's id", "tick-5510"),
            "customerId": CUSTOMER_ID,
            "subject": Field(
                "string",
                "The ticket's subject",
                "Parcel arrived damaged",
                extra={"minLength": 1, "maxLength": 200},
            ),
            "priority": Field(
                "string", "Urgency", "HIGH", required=False, enum=("LOW", "NORMAL", "HIGH")
            ),
            "createdAt": _at("When"),
        },
    ),
    "MarketingCampaignEngagement": EventType(
        "Marketing context: the customer opened, clicked or converted (engagement metrics)",
        {
            "campaignId": _id("The campaign's id", "camp-carnival-2026"),
            "customerId": CUSTOMER_ID,
            "engagementType": Field(
                "string",
                "What the customer did",
                "EMAIL_CLICK",
                enum=("EMAIL_OPEN", "EMAIL_CLICK", "CAMPAIGN_CONVERSION"),
            ),
            "engagedAt": _at("When"),
        },
    ),
    "ProductAuthenticationScanned": EventType(
        "Catalog authentication: the customer scanned a product's seal (authentication history)",
        {
            "scanId": _id("The scan's id", "scan-77120"),
            "customerId": CUSTOMER_ID,
            "productId": PRODUCT_ID,
            "authentic": Field("boolean", "Whether the seal was genuine", True),
            "scannedAt": _at("When"),
        },
    ),
}


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

# Organisations (portal/organizations): the tree, its members and their roles.
ORGANIZATION_EVENTS: dict[str, EventType] = {
    "OrganizationCreated": EventType(
        "A B2B customer got an organisation tree", ("organizationId", "customerId", "name", "code")
    ),
    "OrganizationNodeAdded": EventType(
        "A division, location or department was added",
        ("organizationId", "nodeId", "parentId", "type", "name", "code"),
    ),
    "OrganizationNodeUpdated": EventType(
        "A node was renamed, or one of its attributes overridden or inherited again",
        ("organizationId", "nodeId", "modifiedFields", "previousValues", "newValues"),
    ),
    "OrganizationNodeMoved": EventType(
        "A node and its subtree moved under another parent",
        ("organizationId", "nodeId", "previousParentId", "newParentId"),
    ),
    "OrganizationSubtreeStatusChanged": EventType(
        "A node and everything below it was deactivated or activated",
        ("organizationId", "nodeId", "newStatus", "affectedNodes"),
    ),
    "OrganizationMemberInvited": EventType(
        "Someone was invited to join with a role at a node (the link is never included)",
        ("organizationId", "invitationId", "nodeId", "roleId", "email", "expiresAt"),
    ),
    "OrganizationMemberJoined": EventType(
        "An invitation was accepted: a member with a first role",
        ("organizationId", "memberId", "userId", "nodeId", "roleId"),
    ),
    "OrganizationRoleAssigned": EventType(
        "A member got a role at a node", ("organizationId", "memberId", "roleId", "nodeId")
    ),
    "OrganizationRoleRevoked": EventType(
        "A member lost a role at a node", ("organizationId", "memberId", "roleId", "nodeId")
    ),
    "OrganizationMemberChanged": EventType(
        "A member was deactivated or reactivated, or their end date changed",
        ("organizationId", "memberId", "status", "endDate"),
    ),
    "OrganizationRoleSaved": EventType(
        "A custom role was created or its permissions changed",
        ("organizationId", "roleId", "name", "permissions"),
    ),
}
CATALOGUE.update(ORGANIZATION_EVENTS)

# Loyalty (portal/loyalty): points earned, spent and expired, and tier changes.
POINTS = Field("integer", "A number of points", 120, extra={"minimum": 0})
TIER = Field("string", "A loyalty tier", "GOLD", enum=Supplied("loyalty_tiers"))
CATALOGUE.update(
    {
        "LoyaltyPointsEarned": EventType(
            "A customer earned points: from an order (pending until its return window ends) or"
            " from a staff adjustment",
            {
                "customerId": CUSTOMER_ID,
                "points": POINTS,
                "orderId": Field(
                    "string", "The order that earned them, if any", "ord-10045", required=False
                ),
                "earnedAt": _at("When they were earned (the order's time)"),
                "expiresAt": _at("When this batch of points expires"),
            },
        ),
        "LoyaltyPointsRedeemed": EventType(
            "A customer's points were spent (oldest-expiring first), by staff, through the API"
            " or taken away by an adjustment (redemptionType ADJUSTMENT)",
            {
                "customerId": CUSTOMER_ID,
                "points": POINTS,
                "redemptionType": Field("string", "What they were spent on", "Voucher"),
                "balance": Field("integer", "The available balance after", 880),
                "redeemedAt": _at("When"),
            },
        ),
        "LoyaltyPointsExpired": EventType(
            "Batches of a customer's points reached their expiry date (one event per account"
            " and run)",
            {
                "customerId": CUSTOMER_ID,
                "points": POINTS,
                "expiredAt": _at("When the run expired them"),
                "balance": Field("integer", "The available balance after", 880),
            },
        ),
        "LoyaltyTierChanged": EventType(
            "A customer's loyalty tier changed: the monthly recalculation, an Ambassador grant"
            " or revocation, or a merge",
            {
                "customerId": CUSTOMER_ID,
                "previousTier": TIER,
                "newTier": TIER,
                "reasonCode": Field(
                    "string", "Why", "QUALIFIED", enum=Supplied("loyalty_tier_reasons")
                ),
            },
        ),
    }
)
