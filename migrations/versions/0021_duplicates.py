"""Duplicate customers: the candidate pairs the matcher proposes (with the probability and the
weight of each field) and the merges, each with what undoing it needs.

Revision ID: 0021_duplicates
Revises: 0020_loyalty
Create Date: 2026-12-02

"""

import sqlalchemy as sa
from alembic import op

revision = "0021_duplicates"
down_revision = "0020_loyalty"
branch_labels = None
depends_on = None

CUSTOMER_ID = sa.String(41)
BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade():
    op.create_table(
        "duplicate_candidate",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("customer_a", CUSTOMER_ID, nullable=False),
        sa.Column("customer_b", CUSTOMER_ID, nullable=False),
        sa.Column("probability", sa.Float(), nullable=False),
        sa.Column("match_weight", sa.Float(), nullable=False),
        sa.Column("weights", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(40), nullable=False),
        sa.Column("source", sa.String(40), nullable=False),
        sa.Column("detected_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolved_by", sa.String(36), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_duplicate_candidate")),
        sa.UniqueConstraint(
            "customer_a", "customer_b", name=op.f("uq_duplicate_candidate_customer_a")
        ),
    )
    op.create_index(
        "ix_duplicate_candidate_status_probability",
        "duplicate_candidate",
        ["status", "probability", "id"],
    )
    op.create_index("ix_duplicate_candidate_customer_b", "duplicate_candidate", ["customer_b"])
    op.create_table(
        "customer_merge",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("primary_id", CUSTOMER_ID, nullable=False),
        sa.Column("secondary_id", CUSTOMER_ID, nullable=False),
        sa.Column("category_override", sa.Boolean(), nullable=False),
        sa.Column("summary", sa.JSON(), nullable=False),
        sa.Column("undo", sa.JSON(), nullable=False),
        sa.Column("merged_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("merged_by", sa.String(36), nullable=False),
        sa.Column("undone_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("undone_by", sa.String(36), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customer_merge")),
    )
    op.create_index("ix_customer_merge_secondary_id", "customer_merge", ["secondary_id"])
    op.create_index("ix_customer_merge_primary_id", "customer_merge", ["primary_id"])
    op.create_index("ix_customer_merge_merged_at", "customer_merge", ["merged_at"])


def downgrade():
    op.drop_table("customer_merge")
    op.drop_table("duplicate_candidate")
