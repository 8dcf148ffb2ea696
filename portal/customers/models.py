"""The Customer aggregate: the customer, its addresses, preferences, interactions, pending
contact changes and retention follow-ups.

B2B identification lives in columns on `customer` (not in `type_data`): its shape is the same for
all six business types, finance will filter by payment terms, and the two identifiers must be
encrypted columns. `type_data` holds exactly the fields of the customer's type (rules.types).
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from portal.customers.values import (
    AcquisitionChannel,
    AddressType,
    ContactField,
    ContactMethod,
    CustomerStatus,
    CustomerType,
    InteractionType,
)
from portal.extensions import db
from portal.models import BigId, UTCDateTime, Uuid, new_uuid, string_enum, utcnow
from portal.security.crypto import EncryptedString

CUSTOMER_ID_PREFIX = "cust-"
CUSTOMER_ID_LENGTH = len(CUSTOMER_ID_PREFIX) + 36


def new_customer_id() -> str:
    """CustomerId: `cust-` followed by a UUID."""
    return f"{CUSTOMER_ID_PREFIX}{uuid.uuid4()}"


class Customer(db.Model):
    __tablename__ = "customer"
    __table_args__ = (
        # The directory filters by type or status and sorts by name: one index range, in order.
        Index("ix_customer_type_name_key", "customer_type", "name_key"),
        Index("ix_customer_status_name_key", "status", "name_key"),
        # Both filters: the page and its count from one range (a bitmap AND took 40 ms).
        Index("ix_customer_type_status_name_key", "customer_type", "status", "name_key"),
        # The review queue: flagged accounts, oldest flag first.
        Index("ix_customer_flagged_inactive_at", "flagged_inactive_at"),
    )
    id: Mapped[str] = mapped_column(
        String(CUSTOMER_ID_LENGTH), primary_key=True, default=new_customer_id
    )
    name: Mapped[str] = mapped_column(String(200))
    # Case-folded copy of name for sorting and prefix filters. A plain column rather than an
    # index on lower(name): SQLite cannot reflect expression indexes, so models and migrations
    # could not be compared there.
    name_key: Mapped[str] = mapped_column(String(200), index=True)
    customer_type: Mapped[CustomerType] = mapped_column(string_enum(CustomerType))
    status: Mapped[CustomerStatus] = mapped_column(string_enum(CustomerStatus))

    # ContactInfo
    email: Mapped[str | None] = mapped_column(String(320), index=True)
    phone: Mapped[str | None] = mapped_column(String(16), index=True)
    alternative_email: Mapped[str | None] = mapped_column(String(320))
    alternative_phone: Mapped[str | None] = mapped_column(String(16))
    preferred_contact_method: Mapped[ContactMethod | None] = mapped_column(
        string_enum(ContactMethod)
    )
    preferred_contact_time: Mapped[str | None] = mapped_column(String(100))
    do_not_contact: Mapped[bool] = mapped_column(Boolean, default=False)
    marketing_opt_out: Mapped[bool] = mapped_column(Boolean, default=False)

    type_data: Mapped[dict] = mapped_column(JSON, default=dict)

    # BusinessIdentification (B2B only)
    tax_id: Mapped[str | None] = mapped_column(EncryptedString)
    registration_number: Mapped[str | None] = mapped_column(EncryptedString)
    legal_entity_name: Mapped[str | None] = mapped_column(String(200))
    dba_name: Mapped[str | None] = mapped_column(String(200))
    industry_code: Mapped[str | None] = mapped_column(String(20))
    year_established: Mapped[int | None] = mapped_column(Integer)
    company_size: Mapped[str | None] = mapped_column(String(20))
    organization_type: Mapped[str | None] = mapped_column(String(40))
    payment_terms: Mapped[str | None] = mapped_column(String(20))

    # How the customer came to EFI; None for those registered before the portal asked.
    acquisition_channel: Mapped[AcquisitionChannel | None] = mapped_column(
        string_enum(AcquisitionChannel, 20)
    )
    acquisition_source: Mapped[str | None] = mapped_column(String(40))  # AcquisitionSource.code

    version_id: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    last_activity_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    flagged_inactive_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When the account left ACTIVE; gives CustomerAccountReactivated its deactivation period.
    deactivated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    addresses: Mapped[list[CustomerAddress]] = relationship(
        back_populates="customer",
        cascade="all, delete-orphan",
        order_by=lambda: (CustomerAddress.address_type, CustomerAddress.is_default.desc()),
    )
    preference: Mapped[CustomerPreference | None] = relationship(cascade="all, delete-orphan")

    __mapper_args__ = {"version_id_col": version_id}

    @validates("name")
    def _keep_name_key(self, _key: str, name: str) -> str:
        self.name_key = name.casefold()
        return name

    @property
    def can_place_orders(self) -> bool:
        """Orders need an ACTIVE account with at least one verified address."""
        from portal.customers.rules import can_place_orders

        return can_place_orders(self.status, any(a.verified for a in self.addresses))


# The directory's search index (portal.customers.search_index): one row per word, e-mail or phone
# form a customer is found by. name_key rides along so a page sorted by name comes from the
# index alone. No foreign key: the rows are derived and rewritten on every change of the
# customer's name or contact, and a per-row check made the million-customer load a minute slower.
customer_search_term = db.Table(
    "customer_search_term",
    # Byte order on every database: a prefix is then exactly a range of the index.
    Column(
        "term", String(340).with_variant(String(340, collation="C"), "postgresql"), nullable=False
    ),
    Column("name_key", String(200), nullable=False),
    Column("customer_id", String(CUSTOMER_ID_LENGTH), nullable=False),
    Index("ix_customer_search_term_term", "term", "name_key", "customer_id"),
    Index("ix_customer_search_term_customer", "customer_id", "term"),
)


class CustomerAddress(db.Model):
    __tablename__ = "customer_address"
    # The directory's country filter: customers with a default shipping address in a country.
    # The flags are included so PostgreSQL counts matches from the index alone.
    __table_args__ = (
        Index(
            "ix_customer_address_country_customer",
            "country",
            "customer_id",
            postgresql_include=["address_type", "is_default"],
        ),
    )

    id: Mapped[str] = mapped_column(Uuid, primary_key=True, default=new_uuid)
    customer_id: Mapped[str] = mapped_column(
        ForeignKey("customer.id", ondelete="CASCADE"), index=True
    )
    address_type: Mapped[AddressType] = mapped_column(string_enum(AddressType))
    is_default: Mapped[bool] = mapped_column(Boolean, default=False)
    street1: Mapped[str] = mapped_column(String(200))
    street2: Mapped[str | None] = mapped_column(String(200))
    city: Mapped[str] = mapped_column(String(100))
    state: Mapped[str | None] = mapped_column(String(100))
    postal_code: Mapped[str | None] = mapped_column(String(20))
    country: Mapped[str] = mapped_column(String(2))
    note: Mapped[str | None] = mapped_column(String(500))
    verified: Mapped[bool] = mapped_column(Boolean, default=False)
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer)

    customer: Mapped[Customer] = relationship(back_populates="addresses")

    __mapper_args__ = {"version_id_col": version}


class CustomerPreference(db.Model):
    """One row per customer; created on the first preferences update."""

    __tablename__ = "customer_preference"

    customer_id: Mapped[str] = mapped_column(
        ForeignKey("customer.id", ondelete="CASCADE"), primary_key=True
    )
    channels: Mapped[list] = mapped_column(JSON, default=list)
    frequency: Mapped[str | None] = mapped_column(String(20))
    language: Mapped[str | None] = mapped_column(String(20))
    product_interests: Mapped[list] = mapped_column(JSON, default=list)
    dietary_preferences: Mapped[list] = mapped_column(JSON, default=list)
    special_dates: Mapped[list] = mapped_column(JSON, default=list)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    # The version the edit form saw: a save over someone else's is refused (409).
    version: Mapped[int] = mapped_column(Integer)

    __mapper_args__ = {"version_id_col": version}


class Interaction(db.Model):
    __tablename__ = "interaction"
    __table_args__ = (
        Index("ix_interaction_customer_occurred", "customer_id", "occurred_at"),
        Index("ix_interaction_recorded_by_occurred", "recorded_by", "occurred_at"),
    )

    id: Mapped[str] = mapped_column(Uuid, primary_key=True, default=new_uuid)
    customer_id: Mapped[str] = mapped_column(ForeignKey("customer.id", ondelete="CASCADE"))
    type: Mapped[InteractionType] = mapped_column(string_enum(InteractionType))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    summary: Mapped[str] = mapped_column(String(300))
    details: Mapped[str] = mapped_column(Text, default="")
    # The staff user's id; no foreign key, the history outlives staff accounts.
    recorded_by: Mapped[str] = mapped_column(Uuid)


class RetentionFollowUp(db.Model):
    """SubscriptionCancelled: the customer is queued for a retention call."""

    __tablename__ = "retention_follow_up"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    customer_id: Mapped[str] = mapped_column(
        ForeignKey("customer.id", ondelete="CASCADE"), index=True
    )
    subscription_id: Mapped[str] = mapped_column(String(80))
    reason: Mapped[str | None] = mapped_column(Text)
    flagged_at: Mapped[datetime] = mapped_column(UTCDateTime)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class PendingContactChange(db.Model):
    """A new primary e-mail or phone waiting for the code sent to it; one per field."""

    __tablename__ = "pending_contact_change"

    customer_id: Mapped[str] = mapped_column(
        ForeignKey("customer.id", ondelete="CASCADE"), primary_key=True
    )
    field: Mapped[ContactField] = mapped_column(string_enum(ContactField), primary_key=True)
    new_value: Mapped[str] = mapped_column(String(320))
    code_hash: Mapped[str] = mapped_column(String(64))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    requested_by: Mapped[str] = mapped_column(Uuid)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # A new request over one the user did not see is refused (409).
    version: Mapped[int] = mapped_column(Integer)

    __mapper_args__ = {"version_id_col": version}


class ValidationRuleVersion(db.Model):
    """Every save of the customer data validation rules (rules.configured.RuleSet as JSON); the
    highest version is in force. Like segment rules, a change is a new version, never an edit."""

    __tablename__ = "customer_validation_rule_version"

    version: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    rules: Mapped[dict] = mapped_column(JSON)
    note: Mapped[str] = mapped_column(String(200), default="")
    # The preview counted when it was saved: existing customers failing, in all and per rule.
    # They keep their data (the data-quality report); their next edit must fix the field.
    failing: Mapped[dict] = mapped_column(JSON)
    created_by: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


# Counters over the customer record (portal.customers.rollups): a row per customer of what
# the dashboards count, and its sums, which the data-quality and acquisition pages read instead
# of scanning every customer.
class CustomerFact(db.Model):
    """What one customer adds to the sums: 1 per field filled in, its type, registration day
    and country; a change to the customer moves the sums by the difference."""

    __tablename__ = "customer_fact"

    customer_id: Mapped[str] = mapped_column(String(CUSTOMER_ID_LENGTH), primary_key=True)
    customer_type: Mapped[CustomerType] = mapped_column(string_enum(CustomerType))
    registered_on: Mapped[date] = mapped_column(Date)
    country: Mapped[str] = mapped_column(String(2))  # of the default address; "" without one
    email: Mapped[int] = mapped_column(Integer)
    phone: Mapped[int] = mapped_column(Integer)
    alternative_email: Mapped[int] = mapped_column(Integer)
    alternative_phone: Mapped[int] = mapped_column(Integer)
    preferred_contact_time: Mapped[int] = mapped_column(Integer)
    address: Mapped[int] = mapped_column(Integer)  # 1 when it has any address
    verified_address: Mapped[int] = mapped_column(Integer)
    unverified_addresses: Mapped[int] = mapped_column(Integer)  # how many


class CompletenessCounts:
    """Customers, and how many of them have each field (customers.rollups.FIELDS): the
    columns of both completeness sums."""

    customers: Mapped[int] = mapped_column(BigInteger)
    email: Mapped[int] = mapped_column(BigInteger)
    phone: Mapped[int] = mapped_column(BigInteger)
    alternative_email: Mapped[int] = mapped_column(BigInteger)
    alternative_phone: Mapped[int] = mapped_column(BigInteger)
    preferred_contact_time: Mapped[int] = mapped_column(BigInteger)
    address: Mapped[int] = mapped_column(BigInteger)
    verified_address: Mapped[int] = mapped_column(BigInteger)
    unverified_addresses: Mapped[int] = mapped_column(BigInteger)


class CompletenessByType(CompletenessCounts, db.Model):
    """Customers of a type, and how many of them have each field."""

    __tablename__ = "customer_completeness_by_type"

    customer_type: Mapped[CustomerType] = mapped_column(string_enum(CustomerType), primary_key=True)


class RegistrationsDaily(db.Model):
    """Customers registered on a day (UTC) of a type in a country, as they are now (an erased
    or re-typed customer counts where it is now)."""

    __tablename__ = "customer_registrations_daily"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    customer_type: Mapped[CustomerType] = mapped_column(string_enum(CustomerType), primary_key=True)
    country: Mapped[str] = mapped_column(String(2), primary_key=True)
    customers: Mapped[int] = mapped_column(BigInteger)


class CompletenessDaily(CompletenessCounts, db.Model):
    """The completeness sums per customer type and segment at the end of a day: the nightly
    snapshot of the fact rows (customers.rollups.snapshot), for the trend and the per-segment
    view. segment_id is "" for customers in no segment."""

    __tablename__ = "customer_completeness_daily"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    customer_type: Mapped[CustomerType] = mapped_column(string_enum(CustomerType), primary_key=True)
    segment_id: Mapped[str] = mapped_column(String(36), primary_key=True)


class AddressVerificationDaily(db.Model):
    """Address checks per day (UTC), country and outcome: "verified", "unconfirmed" (the
    service would not confirm it deliverable), "unavailable", or the first field refused
    ("postal_code", ...). The record itself: a refused check saves nothing else."""

    __tablename__ = "address_verification_daily"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    country: Mapped[str] = mapped_column(String(2), primary_key=True)
    outcome: Mapped[str] = mapped_column(String(40), primary_key=True)
    attempts: Mapped[int] = mapped_column(BigInteger)


class AcquisitionSource(db.Model):
    """A source customers come from (a campaign, a partner, a fair), in one channel: the list
    marketing extends. Never deleted or moved to another channel once customers name it, so the
    counts by source stay true."""

    __tablename__ = "acquisition_source"

    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    channel: Mapped[AcquisitionChannel] = mapped_column(string_enum(AcquisitionChannel, 20))
    name: Mapped[str] = mapped_column(String(100), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


# The acquisition rollups (portal.customers.acquisition_rollups): what one customer adds to the
# registrations by channel and source and to the verification funnel, and the sums per day.
class AcquisitionFact(db.Model):
    """One customer's registration day, type, channel and source ("" when not known), and how
    far it went through verification: 1 when a code was sent, a wrong code entered, a code
    confirmed (from the audit entries of the verification-code use cases)."""

    __tablename__ = "customer_acquisition_fact"

    customer_id: Mapped[str] = mapped_column(String(CUSTOMER_ID_LENGTH), primary_key=True)
    registered_on: Mapped[date] = mapped_column(Date)
    customer_type: Mapped[CustomerType] = mapped_column(string_enum(CustomerType))
    channel: Mapped[str] = mapped_column(String(20))
    source: Mapped[str] = mapped_column(String(40))
    code_sent: Mapped[int] = mapped_column(Integer)
    wrong_code: Mapped[int] = mapped_column(Integer)
    verified: Mapped[int] = mapped_column(Integer)


class AcquisitionDaily(db.Model):
    """Customers registered on a day (UTC) of a type through a channel and source, and how many
    of them were sent a code, entered a wrong one, confirmed one."""

    __tablename__ = "customer_acquisition_daily"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    customer_type: Mapped[CustomerType] = mapped_column(string_enum(CustomerType), primary_key=True)
    channel: Mapped[str] = mapped_column(String(20), primary_key=True)
    source: Mapped[str] = mapped_column(String(40), primary_key=True)
    registered: Mapped[int] = mapped_column(BigInteger)
    code_sent: Mapped[int] = mapped_column(BigInteger)
    wrong_code: Mapped[int] = mapped_column(BigInteger)
    verified: Mapped[int] = mapped_column(BigInteger)


class AcquisitionSegment(db.Model):
    """Customers registered in a month through a source who are in a segment ("" for none),
    as at the nightly snapshot of `taken_on` (acquisition_rollups.snapshot): what the
    acquisition cost by segment shares each source's monthly spend over."""

    __tablename__ = "customer_acquisition_segment"

    month: Mapped[date] = mapped_column(Date, primary_key=True)  # its first day
    source: Mapped[str] = mapped_column(String(40), primary_key=True)
    segment_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    customers: Mapped[int] = mapped_column(BigInteger)
    taken_on: Mapped[date] = mapped_column(Date)
