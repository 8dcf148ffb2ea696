"""An OrderCancelled that arrives before its order is parked with the order it awaits, and
applied as soon as that order's OrderPlaced is taken in.

Revision ID: 0013_parked_awaits_order
Revises: 0012_staff_delegations
Create Date: 2026-12-02

"""

import sqlalchemy as sa
from alembic import op

revision = "0013_parked_awaits_order"
down_revision = "0012_staff_delegations"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("parked_event") as batch:
        batch.add_column(sa.Column("awaits_order", sa.String(length=80), nullable=True))
        batch.create_index(batch.f("ix_parked_event_awaits_order"), ["awaits_order"])


def downgrade():
    with op.batch_alter_table("parked_event") as batch:
        batch.drop_index(batch.f("ix_parked_event_awaits_order"))
        batch.drop_column("awaits_order")
