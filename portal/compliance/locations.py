"""Where personal data lives in the customer area, segmentation, the outbox, the audit log and
compliance itself, with the Art. 15 facts of each data category.

Rows other contexts rely on stay (the customer row and its id, interactions for counts, orders
for the books); only the values that identify the person go.
"""

from __future__ import annotations

from typing import NamedTuple

from sqlalchemy import and_, select

from portal.compliance.registry import Field, Location, Retention, Strategy, register
from portal.compliance.values import DataCategory as C
from portal.extensions import db

ERASED = "[erased]"
ERASED_NAME = "Erased customer"
S = Strategy


def _text(*columns: str) -> tuple[Field, ...]:
    return tuple(Field(c, S.SCRUB) for c in columns)


register(
    Location(
        "customer",
        C.IDENTITY,
        key="id",
        version_column="version_id",
        fields=(
            Field("name", S.REWRITE, ERASED_NAME),
            Field("name_key", S.REWRITE, ERASED_NAME.casefold()),
            Field("email", S.NULL),
            Field("phone", S.NULL),
            Field("alternative_email", S.NULL),
            Field("alternative_phone", S.NULL),
            Field("preferred_contact_time", S.NULL),
            Field("type_data", S.REWRITE, {}),
            Field("tax_id", S.NULL, exported=False),
            Field("registration_number", S.NULL, exported=False),
            Field("legal_entity_name", S.NULL),
            Field("dba_name", S.NULL),
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
    )
)
register(
    Location(
        "customer_address",
        C.ADDRESSES,
        fields=_text("street1", "street2", "city", "state", "postal_code", "note"),
        delete_rows=True,
    )
)
register(
    Location(
        "customer_preference",
        C.PREFERENCES,
        fields=_text("channels", "product_interests", "dietary_preferences", "special_dates"),
        delete_rows=True,
    )
)
register(
    Location(
        "pending_contact_change",
        C.CONTACT,
        fields=(Field("new_value", S.SCRUB), Field("code_hash", S.SCRUB, exported=False)),
        delete_rows=True,
    )
)
# Kept as rows: interaction counts feed segmentation metrics and activity dates.
register(
    Location(
        "interaction",
        C.INTERACTIONS,
        fields=(Field("summary", S.REWRITE, ERASED), Field("details", S.REWRITE, "")),
    )
)

BOOKKEEPING = (
    "Legal obligation to keep commercial and tax records (GDPR Art. 17(3)(b); "
    "e.g. 10 years under German HGB §257 / AO §147)"
)
register(Location("customer_order", C.ORDERS, retention=Retention(BOOKKEEPING, 10, "placed_at")))
# Aggregate counts only: no value identifies the person once the profile is erased.
register(Location("customer_metrics", C.SEGMENTS))
register(Location("segment_change", C.SEGMENTS))
register(Location("customer_segment", C.SEGMENTS, fields=_text("override_justification")))
register(Location("segment_history", C.SEGMENTS, fields=_text("justification")))

CONSENT_PROOF = (
    "Proof of consent and of its withdrawal (GDPR Art. 7(1), Art. 17(3)(e)); "
    "holds no personal values"
)
register(Location("consent_record", C.CONSENT, retention=Retention(CONSENT_PROOF, 3, "at")))

# The events about the customer: ids and structure stay for consumers, values are masked.
register(Location("outbox_event", C.EVENTS, key="aggregate_id", fields=_text("payload")))


def _customer_entries(table, customer_id):
    return and_(table.c.record_type == "customer", table.c.record_id == customer_id)


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
    )
)

REQUEST_RECORD = "Record of consumer requests for 24 months (CCPA regulations §7101)"
register(
    Location(
        "dsar_request",
        C.REQUESTS,
        fields=(
            Field("requester_name", S.REWRITE, ERASED_NAME),
            Field("requester_email", S.NULL),
            Field("requester_phone", S.NULL),
            Field("description", S.SCRUB),
            Field("verification_evidence", S.SCRUB),
            Field("extension_reason", S.SCRUB),
            Field("denial_reason", S.KEEP, why=REQUEST_RECORD),
        ),
    )
)


def _request_events(table, customer_id):
    requests = db.metadata.tables["dsar_request"]
    return table.c.request_id.in_(
        select(requests.c.id).where(requests.c.customer_id == customer_id)
    )


register(Location("dsar_request_event", C.REQUESTS, fields=_text("note"), link=_request_events))
register(Location("dsar_export", C.REQUESTS))


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
    C.REQUESTS: CategoryFacts(
        "Handling data-protection requests",
        "EFI compliance",
        "24 months after the request (CCPA §7101)",
        "Provided by the requester",
    ),
}
