"""Versions on customer preferences and pending contact changes, so that two staff users
editing the same customer's preferences, or asking for a new primary e-mail/phone at the same
time, get a "changed meanwhile" answer (409) instead of one silently overwriting the other.

Revision ID: 0015_preference_versions
Revises: 0014_created_once
Create Date: 2026-12-02

"""

import sqlalchemy as sa
from alembic import op

revision = "0015_preference_versions"
down_revision = "0014_created_once"
branch_labels = None
depends_on = None

TABLES = ("customer_preference", "pending_contact_change")


def upgrade():
    for table in TABLES:
        with op.batch_alter_table(table) as batch_op:
            # Existing rows start at 1; the ORM counts from there (version_id_col).
            batch_op.add_column(
                sa.Column("version", sa.Integer(), nullable=False, server_default="1")
            )
        with op.batch_alter_table(table) as batch_op:
            batch_op.alter_column("version", server_default=None)


def downgrade():
    for table in TABLES:
        with op.batch_alter_table(table) as batch_op:
            batch_op.drop_column("version")
