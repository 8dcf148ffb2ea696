"""Acquisition: each customer's channel and source (NULL for those registered before), the list
of sources marketing extends (seeded with a first set), the marketing spend per source and
month, and the rollups of registrations by channel and source with the verification funnel: a
row per customer and the sums per day, type, channel and source.

Revision ID: 0025_acquisition
Revises: 0024_operations
Create Date: 2026-12-02

The rollups start empty; `flask --app wsgi dashboards rebuild` fills them from the customers and
the audit entries of the verification-code use cases.
"""

from datetime import datetime

import sqlalchemy as sa
from alembic import op

revision = "0025_acquisition"
down_revision = "0024_operations"
branch_labels = None
depends_on = None

CUSTOMER_TYPES = (
    "DIASPORA_COMMUNITY",
    "TOURIST",
    "EXPAT",
    "INDIGENOUS_FOODIE",
    "FOOD_TRUCK",
    "PRIVATE_CHEF",
    "SPECIALTY_MARKET",
    "LIMITED_SERVICE_RESTAURANT",
    "FULL_SERVICE_RESTAURANT",
    "HOTEL_RESTAURANT",
)
CHANNELS = (
    "DIRECT",
    "ORGANIC_SEARCH",
    "PAID_SEARCH",
    "SOCIAL",
    "EMAIL",
    "REFERRAL",
    "EVENT",
    "PARTNER",
    "SALES",
)
# (code, channel, name): the first sources; marketing adds more on /customers/acquisition-sources.
SOURCES = (
    ("WEBSITE", "DIRECT", "Website, typed in"),
    ("GOOGLE_ORGANIC", "ORGANIC_SEARCH", "Google search results"),
    ("GOOGLE_ADS", "PAID_SEARCH", "Google Ads"),
    ("BING_ADS", "PAID_SEARCH", "Microsoft Ads"),
    ("INSTAGRAM", "SOCIAL", "Instagram"),
    ("FACEBOOK", "SOCIAL", "Facebook"),
    ("TIKTOK", "SOCIAL", "TikTok"),
    ("NEWSLETTER", "EMAIL", "EFI newsletter"),
    ("CUSTOMER_REFERRAL", "REFERRAL", "Referred by a customer"),
    ("FOOD_FESTIVAL", "EVENT", "Food festivals"),
    ("TRADE_SHOW", "EVENT", "Trade shows"),
    ("DISTRIBUTOR", "PARTNER", "Distributor partners"),
    ("FIELD_SALES", "SALES", "Field sales visits"),
)


def _enum(name: str, values: tuple, length: int) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, length=length)


def upgrade():
    # Nullable without a default: on PostgreSQL a catalogue-only change, however big the table.
    with op.batch_alter_table("customer", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "acquisition_channel", _enum("acquisitionchannel", CHANNELS, 20), nullable=True
            )
        )
        batch_op.add_column(sa.Column("acquisition_source", sa.String(length=40), nullable=True))
    source = op.create_table(
        "acquisition_source",
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("channel", _enum("acquisitionchannel", CHANNELS, 20), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_acquisition_source")),
        sa.UniqueConstraint("name", name=op.f("uq_acquisition_source_name")),
    )
    op.bulk_insert(
        source,
        [
            {"code": code, "channel": channel, "name": name, "created_at": datetime(2026, 12, 2)}
            for code, channel, name in SOURCES
        ],
    )
    op.create_table(
        "marketing_spend",
        sa.Column("source", sa.String(length=40), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=36), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("source", "month", "currency", name=op.f("pk_marketing_spend")),
    )
    kind = _enum("customertype", CUSTOMER_TYPES, 40)
    funnel = ("code_sent", "wrong_code", "verified")
    op.create_table(
        "customer_acquisition_fact",
        sa.Column("customer_id", sa.String(length=41), nullable=False),
        sa.Column("registered_on", sa.Date(), nullable=False),
        sa.Column("customer_type", kind, nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("source", sa.String(length=40), nullable=False),
        *[sa.Column(name, sa.Integer(), nullable=False) for name in funnel],
        sa.PrimaryKeyConstraint("customer_id", name=op.f("pk_customer_acquisition_fact")),
    )
    op.create_table(
        "customer_acquisition_daily",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("customer_type", kind, nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("source", sa.String(length=40), nullable=False),
        *[sa.Column(name, sa.BigInteger(), nullable=False) for name in ("registered", *funnel)],
        sa.PrimaryKeyConstraint(
            "day",
            "customer_type",
            "channel",
            "source",
            name=op.f("pk_customer_acquisition_daily"),
        ),
    )


def downgrade():
    for table in (
        "customer_acquisition_daily",
        "customer_acquisition_fact",
        "marketing_spend",
        "acquisition_source",
    ):
        op.drop_table(table)
    with op.batch_alter_table("customer", schema=None) as batch_op:
        batch_op.drop_column("acquisition_source")
        batch_op.drop_column("acquisition_channel")
