"""Webhook secrets rotate: the previous secret signs alongside the new one for a grace period.

Revision ID: 0016_webhook_secret_rotation
Revises: 0015_preference_versions
Create Date: 2026-12-02

"""

import sqlalchemy as sa
from alembic import op

revision = "0016_webhook_secret_rotation"
down_revision = "0015_preference_versions"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("webhook_subscription", schema=None) as batch_op:
        # Encrypted like `secret` (Text holding the ciphertext).
        batch_op.add_column(sa.Column("previous_secret", sa.Text(), nullable=True))
        batch_op.add_column(
            sa.Column("previous_secret_until", sa.DateTime(timezone=True), nullable=True)
        )


def downgrade():
    with op.batch_alter_table("webhook_subscription", schema=None) as batch_op:
        batch_op.drop_column("previous_secret_until")
        batch_op.drop_column("previous_secret")
