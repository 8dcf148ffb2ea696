"""Where personal data lives in every area, which tables hold none, and the Art. 15 facts of
each data category.

Rows other contexts rely on stay (the customer row and its id, interactions for counts, orders
for the books); only the values that identify the person go. Free text that staff type (notes,
comments, summaries) may quote anyone, so every such column is SCRUB: erasure masks the
person's quoted values in it wherever they appear. docs/privacy.md explains the design.
"""

from __future__ import annotations

from typing import NamedTuple

from sqlalchemy import Text, and_, cast, false, or_, select

from portal.compliance.registry import (
    Field,
    Location,
    Retention,
    Strategy,
    declare_free,
    register,
)
from portal.compliance.values import DataCategory as C
from portal.extensions import db

ERASED = "[erased]"
ERASED_NAME = "Erased customer"
ERASED_ORGANIZATION = "Erased organisation"
S = Strategy


def _text(*columns: str) -> tuple[Field, ...]:
    return tuple(Field(c, S.SCRUB) for c in columns)


def _mentions(column: str):
    """Rows whose `column` (text or JSON) names the customer's id."""
    return lambda table, customer_id: cast(table.c[column], Text).contains(customer_id)


def _nowhere(table, customer_id):
    """Free text linked to no customer: only the scan for quoted values reaches it."""
    return false()


register(
    Location(
        "customer",
        C.IDENTITY,
        key="id",
        version_column="version_id",
        fields=(
            Field("name", S.REWRITE, ERASED_NAME, quoted=True),
            Field("name_key", S.REWRITE, ERASED_NAME.casefold()),
            Field("email", S.NULL, quoted=True),
            Field("phone", S.NULL, quoted=True),
            Field("alternative_email", S.NULL, quoted=True),
            Field("alternative_phone", S.NULL, quoted=True),
            Field("preferred_contact_time", S.NULL),
            Field("type_data", S.REWRITE, {}),
            Field("tax_id", S.NULL, exported=False, quoted=True),
            Field("registration_number", S.NULL, exported=False, quoted=True),
            Field("legal_entity_name", S.NULL, quoted=True),
            Field("dba_name", S.NULL, quoted=True),
        ),
        plain=(
            "industry_code",
            "company_size",
            "organization_type",
            "payment_terms",
            "acquisition_source",
        ),
    )
)
# The directory's search index: the words of the name, the e-mail and the phone digits again.
# Derived from the row above, so it goes with it and is not exported a second time.
register(
    Location(
        "customer_search_term",
        C.IDENTITY,
        fields=(
            Field("term", S.SCRUB, exported=False),
            Field("name_key", S.SCRUB, exported=False),
        ),
        delete_rows=True,
        plain=("customer_id",),
    )
)
register(
    Location(
        "customer_address",
        C.ADDRESSES,
        fields=(
            Field("street1", S.SCRUB, quoted=True),
            Field("street2", S.SCRUB, quoted=True),
            *_text("city", "state", "postal_code", "note"),
        ),
        delete_rows=True,
        plain=("country",),
    )
)
register(
    Location(
        "customer_preference",
        C.PREFERENCES,
        fields=_text("channels", "product_interests", "dietary_preferences", "special_dates"),
        delete_rows=True,
        plain=("frequency", "language"),
    )
)
register(
    Location(
        "pending_contact_change",
        C.CONTACT,
        fields=(
            Field("new_value", S.SCRUB, quoted=True),
            Field("code_hash", S.SCRUB, exported=False),
        ),
        delete_rows=True,
        plain=("requested_by",),
    )
)


# Duplicates (portal.duplicates): a pair names two customers, a merge two; the rows of either go.
def _either(first: str, second: str):
    return lambda table, customer_id: or_(
        table.c[first] == customer_id, table.c[second] == customer_id
    )


# A candidate pair's explanation quotes both customers' standardised names and contact values.
register(
    Location(
        "duplicate_candidate",
        C.IDENTITY,
        fields=(Field("weights", S.SCRUB, exported=False),),
        delete_rows=True,
        link=_either("customer_a", "customer_b"),
        plain=("customer_a", "customer_b", "status", "source", "resolved_by"),
    )
)
# A merge keeps the merged customer's rows as they were, for its undo (30 days); erasing either
# customer ends the possibility of undoing it (the undo record goes, the merge stays).
register(
    Location(
        "customer_merge",
        C.IDENTITY,
        fields=(Field("undo", S.REWRITE, {}, exported=False),),
        link=_either("primary_id", "secondary_id"),
        plain=("primary_id", "secondary_id", "summary", "merged_by", "undone_by"),
    )
)
# Kept as rows: interaction counts feed segmentation metrics and activity dates.
register(
    Location(
        "interaction",
        C.INTERACTIONS,
        fields=(Field("summary", S.REWRITE, ERASED), Field("details", S.REWRITE, "")),
        plain=("recorded_by",),
    )
)
# A retention call queued when a subscription ends: the reason is staff's or a system's words.
register(
    Location(
        "retention_follow_up",
        C.INTERACTIONS,
        fields=_text("reason"),
        delete_rows=True,
        plain=("subscription_id",),
    )
)

BOOKKEEPING = (
    "Legal obligation to keep commercial and tax records (GDPR Art. 17(3)(b); "
    "e.g. 10 years under German HGB §257 / AO §147)"
)
register(
    Location(
        "customer_order",
        C.ORDERS,
        retention=Retention(BOOKKEEPING, 10, "placed_at"),
        plain=("currency",),
    )
)
# What the orders were: kept and erased with them (the same retention, from the order's time).
register(
    Location(
        "customer_order_line",
        C.ORDERS,
        retention=Retention(BOOKKEEPING, 10, "placed_at"),
        plain=("customer_id", "product_id", "category"),
    )
)
# Aggregate counts only: no value identifies the person once the profile is erased.
register(Location("customer_metrics", C.SEGMENTS))
# Which fields are filled in (flags), the registration day and country: recomputed on erasure.
register(Location("customer_fact", C.SEGMENTS, plain=("customer_type", "country")))
# The registration day, channel, source and how far verification went: no personal value.
register(Location("customer_acquisition_fact", C.SEGMENTS, plain=("channel", "source")))
SEGMENT_IDS = ("customer_id", "from_segment_id", "to_segment_id")
register(Location("segment_change", C.SEGMENTS, plain=("run_id", *SEGMENT_IDS)))
register(
    Location(
        "customer_segment",
        C.SEGMENTS,
        fields=_text("override_justification"),
        plain=("customer_id", "segment_id", "override_by"),
    )
)
register(
    Location(
        "segment_history",
        C.SEGMENTS,
        fields=_text("justification"),
        plain=(*SEGMENT_IDS, "metrics", "actor"),
    )
)

# Scores and stage moves are profiling of the person (GDPR Art. 4(4)): erased with them.
register(
    Location(
        "customer_insight",
        C.SEGMENTS,
        fields=_text("explanation"),
        delete_rows=True,
        plain=("customer_id", "currency", "churn_band", "stage"),
    )
)
# Derived nightly from the orders and their lines: deleted with them.
register(
    Location(
        "customer_recommendation",
        C.SEGMENTS,
        delete_rows=True,
        plain=("customer_id", "product_id", "category", "because_product_id", "segment_name"),
    )
)
register(
    Location(
        "customer_upsell",
        C.SEGMENTS,
        delete_rows=True,
        plain=("customer_id", "customer_type", "company_size", "currency"),
    )
)
register(
    Location(
        "lifecycle_stage_history",
        C.SEGMENTS,
        delete_rows=True,
        plain=("customer_id", "from_stage", "to_stage"),
    )
)

# Loyalty: the ledger is a financial record of the points liability (bookkeeping), kept for its
# retention; reasons typed by staff are scrubbed. The summary and tier history are derived.
register(
    Location(
        "loyalty_entry",
        C.ORDERS,
        fields=_text("reason"),
        retention=Retention(BOOKKEEPING, 10, "at"),
        plain=("customer_id", "order_id", "actor"),
    )
)
register(Location("loyalty_account", C.SEGMENTS, plain=("customer_id",)))
register(
    Location(
        "loyalty_tier_history",
        C.SEGMENTS,
        fields=_text("note"),
        plain=("customer_id", "actor"),
    )
)

CONSENT_PROOF = (
    "Proof of consent and of its withdrawal (GDPR Art. 7(1), Art. 17(3)(e)); "
    "holds no personal values"
)
register(
    Location(
        "consent_record",
        C.CONSENT,
        retention=Retention(CONSENT_PROOF, 3, "at"),
        plain=("notice_version", "recorded_by"),
    )
)


def _organizations(customer_id: str):
    nodes = db.metadata.tables["org_node"]
    return select(nodes.c.id).where(nodes.c.customer_id == customer_id)


# The B2B organisation of a customer. Its name is treated as personal data whatever the
# customer type: sole traders (private chefs, food trucks) trade under their own names, the
# portal cannot tell them from companies, and the customer's legal_entity_name and dba_name
# are erased already. The organisation keeps its id, hierarchy, members and approvals.
register(
    Location(
        "org_node",
        C.IDENTITY,
        fields=(
            Field("name", S.REWRITE, ERASED_ORGANIZATION, quoted=True),
            *_text("code", "attributes"),
        ),
        plain=("organization_id", "path", "created_by", "updated_by"),
    )
)


def _customer_events(table, customer_id):
    return or_(
        table.c.aggregate_id == customer_id,
        table.c.aggregate_id.in_(_organizations(customer_id)),
        cast(table.c.payload, Text).contains(customer_id),
    )


# The events about the customer or its organisation: ids and structure stay for consumers,
# values are masked. What consumers already received cannot be recalled (docs/privacy.md).
register(
    Location(
        "outbox_event",
        C.EVENTS,
        fields=_text("payload", "last_error"),
        link=_customer_events,
        plain=("type", "aggregate_type", "aggregate_id", "actor", "request_id"),
    )
)


def _event_deliveries(table, customer_id):
    outbox = db.metadata.tables["outbox_event"]
    return table.c.event_id.in_(select(outbox.c.id).where(_customer_events(outbox, customer_id)))


# The same events again, as the bodies queued for webhook subscribers: masked with the outbox
# (a delivery still pending sends the masked body).
register(
    Location(
        "webhook_delivery",
        C.EVENTS,
        fields=_text("body", "last_error"),
        link=_event_deliveries,
        plain=("event_id", "event_type", "status", "request_id"),
    )
)
# Answers kept to replay a retried API create (portal.idempotency): an answer can quote the
# customer (an approval request's requester, a parked event's body).
register(
    Location(
        "created_once",
        C.EVENTS,
        fields=_text("body"),
        link=_mentions("body"),
        plain=("actor", "endpoint", "key", "body_digest", "location"),
    )
)
# Messages from other systems that could not be applied, kept for replay.
register(
    Location(
        "parked_event",
        C.EVENTS,
        fields=_text("body", "reason"),
        link=_mentions("body"),
        plain=("source", "event_id", "type", "status", "resolved_by", "awaits_order"),
    )
)


def _customer_approvals(table, customer_id):
    return cast(table.c.target, Text).contains(customer_id)


def _steps_of_customer_approvals(table, customer_id):
    requests = db.metadata.tables["approval_request"]
    return table.c.request_id.in_(
        select(requests.c.id).where(_customer_approvals(requests, customer_id))
    )


# Approvals about the customer (payment terms) and their history. Descriptions name the
# customer by id (the name is shown at display time); comments are staff's free text.
register(
    Location(
        "approval_request",
        C.APPROVALS,
        fields=_text("description", "lines"),
        link=_customer_approvals,
        plain=(
            "subject",
            "currency",
            "target",
            "source",
            "external_ref",
            "rule_id",
            "rule_name",
            "chain",
            "status",
        ),
    )
)
register(
    Location(
        "approval_step",
        C.APPROVALS,
        fields=_text("comment"),
        link=_steps_of_customer_approvals,
        plain=("action",),
    )
)
register(Location("approval_delegation", C.APPROVALS, fields=_text("reason"), link=_nowhere))


def _customer_entries(table, customer_id):
    return or_(
        and_(table.c.record_type == "customer", table.c.record_id == customer_id),
        and_(table.c.record_type == "org_node", table.c.record_id.in_(_organizations(customer_id))),
    )


# The audit trail is append-only (portal.security.models). Erasure keeps every entry (who did
# what, when, to which id: the accountability duty of Art. 5(2)) and masks only personal values
# quoted in its text: the single sanctioned change to the log, itself audited.
register(
    Location(
        "audit_entry",
        C.ACCESS_LOG,
        key="record_id",
        fields=_text("summary", "details"),
        link=_customer_entries,
        plain=(
            "user_id",
            "actor",
            "ip",
            "action",
            "record_type",
            "record_id",
            "outcome",
            "request_id",
        ),
    )
)

REQUEST_RECORD = "Record of consumer requests for 24 months (CCPA regulations §7101)"
register(
    Location(
        "dsar_request",
        C.REQUESTS,
        fields=(
            Field("requester_name", S.REWRITE, ERASED_NAME, quoted=True),
            Field("requester_email", S.NULL, quoted=True),
            Field("requester_phone", S.NULL, quoted=True),
            Field("description", S.SCRUB),
            Field("verification_evidence", S.SCRUB),
            Field("extension_reason", S.SCRUB),
            Field("denial_reason", S.KEEP, why=REQUEST_RECORD),
        ),
        plain=(
            "created_by",
            "erasure_categories",
            "verified_by",
            "verification_method",
            "approval_requested_by",
            "approved_by",
            "receipt",
        ),
    )
)


def _request_events(table, customer_id):
    requests = db.metadata.tables["dsar_request"]
    return table.c.request_id.in_(
        select(requests.c.id).where(requests.c.customer_id == customer_id)
    )


register(
    Location(
        "dsar_request_event",
        C.REQUESTS,
        fields=_text("note"),
        link=_request_events,
        plain=("actor_id", "actor_name", "kind", "from_status", "to_status"),
    )
)
register(Location("dsar_export", C.REQUESTS, plain=("customer_id", "file_name", "created_by")))

# Tables that hold no customer's personal data. Staff and portal users' own accounts are not
# customer data: they end through account administration, not a data-subject request.
USERS = "Portal users (staff, B2B members), not customers; ended by account administration"
CONFIG = "Configuration written by administrators: names, codes and rules, no customer values"
declare_free(
    "user_account", USERS, "email", "name", "oidc_issuer", "oidc_subject", "password_hash", "kind"
)
declare_free(
    "auth_session", USERS, "method", "ended_reason", "ip", "user_agent", "id_token"
)  # id_token: the provider's token for RP-initiated logout, cleared when the session ends
declare_free("user_role", USERS)
declare_free("segment_notification_cursor", USERS)
declare_free("org_member", USERS)
declare_free("org_assignment", USERS, "node_path", "created_by")
declare_free("org_invitation", USERS, "email", "name", "token_hash", "invited_by")
declare_free("role", CONFIG, "name", "label", "description")
declare_free("permission", CONFIG, "name", "description")
declare_free("role_permission", CONFIG)
declare_free("org_role", CONFIG, "name", "description", "permissions")
declare_free(
    "approval_rule",
    CONFIG,
    "subject",
    "name",
    "operator",
    "thresholds",
    "requester_role_ids",
    "chain",
    "created_by",
)
declare_free("approval_assignee", "Who an approval waits on: user ids and why", "via")
declare_free("segment", CONFIG, "name", "description", "rule")
declare_free("segment_rule_version", CONFIG, "name", "description", "rule", "diff", "created_by")
declare_free("segment_recompute_run", "Timing of recompute runs", "actor")
# Dashboard rollups: counts per day, type, country and segment, no value of any one customer.
ROLLUP = "Counts for the dashboards, no customer's values"
for rollup in (
    "segment_moves_daily",
    "segment_size",
    "segment_size_daily",
    "customer_completeness_by_type",
    "customer_registrations_daily",
    "segment_stay_days",
    "segment_performance_daily",
    "segment_lift",
    "customer_completeness_daily",
    "address_verification_daily",
    "customer_acquisition_daily",
    "customer_acquisition_segment",
    "loyalty_points_monthly",
    "loyalty_expiry_daily",
    "loyalty_tier_total",
    "loyalty_tier_moves_monthly",
):
    declare_free(rollup, ROLLUP)
declare_free("acquisition_source", CONFIG, "name")
declare_free("marketing_spend", "Spend per acquisition source and month", "updated_by")
declare_free("insight_model_run", "Fitted model parameters and timing", "params", "message")
declare_free("retention_policy", CONFIG, "updated_by")
declare_free("loyalty_programme_version", CONFIG, "settings", "note", "created_by")
declare_free("customer_validation_rule_version", CONFIG, "rules", "note", "failing", "created_by")
declare_free("retention_run", "Counts per retention rule", "actor", "report")
declare_free("loyalty_run", "How far a daily loyalty job has got: a job name and a moment", "job")
declare_free("api_token", CONFIG, "name", "token_hash", "prefix", "scopes", "created_by")
declare_free(
    "webhook_subscription", CONFIG, "url", "event_types", "secret", "previous_secret", "created_by"
)
declare_free(
    "inbox_event",
    "Ids and types of events already applied (deduplication)",
    "event_id",
    "type",
    "source",
)


class CategoryFacts(NamedTuple):
    """What Art. 15(1) GDPR obliges us to tell about each category."""

    purposes: str
    recipients: str
    retention: str
    source: str


CATEGORY_FACTS: dict[C, CategoryFacts] = {
    C.IDENTITY: CategoryFacts(
        "Running the customer account and contracts",
        "EFI staff; payment and delivery processors",
        "While the account is open, then 24 months after closure",
        "Provided by the customer at registration",
    ),
    C.CONTACT: CategoryFacts(
        "Confirming changes of contact details",
        "EFI staff",
        "Until confirmed or expired (24 hours)",
        "Provided by the customer",
    ),
    C.ADDRESSES: CategoryFacts(
        "Delivery and invoicing",
        "EFI staff; delivery partners; address verification service",
        "While the account is open",
        "Provided by the customer",
    ),
    C.PREFERENCES: CategoryFacts(
        "Tailoring offers and communication",
        "EFI staff",
        "While the account is open",
        "Provided by the customer",
    ),
    C.INTERACTIONS: CategoryFacts(
        "Customer service and account management",
        "EFI staff",
        "36 months, then anonymized",
        "Recorded by EFI staff",
    ),
    C.ORDERS: CategoryFacts(
        "Fulfilling orders; bookkeeping and tax obligations",
        "EFI finance; tax authorities on request",
        "10 years (commercial and tax law)",
        "Order system",
    ),
    C.SEGMENTS: CategoryFacts(
        "Segmentation for offers (profiling, with consent where required)",
        "EFI marketing",
        "While the account is open",
        "Derived by EFI from orders and engagement",
    ),
    C.CONSENT: CategoryFacts(
        "Proving consent and its withdrawal",
        "EFI compliance",
        "3 years after the last decision",
        "Given by the customer",
    ),
    C.EVENTS: CategoryFacts(
        "Keeping EFI systems in step",
        "EFI systems subscribed to customer events",
        "While the account is open",
        "Derived from changes to the account",
    ),
    C.ACCESS_LOG: CategoryFacts(
        "Accountability: who looked at or changed the account",
        "EFI compliance and administrators",
        "As long as the audit obligation lasts",
        "Recorded by the portal",
    ),
    C.APPROVALS: CategoryFacts(
        "Approving changes to the account (payment terms) and orders",
        "EFI finance and approvers",
        "While the account is open",
        "Recorded by EFI staff and the customer's approvers",
    ),
    C.REQUESTS: CategoryFacts(
        "Handling data-protection requests",
        "EFI compliance",
        "24 months after the request (CCPA §7101)",
        "Provided by the requester",
    ),
}
