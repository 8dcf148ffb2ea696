"""Loyalty: the points ledger, a summary row per account, the tier history, the programme's
versioned settings; the permission to administer the programme (marketing runs promotions,
administrators everything).

Revision ID: 0020_loyalty
Revises: 0019_perf_indexes
Create Date: 2026-12-02

"""

import sqlalchemy as sa
from alembic import op

revision = "0020_loyalty"
down_revision = "0019_perf_indexes"
branch_labels = None
depends_on = None

PERMISSION = "loyalty:manage"
DESCRIPTION = "Set up the loyalty programme, adjust customers' points, grant Ambassador"
MARKETING, ADMINISTRATOR = 3, 6  # role ids of revision 0001
TIERS = ("STANDARD", "SILVER", "GOLD", "PLATINUM", "AMBASSADOR")


def _big_id():
    return sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _at(name, nullable=False):
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _tier(name, nullable=False):
    return sa.Column(
        name,
        sa.Enum(*TIERS, name="loyaltytier", native_enum=False, length=20),
        nullable=nullable,
    )


def upgrade():
    op.create_table(
        "loyalty_account",
        sa.Column("customer_id", sa.String(length=41), nullable=False),
        _tier("tier"),
        sa.Column("balance", sa.BigInteger(), nullable=False),
        sa.Column("pending", sa.BigInteger(), nullable=False),
        sa.Column("debt", sa.BigInteger(), nullable=False),
        sa.Column("tier_points", sa.BigInteger(), nullable=False),
        _at("qualifying_since"),
        _at("enrolled_at"),
        _at("last_activity_at", nullable=True),
        _at("downgrade_due_at", nullable=True),
        sa.PrimaryKeyConstraint("customer_id", name=op.f("pk_loyalty_account")),
    )
    op.create_index("ix_loyalty_account_tier", "loyalty_account", ["tier"])
    op.create_table(
        "loyalty_entry",
        sa.Column("id", _big_id(), autoincrement=True, nullable=False),
        sa.Column("customer_id", sa.String(length=41), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "EARN",
                "REDEEM",
                "EXPIRE",
                "ADJUST",
                "REVERSE",
                "TRANSFER",
                name="entrykind",
                native_enum=False,
                length=10,
            ),
            nullable=False,
        ),
        sa.Column("points", sa.BigInteger(), nullable=False),
        _at("at"),
        sa.Column("remaining", sa.BigInteger(), nullable=False),
        sa.Column("pending", sa.Boolean(), nullable=False),
        _at("available_at", nullable=True),
        _at("expires_at", nullable=True),
        sa.Column("qualifying_points", sa.BigInteger(), nullable=False),
        sa.Column("batch_id", _big_id(), nullable=True),
        sa.Column("order_id", sa.String(length=80), nullable=True),
        sa.Column("amount_minor", sa.BigInteger(), nullable=True),
        sa.Column("reason", sa.String(length=1000), nullable=True),
        sa.Column("actor", sa.String(length=80), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_loyalty_entry")),
    )
    op.create_index("ix_loyalty_entry_customer_at", "loyalty_entry", ["customer_id", "at"])
    op.create_index(
        "ix_loyalty_entry_open",
        "loyalty_entry",
        ["expires_at"],
        postgresql_where=sa.text("remaining > 0"),
        sqlite_where=sa.text("remaining > 0"),
    )
    op.create_index("ix_loyalty_entry_order", "loyalty_entry", ["order_id"])
    op.create_table(
        "loyalty_tier_history",
        sa.Column("id", _big_id(), autoincrement=True, nullable=False),
        sa.Column("customer_id", sa.String(length=41), nullable=False),
        _tier("from_tier", nullable=True),
        _tier("to_tier"),
        sa.Column(
            "reason_code",
            sa.Enum(
                "ENROLLED",
                "QUALIFIED",
                "DOWNGRADED",
                "AMBASSADOR_GRANTED",
                "AMBASSADOR_REVOKED",
                "MERGED",
                name="tierreason",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("note", sa.String(length=1000), nullable=True),
        _at("at"),
        sa.Column("actor", sa.String(length=80), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_loyalty_tier_history")),
    )
    op.create_index(
        "ix_loyalty_tier_history_customer_at", "loyalty_tier_history", ["customer_id", "at"]
    )
    op.create_index("ix_loyalty_tier_history_at", "loyalty_tier_history", ["at"])
    op.create_table(
        "loyalty_programme_version",
        sa.Column("version", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("settings", sa.JSON(), nullable=False),
        sa.Column("note", sa.String(length=200), nullable=False),
        sa.Column("created_by", sa.String(length=80), nullable=False),
        _at("created_at"),
        sa.PrimaryKeyConstraint("version", name=op.f("pk_loyalty_programme_version")),
    )

    permission = sa.table("permission", sa.column("name"), sa.column("description"))
    grant = sa.table("role_permission", sa.column("role_id"), sa.column("permission_name"))
    op.bulk_insert(permission, [{"name": PERMISSION, "description": DESCRIPTION}])
    op.bulk_insert(
        grant, [{"role_id": r, "permission_name": PERMISSION} for r in (MARKETING, ADMINISTRATOR)]
    )


def downgrade():
    grant = sa.table("role_permission", sa.column("permission_name"))
    permission = sa.table("permission", sa.column("name"))
    op.execute(grant.delete().where(grant.c.permission_name == PERMISSION))
    op.execute(permission.delete().where(permission.c.name == PERMISSION))
    for table in (
        "loyalty_programme_version",
        "loyalty_tier_history",
        "loyalty_entry",
        "loyalty_account",
    ):
        op.drop_table(table)
