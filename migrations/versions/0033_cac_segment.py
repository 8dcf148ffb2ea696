"""Acquisition cost by segment: new customers per registration month, acquisition source and
the segment they are in, the nightly snapshot (dashboards.rollups.nightly) the CAC-by-segment
panel shares each source's monthly spend over.

Revision ID: 0033_cac_segment
Revises: 0031_loyalty_more
Create Date: 2026-12-02

The table starts empty; the nightly job or `flask --app wsgi dashboards rebuild` fills it.
"""

import sqlalchemy as sa
from alembic import op

revision = "0033_cac_segment"
down_revision = "0031_loyalty_more"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "customer_acquisition_segment",
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("source", sa.String(length=40), nullable=False),
        sa.Column("segment_id", sa.String(length=36), nullable=False),
        sa.Column("customers", sa.BigInteger(), nullable=False),
        sa.Column("taken_on", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint(
            "month", "source", "segment_id", name=op.f("pk_customer_acquisition_segment")
        ),
    )


def downgrade():
    op.drop_table("customer_acquisition_segment")
