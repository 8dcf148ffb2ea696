"""Operations: the request that caused an event travels with it, as the broker message's
correlation-id and the webhook delivery's X-Request-Id header.

Revision ID: 0024_operations
Revises: 0023_dashboards
Create Date: 2026-12-02

"""

import sqlalchemy as sa
from alembic import op

revision = "0024_operations"
down_revision = "0023_dashboards"
branch_labels = None
depends_on = None


def upgrade():
    # Nullable without a default: on PostgreSQL a catalogue-only change, however big the table.
    with op.batch_alter_table("outbox_event", schema=None) as batch_op:
        batch_op.add_column(sa.Column("request_id", sa.String(length=64), nullable=True))
    with op.batch_alter_table("webhook_delivery", schema=None) as batch_op:
        batch_op.add_column(sa.Column("request_id", sa.String(length=64), nullable=True))


def downgrade():
    with op.batch_alter_table("webhook_delivery", schema=None) as batch_op:
        batch_op.drop_column("request_id")
    with op.batch_alter_table("outbox_event", schema=None) as batch_op:
        batch_op.drop_column("request_id")
