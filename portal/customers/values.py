"""Value objects of the customer domain: the named vocabularies and the validated inputs.

Names follow the domain document; the input dataclasses are what views hand to the services.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from portal.labels import Labelled, declare


class CustomerType(Labelled):
    DIASPORA_COMMUNITY = "DIASPORA_COMMUNITY", "Diaspora community"
    TOURIST = "TOURIST"
    EXPAT = "EXPAT"
    INDIGENOUS_FOODIE = "INDIGENOUS_FOODIE"
    FOOD_TRUCK = "FOOD_TRUCK"
    PRIVATE_CHEF = "PRIVATE_CHEF"
    SPECIALTY_MARKET = "SPECIALTY_MARKET"
    LIMITED_SERVICE_RESTAURANT = "LIMITED_SERVICE_RESTAURANT"
    FULL_SERVICE_RESTAURANT = "FULL_SERVICE_RESTAURANT"
    HOTEL_RESTAURANT = "HOTEL_RESTAURANT"

    @property
    def is_b2b(self) -> bool:
        return self in B2B_TYPES


B2B_TYPES = frozenset(
    {
        CustomerType.FOOD_TRUCK,
        CustomerType.PRIVATE_CHEF,
        CustomerType.SPECIALTY_MARKET,
        CustomerType.LIMITED_SERVICE_RESTAURANT,
        CustomerType.FULL_SERVICE_RESTAURANT,
        CustomerType.HOTEL_RESTAURANT,
    }
)


class CustomerStatus(Labelled):
    ACTIVE = "ACTIVE"
    INACTIVE = "INACTIVE"
    SUSPENDED = "SUSPENDED"
    CLOSED = "CLOSED"
    PENDING_VERIFICATION = "PENDING_VERIFICATION", "Awaiting verification"


class AcquisitionChannel(Labelled):
    """How a customer first came to EFI; each acquisition source (a list marketing extends,
    `AcquisitionSource`) belongs to one of these."""

    DIRECT = "DIRECT", "Direct"
    ORGANIC_SEARCH = "ORGANIC_SEARCH", "Organic search"
    PAID_SEARCH = "PAID_SEARCH", "Paid search"
    SOCIAL = "SOCIAL", "Social media"
    EMAIL = "EMAIL", "E-mail marketing"
    REFERRAL = "REFERRAL", "Referral"
    EVENT = "EVENT", "Events and tastings"
    PARTNER = "PARTNER", "Partners and distributors"
    SALES = "SALES", "Sales team"


class ContactMethod(Labelled):
    EMAIL = "EMAIL", "E-mail"
    PHONE = "PHONE"
    SMS = "SMS"
    MAIL = "MAIL"


class AddressType(Labelled):
    BILLING = "BILLING"
    SHIPPING = "SHIPPING"
    MAILING = "MAILING"


class InteractionType(Labelled):
    NOTE = "NOTE"
    CALL = "CALL"
    EMAIL = "EMAIL", "E-mail"
    MEETING = "MEETING"
    SUPPORT_TICKET = "SUPPORT_TICKET"
    VISIT = "VISIT"
    # Touchpoints other contexts report through events; staff do not record these by hand.
    CAMPAIGN = "CAMPAIGN", "Campaign engagement"
    REVIEW = "REVIEW", "Product review"
    AUTHENTICATION_SCAN = "AUTHENTICATION_SCAN", "Product authentication scan"


# The interaction types a member of staff records on the profile.
RECORDED_BY_STAFF = tuple(
    kind
    for kind in InteractionType
    if kind
    not in (InteractionType.CAMPAIGN, InteractionType.REVIEW, InteractionType.AUTHENTICATION_SCAN)
)


class ResidencyStatus(Labelled):
    PERMANENT = "PERMANENT"
    TEMPORARY = "TEMPORARY"
    WORK_PERMIT = "WORK_PERMIT"
    STUDENT = "STUDENT"
    TOURIST = "TOURIST"


class ContactField(Labelled):
    """The primary contact fields whose change needs a code sent to the new value."""

    EMAIL = "email", "E-mail"
    PHONE = "phone", "Phone"


# A code sent to confirm a new primary e-mail or phone: how long it lasts, how many tries.
CODE_LIFETIME = timedelta(minutes=15)
CODE_MAX_ATTEMPTS = 5

CARIBBEAN_CUISINES = (
    "BAHAMIAN",
    "BARBADIAN",
    "CUBAN",
    "DOMINICAN",
    "GRENADIAN",
    "GUYANESE",
    "HAITIAN",
    "JAMAICAN",
    "PUERTO_RICAN",
    "SURINAMESE",
    "TRINIDADIAN",
    "VINCENTIAN",
)
DELIVERY_FREQUENCIES = ("WEEKLY", "BIWEEKLY", "MONTHLY", "QUARTERLY")
COMMUNICATION_FREQUENCIES = ("DAILY", "WEEKLY", "MONTHLY", "RARELY")
ORGANIZATION_TYPES = ("CORPORATION", "LLC", "PARTNERSHIP", "SOLE_PROPRIETORSHIP", "NONPROFIT")
COMPANY_SIZES = ("MICRO", "SMALL", "MEDIUM", "LARGE", "ENTERPRISE")
PAYMENT_TERMS = ("PREPAID", "DUE_ON_RECEIPT", "NET_15", "NET_30", "NET_60", "NET_90")
# Free text, but the demo data and many imports write one of these.
CULTURAL_AFFINITIES = ("STRONG", "MODERATE", "LIGHT")
declare(
    (
        *CARIBBEAN_CUISINES,
        *DELIVERY_FREQUENCIES,
        *COMMUNICATION_FREQUENCIES,
        *ORGANIZATION_TYPES,
        *COMPANY_SIZES,
        *PAYMENT_TERMS,
        *CULTURAL_AFFINITIES,
    ),
    {
        "PUERTO_RICAN": "Puerto Rican",
        "BIWEEKLY": "Every two weeks",
        "SOLE_PROPRIETORSHIP": "Sole proprietorship",
        "NONPROFIT": "Non-profit",
    },
)
# The type and business fields' names as people read them (the rest read as humanised).
FIELD_LABELS = {
    "generational_remove": "Generations removed",
    "license_permit": "Licence / permit",
    "dba_name": "Doing business as",
    "tax_id": "Tax id",
    "star_rating": "Star rating",
}
declare(FIELD_LABELS, FIELD_LABELS)


def camel(name: str) -> str:
    """A field's name as events and the API publish it: `origin_region` → `originRegion`."""
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


@dataclass(frozen=True)
class ContactInfo:
    email: str | None = None
    phone: str | None = None  # E.164, e.g. +18765551234
    alternative_email: str | None = None
    alternative_phone: str | None = None
    preferred_contact_method: ContactMethod | None = None
    preferred_contact_time: str | None = None
    do_not_contact: bool = False


@dataclass(frozen=True)
class BusinessIdentification:
    """B2B identification. In updates, tax_id/registration_number None keeps the stored value."""

    tax_id: str | None = None
    registration_number: str | None = None
    legal_entity_name: str | None = None
    dba_name: str | None = None
    industry_code: str | None = None
    year_established: int | None = None
    company_size: str | None = None
    organization_type: str | None = None
    payment_terms: str | None = None


@dataclass(frozen=True)
class NewCustomer:
    name: str
    customer_type: CustomerType
    contact: ContactInfo
    type_data: dict = field(default_factory=dict)
    business: BusinessIdentification | None = None
    marketing_opt_out: bool = False
    # Staff may register an account straight into ACTIVE, or leave it to be verified.
    status: CustomerStatus = CustomerStatus.ACTIVE
    # As given (form, file, API): checked against the channels and the source list.
    acquisition_channel: str | None = None
    acquisition_source: str | None = None


@dataclass(frozen=True)
class ProfileChanges:
    """An edit of the profile. Primary e-mail/phone change only through a confirmed code, and
    the customer type only through segmentation, so neither appears here."""

    name: str
    alternative_email: str | None = None
    alternative_phone: str | None = None
    preferred_contact_method: ContactMethod | None = None
    preferred_contact_time: str | None = None
    do_not_contact: bool = False
    marketing_opt_out: bool = False
    type_data: dict = field(default_factory=dict)
    business: BusinessIdentification | None = None


@dataclass(frozen=True)
class AddressData:
    address_type: AddressType
    street1: str
    city: str
    country: str  # ISO-3166-1 alpha-2
    street2: str | None = None
    state: str | None = None
    postal_code: str | None = None
    note: str | None = None


@dataclass(frozen=True)
class Preferences:
    channels: tuple[str, ...] = ()
    frequency: str | None = None
    language: str | None = None  # e.g. "en", "es", "fr-CA"
    product_interests: tuple[str, ...] = ()
    dietary_preferences: tuple[str, ...] = ()
    # ({"label": "Birthday", "date": "05-14"}, ...): month-day, or a full ISO date
    special_dates: tuple[dict, ...] = ()


class AddressCheckOutcome(Labelled):
    """How an address check ended, as the data-quality dashboard counts it; a check refused for
    a field counts under that field's name ("postal_code", ...)."""

    VERIFIED = "verified", "Verified"
    UNCONFIRMED = "unconfirmed", "Not confirmed deliverable"
    UNAVAILABLE = "unavailable", "Verifier unavailable"
