"""Loyalty at a million accounts: the daily run finds the pending batches whose return window
has passed through an index (partial: only pending batches), not by reading the whole ledger.

Revision ID: 0031_loyalty_more
Revises: 0024_operations
Create Date: 2026-12-02

"""

import sqlalchemy as sa
from alembic import op

revision = "0031_loyalty_more"
down_revision = "0028_order_lines"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index(
        "ix_loyalty_entry_pending",
        "loyalty_entry",
        ["available_at"],
        postgresql_where=sa.text("pending"),
        sqlite_where=sa.text("pending"),
    )


def downgrade():
    op.drop_index("ix_loyalty_entry_pending", table_name="loyalty_entry")
