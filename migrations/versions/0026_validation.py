"""Customer data validation rules: every saved version, the highest in force.

Revision ID: 0026_validation
Revises: 0024_operations
Create Date: 2026-12-02

"""

import sqlalchemy as sa
from alembic import op

revision = "0026_validation"
down_revision = "0025_acquisition"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "customer_validation_rule_version",
        sa.Column("version", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("rules", sa.JSON(), nullable=False),
        sa.Column("note", sa.String(length=200), nullable=False),
        sa.Column("failing", sa.JSON(), nullable=False),
        sa.Column("created_by", sa.String(length=80), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("version", name=op.f("pk_customer_validation_rule_version")),
    )


def downgrade():
    op.drop_table("customer_validation_rule_version")
