"""Customer insights: per-customer scores (lifetime value, churn risk, lifecycle stage), the
model runs that made them, the stage moves; the staff permission to see them.

The score and stage tables have no foreign keys, as customer_segment (0009): the nightly
refresh writes a row per customer by COPY, and customers are never deleted (erasure deletes
these rows, see portal.compliance.locations).

Revision ID: 0022_insights
Revises: 0021_duplicates
Create Date: 2026-12-02

"""

import sqlalchemy as sa
from alembic import op

revision = "0022_insights"
down_revision = "0021_duplicates"
branch_labels = None
depends_on = None

PERMISSION = "customer:insights:read"
DESCRIPTION = "See lifetime value, churn risk and recommendations; the at-risk list and its export"
SALES, MARKETING, ADMINISTRATOR = 1, 3, 6  # role ids of revision 0001


def _id(name="id"):
    return sa.Column(name, sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True)


def _at(name, nullable=False):
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _run_id():
    return sa.Column(
        "model_run_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
    )


def upgrade():
    op.create_table(
        "insight_model_run",
        _id(),
        _at("started_at"),
        _at("finished_at", nullable=True),
        sa.Column("converged", sa.Boolean(), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("customers_scored", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_insight_model_run")),
    )
    op.create_table(
        "customer_insight",
        sa.Column("customer_id", sa.String(length=41), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("other_currencies", sa.Integer(), nullable=False),
        sa.Column("order_days", sa.Integer(), nullable=False),
        _at("first_order_at"),
        _at("last_order_at"),
        sa.Column("cadence_days", sa.Float(), nullable=True),
        sa.Column("average_order_minor", sa.BigInteger(), nullable=False),
        sa.Column("expected_spend_minor", sa.BigInteger(), nullable=False),
        sa.Column("clv_minor", sa.BigInteger(), nullable=False),
        sa.Column("expected_orders_90d", sa.Float(), nullable=False),
        sa.Column("p_alive", sa.Float(), nullable=False),
        sa.Column("churn_band", sa.String(length=10), nullable=False),
        sa.Column("explanation", sa.String(length=200), nullable=False),
        sa.Column("stage", sa.String(length=20), nullable=False),
        _at("stage_since"),
        _run_id(),
        _at("scored_at"),
        sa.PrimaryKeyConstraint("customer_id", name=op.f("pk_customer_insight")),
    )
    op.create_index("ix_customer_insight_band_clv", "customer_insight", ["churn_band", "clv_minor"])
    op.create_table(
        "lifecycle_stage_history",
        _id(),
        sa.Column("customer_id", sa.String(length=41), nullable=False),
        sa.Column("from_stage", sa.String(length=20), nullable=True),
        sa.Column("to_stage", sa.String(length=20), nullable=False),
        _at("at"),
        _run_id(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lifecycle_stage_history")),
    )
    op.create_index(
        "ix_lifecycle_stage_history_customer_at", "lifecycle_stage_history", ["customer_id", "at"]
    )
    permission = sa.table("permission", sa.column("name"), sa.column("description"))
    grant = sa.table("role_permission", sa.column("role_id"), sa.column("permission_name"))
    op.bulk_insert(permission, [{"name": PERMISSION, "description": DESCRIPTION}])
    op.bulk_insert(
        grant,
        [{"role_id": r, "permission_name": PERMISSION} for r in (SALES, MARKETING, ADMINISTRATOR)],
    )


def downgrade():
    grant = sa.table("role_permission", sa.column("permission_name"))
    permission = sa.table("permission", sa.column("name"))
    op.execute(grant.delete().where(grant.c.permission_name == PERMISSION))
    op.execute(permission.delete().where(permission.c.name == PERMISSION))
    op.drop_table("lifecycle_stage_history")
    op.drop_table("customer_insight")
    op.drop_table("insight_model_run")
