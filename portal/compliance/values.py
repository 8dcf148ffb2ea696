"""The vocabularies of data-subject requests, consent and retention."""

from __future__ import annotations

from portal.labels import Labelled


class RequestType(Labelled):
    ACCESS = "ACCESS"
    PORTABILITY = "PORTABILITY"
    ERASURE = "ERASURE"
    RECTIFICATION = "RECTIFICATION"
    RESTRICTION = "RESTRICTION"
    OPT_OUT_OF_SALE = "OPT_OUT_OF_SALE", "Opt-out of sale/sharing"


# Requests whose answer is an export of the customer's data; while one is open, retention
# purges leave that customer alone.
EXPORT_TYPES = frozenset({RequestType.ACCESS, RequestType.PORTABILITY})


class Jurisdiction(Labelled):
    GDPR = "GDPR"
    CCPA = "CCPA"
    INTERNAL = "INTERNAL", "Internal policy"


class Channel(Labelled):
    EMAIL = "EMAIL", "E-mail"
    PHONE = "PHONE"
    WEB_FORM = "WEB_FORM"
    LETTER = "LETTER"


class RequestStatus(Labelled):
    RECEIVED = "RECEIVED"
    VERIFYING = "VERIFYING"
    IN_PROGRESS = "IN_PROGRESS"
    AWAITING_APPROVAL = "AWAITING_APPROVAL"
    COMPLETED = "COMPLETED"
    DENIED = "DENIED"
    EXTENDED = "EXTENDED"
    ON_HOLD = "ON_HOLD"
    CANCELLED = "CANCELLED"


CLOSED_STATUSES = frozenset(
    {RequestStatus.COMPLETED, RequestStatus.DENIED, RequestStatus.CANCELLED}
)
OPEN_STATUSES = frozenset(RequestStatus) - CLOSED_STATUSES


class ErasureScope(Labelled):
    FULL = "FULL"
    PARTIAL = "PARTIAL"


class LegalBasis(Labelled):
    GDPR_REQUEST = "GDPR_REQUEST", "GDPR request"
    CCPA_REQUEST = "CCPA_REQUEST", "CCPA request"
    INTERNAL_POLICY = "INTERNAL_POLICY"


class CompletionStatus(Labelled):
    SUCCESS = "SUCCESS"
    PARTIAL = "PARTIAL"
    FAILED = "FAILED"


class DataCategory(Labelled):
    IDENTITY = "IDENTITY"
    CONTACT = "CONTACT"
    ADDRESSES = "ADDRESSES"
    PREFERENCES = "PREFERENCES"
    INTERACTIONS = "INTERACTIONS"
    ORDERS = "ORDERS"
    SEGMENTS = "SEGMENTS"
    CONSENT = "CONSENT"
    APPROVALS = "APPROVALS"
    EVENTS = "EVENTS"
    ACCESS_LOG = "ACCESS_LOG", "Access log"
    REQUESTS = "REQUESTS", "Data-subject requests"


class ConsentPurpose(Labelled):
    MARKETING_EMAIL = "MARKETING_EMAIL", "Marketing e-mail"
    MARKETING_SMS = "MARKETING_SMS", "Marketing SMS"
    PROFILING = "PROFILING", "Profiling and segmentation"
    PARTNER_SHARING = "PARTNER_SHARING", "Sharing with partners"


class ConsentChannel(Labelled):
    WEB_FORM = "WEB_FORM"
    EMAIL = "EMAIL", "E-mail"
    PHONE = "PHONE"
    IN_PERSON = "IN_PERSON", "In person"
    LETTER = "LETTER"


class RetentionRule(Labelled):
    """What each retention policy does; the months are configured per policy."""

    ANONYMIZE_INTERACTIONS = "ANONYMIZE_INTERACTIONS", "Anonymise old interactions"
    PURGE_CLOSED_ACCOUNTS = "PURGE_CLOSED_ACCOUNTS", "Erase closed accounts"
    FLAG_INACTIVE = "FLAG_INACTIVE", "Flag inactive customers"
    DELETE_EXPIRED_EXPORTS = "DELETE_EXPIRED_EXPORTS", "Delete expired exports"
