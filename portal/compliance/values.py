"""The vocabularies of data-subject requests, consent and retention."""

from __future__ import annotations

from enum import StrEnum


class RequestType(StrEnum):
    ACCESS = "ACCESS"
    PORTABILITY = "PORTABILITY"
    ERASURE = "ERASURE"
    RECTIFICATION = "RECTIFICATION"
    RESTRICTION = "RESTRICTION"
    OPT_OUT_OF_SALE = "OPT_OUT_OF_SALE"

    @property
    def label(self) -> str:
        return "Opt-out of sale/sharing" if self is RequestType.OPT_OUT_OF_SALE else self.title()


# Requests whose answer is an export of the customer's data; while one is open, retention
# purges leave that customer alone.
EXPORT_TYPES = frozenset({RequestType.ACCESS, RequestType.PORTABILITY})


class Jurisdiction(StrEnum):
    GDPR = "GDPR"
    CCPA = "CCPA"
    INTERNAL = "INTERNAL"


class Channel(StrEnum):
    EMAIL = "EMAIL"
    PHONE = "PHONE"
    WEB_FORM = "WEB_FORM"
    LETTER = "LETTER"


class RequestStatus(StrEnum):
    RECEIVED = "RECEIVED"
    VERIFYING = "VERIFYING"
    IN_PROGRESS = "IN_PROGRESS"
    AWAITING_APPROVAL = "AWAITING_APPROVAL"
    COMPLETED = "COMPLETED"
    DENIED = "DENIED"
    EXTENDED = "EXTENDED"
    ON_HOLD = "ON_HOLD"
    CANCELLED = "CANCELLED"

    @property
    def label(self) -> str:
        return self.replace("_", " ").capitalize()


CLOSED_STATUSES = frozenset(
    {RequestStatus.COMPLETED, RequestStatus.DENIED, RequestStatus.CANCELLED}
)
OPEN_STATUSES = frozenset(RequestStatus) - CLOSED_STATUSES


class ErasureScope(StrEnum):
    FULL = "FULL"
    PARTIAL = "PARTIAL"


class LegalBasis(StrEnum):
    GDPR_REQUEST = "GDPR_REQUEST"
    CCPA_REQUEST = "CCPA_REQUEST"
    INTERNAL_POLICY = "INTERNAL_POLICY"


class CompletionStatus(StrEnum):
    SUCCESS = "SUCCESS"
    PARTIAL = "PARTIAL"
    FAILED = "FAILED"


class DataCategory(StrEnum):
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
    ACCESS_LOG = "ACCESS_LOG"
    REQUESTS = "REQUESTS"

    @property
    def label(self) -> str:
        return self.replace("_", " ").capitalize()


class ConsentPurpose(StrEnum):
    MARKETING_EMAIL = "MARKETING_EMAIL"
    MARKETING_SMS = "MARKETING_SMS"
    PROFILING = "PROFILING"
    PARTNER_SHARING = "PARTNER_SHARING"

    @property
    def label(self) -> str:
        return {
            "MARKETING_EMAIL": "Marketing e-mail",
            "MARKETING_SMS": "Marketing SMS",
            "PROFILING": "Profiling and segmentation",
            "PARTNER_SHARING": "Sharing with partners",
        }[self.value]


class ConsentChannel(StrEnum):
    WEB_FORM = "WEB_FORM"
    EMAIL = "EMAIL"
    PHONE = "PHONE"
    IN_PERSON = "IN_PERSON"
    LETTER = "LETTER"


class RetentionRule(StrEnum):
    """What each retention policy does; the months are configured per policy."""

    ANONYMIZE_INTERACTIONS = "ANONYMIZE_INTERACTIONS"
    PURGE_CLOSED_ACCOUNTS = "PURGE_CLOSED_ACCOUNTS"
    FLAG_INACTIVE = "FLAG_INACTIVE"
    DELETE_EXPIRED_EXPORTS = "DELETE_EXPIRED_EXPORTS"
