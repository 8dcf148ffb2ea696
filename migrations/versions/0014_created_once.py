"""Creates that happen once: the record of each form token and Idempotency-Key used to create.

A unique (actor, endpoint, key) decides between a request and its retry or double submit;
the row is written in the create's own transaction (portal.idempotency).

Revision ID: 0014_created_once
Revises: 0013_parked_awaits_order
Create Date: 2026-12-02

"""

import sqlalchemy as sa
from alembic import op

revision = "0014_created_once"
down_revision = "0013_parked_awaits_order"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "created_once",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("actor", sa.String(length=80), nullable=False),
        sa.Column("endpoint", sa.String(length=120), nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("body_digest", sa.String(length=64), nullable=True),
        sa.Column("location", sa.String(length=2000), nullable=True),
        sa.Column("status", sa.Integer(), nullable=True),
        sa.Column("body", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_created_once")),
        sa.UniqueConstraint("actor", "endpoint", "key", name=op.f("uq_created_once_actor")),
    )


def downgrade():
    op.drop_table("created_once")
