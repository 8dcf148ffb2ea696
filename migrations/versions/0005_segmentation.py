"""Segmentation: order history and behaviour metrics (kept by consumed events), segments with
versioned rules, each customer's primary segment and override, the segment history, the staging
table of evaluation runs, recompute runs and notification read cursors.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28

"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "segment",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column(
            "segment_type",
            sa.Enum("B2C", "B2B", name="segmenttype", native_enum=False, length=20),
            nullable=False,
        ),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("is_fallback", sa.Boolean(), nullable=False),
        sa.Column("rule", sa.JSON(), nullable=False),
        sa.Column(
            "rule_version_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_segment")),
        sa.UniqueConstraint("name", name=op.f("uq_segment_name")),
    )
    op.create_table(
        "segment_change",
        sa.Column("run_id", sa.String(length=36), nullable=False),
        sa.Column("customer_id", sa.String(length=41), nullable=False),
        sa.Column("from_segment_id", sa.String(length=36), nullable=True),
        sa.Column("to_segment_id", sa.String(length=36), nullable=False),
        sa.Column(
            "reason_code",
            sa.Enum(
                "RULE_MATCHED",
                "FALLBACK",
                "ADMIN_OVERRIDE",
                "OVERRIDE_EXPIRED",
                name="reasoncode",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("override_expired", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("run_id", "customer_id", name=op.f("pk_segment_change")),
    )
    op.create_table(
        "segment_recompute_run",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("changed", sa.Integer(), nullable=False),
        sa.Column("actor", sa.String(length=80), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_segment_recompute_run")),
    )
    op.create_table(
        "customer_metrics",
        sa.Column("customer_id", sa.String(length=41), nullable=False),
        sa.Column("order_count", sa.Integer(), nullable=False),
        sa.Column("order_total_minor", sa.BigInteger(), nullable=False),
        sa.Column("last_order_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("active_subscription", sa.Boolean(), nullable=False),
        sa.Column("subscription_changed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("email_opens", sa.Integer(), nullable=False),
        sa.Column("email_clicks", sa.Integer(), nullable=False),
        sa.Column("campaign_conversions", sa.Integer(), nullable=False),
        sa.Column("last_engagement_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("review_count", sa.Integer(), nullable=False),
        sa.Column("support_ticket_count", sa.Integer(), nullable=False),
        sa.Column("payment_method_count", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customer.id"],
            name=op.f("fk_customer_metrics_customer_id_customer"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("customer_id", name=op.f("pk_customer_metrics")),
    )
    op.create_table(
        "customer_order",
        sa.Column("order_id", sa.String(length=80), nullable=False),
        sa.Column("customer_id", sa.String(length=41), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("placed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customer.id"],
            name=op.f("fk_customer_order_customer_id_customer"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("order_id", name=op.f("pk_customer_order")),
    )
    with op.batch_alter_table("customer_order", schema=None) as batch_op:
        batch_op.create_index(
            "ix_customer_order_customer_placed", ["customer_id", "placed_at"], unique=False
        )

    op.create_table(
        "customer_segment",
        sa.Column("customer_id", sa.String(length=41), nullable=False),
        sa.Column("segment_id", sa.String(length=36), nullable=False),
        sa.Column("since", sa.DateTime(timezone=True), nullable=False),
        sa.Column("override_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("override_justification", sa.Text(), nullable=True),
        sa.Column("override_by", sa.String(length=80), nullable=True),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customer.id"],
            name=op.f("fk_customer_segment_customer_id_customer"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["segment_id"], ["segment.id"], name=op.f("fk_customer_segment_segment_id_segment")
        ),
        sa.PrimaryKeyConstraint("customer_id", name=op.f("pk_customer_segment")),
    )
    with op.batch_alter_table("customer_segment", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_customer_segment_segment_id"), ["segment_id"], unique=False
        )

    op.create_table(
        "segment_history",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("customer_id", sa.String(length=41), nullable=False),
        sa.Column("from_segment_id", sa.String(length=36), nullable=True),
        sa.Column("to_segment_id", sa.String(length=36), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "rule_version_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column(
            "reason_code",
            sa.Enum(
                "RULE_MATCHED",
                "FALLBACK",
                "ADMIN_OVERRIDE",
                "OVERRIDE_EXPIRED",
                name="reasoncode",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("metrics", sa.JSON(), nullable=False),
        sa.Column("justification", sa.Text(), nullable=True),
        sa.Column("override_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("actor", sa.String(length=80), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customer.id"],
            name=op.f("fk_segment_history_customer_id_customer"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_segment_history")),
    )
    with op.batch_alter_table("segment_history", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_segment_history_at"), ["at"], unique=False)
        batch_op.create_index("ix_segment_history_customer_at", ["customer_id", "at"], unique=False)

    op.create_table(
        "segment_notification_cursor",
        sa.Column("user_id", sa.String(length=36), nullable=False),
        sa.Column(
            "last_seen_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_segment_notification_cursor_user_id_user_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_segment_notification_cursor")),
    )
    op.create_table(
        "segment_rule_version",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("segment_id", sa.String(length=36), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("rule", sa.JSON(), nullable=False),
        sa.Column("diff", sa.JSON(), nullable=False),
        sa.Column("created_by", sa.String(length=80), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["segment_id"],
            ["segment.id"],
            name=op.f("fk_segment_rule_version_segment_id_segment"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_segment_rule_version")),
        sa.UniqueConstraint(
            "segment_id", "version", name=op.f("uq_segment_rule_version_segment_id")
        ),
    )


def downgrade():
    op.drop_table("segment_rule_version")
    op.drop_table("segment_notification_cursor")
    with op.batch_alter_table("segment_history", schema=None) as batch_op:
        batch_op.drop_index("ix_segment_history_customer_at")
        batch_op.drop_index(batch_op.f("ix_segment_history_at"))

    op.drop_table("segment_history")
    with op.batch_alter_table("customer_segment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_customer_segment_segment_id"))

    op.drop_table("customer_segment")
    with op.batch_alter_table("customer_order", schema=None) as batch_op:
        batch_op.drop_index("ix_customer_order_customer_placed")

    op.drop_table("customer_order")
    op.drop_table("customer_metrics")
    op.drop_table("segment_recompute_run")
    op.drop_table("segment_change")
    op.drop_table("segment")
