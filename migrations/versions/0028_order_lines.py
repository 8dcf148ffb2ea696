"""Order lines (OrderPlaced version 2), and what the nightly refresh makes of them: product
recommendations per customer and the upsell of business customers against their peers.

The recommendation and upsell tables have no foreign keys, as customer_insight (0022): the
refresh rewrites them by COPY, and erasure deletes their rows (portal.compliance.locations).

Revision ID: 0028_order_lines
Revises: 0024_operations
Create Date: 2026-12-02

"""

import sqlalchemy as sa
from alembic import op

revision = "0028_order_lines"
down_revision = "0027_segdash"
branch_labels = None
depends_on = None


def _at(name):
    return sa.Column(name, sa.DateTime(timezone=True), nullable=False)


def upgrade():
    op.create_table(
        "customer_order_line",
        sa.Column("order_id", sa.String(length=80), nullable=False),
        sa.Column("line_no", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.String(length=41), nullable=False),
        sa.Column("product_id", sa.String(length=80), nullable=False),
        sa.Column("category", sa.String(length=60), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        _at("placed_at"),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["customer_order.order_id"],
            name=op.f("fk_customer_order_line_order_id_customer_order"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("order_id", "line_no", name=op.f("pk_customer_order_line")),
    )
    op.create_index(
        "ix_customer_order_line_customer",
        "customer_order_line",
        ["customer_id", "product_id"],
        unique=False,
    )
    op.create_table(
        "customer_recommendation",
        sa.Column("customer_id", sa.String(length=41), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.String(length=80), nullable=False),
        sa.Column("category", sa.String(length=60), nullable=False),
        sa.Column("because_product_id", sa.String(length=80), nullable=False),
        sa.Column("segment_name", sa.String(length=100), nullable=False),
        sa.Column("share", sa.Float(), nullable=False),
        sa.Column("lift", sa.Float(), nullable=False),
        _at("computed_at"),
        sa.PrimaryKeyConstraint("customer_id", "rank", name=op.f("pk_customer_recommendation")),
    )
    op.create_table(
        "customer_upsell",
        sa.Column("customer_id", sa.String(length=41), nullable=False),
        sa.Column("customer_type", sa.String(length=40), nullable=False),
        sa.Column("company_size", sa.String(length=20), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("average_order_minor", sa.BigInteger(), nullable=False),
        sa.Column("peer_median_minor", sa.BigInteger(), nullable=False),
        sa.Column("peers", sa.Integer(), nullable=False),
        _at("computed_at"),
        sa.PrimaryKeyConstraint("customer_id", name=op.f("pk_customer_upsell")),
    )


def downgrade():
    op.drop_table("customer_upsell")
    op.drop_table("customer_recommendation")
    op.drop_index("ix_customer_order_line_customer", table_name="customer_order_line")
    op.drop_table("customer_order_line")
