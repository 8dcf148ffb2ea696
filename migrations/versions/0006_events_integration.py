"""Events and integration: outbox write order and backoff, the inbox of consumed events, parked
events, the retention follow-up queue, webhook subscriptions and deliveries, API tokens, and the
permissions of the pages that manage them.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-28

"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

PERMISSIONS = {
    "admin:events:read": "Browse domain events, their delivery status and webhook deliveries",
    "admin:integrations:manage": (
        "Manage API tokens and webhook subscriptions; replay or discard parked events"
    ),
}
ADMINISTRATOR = 6


def upgrade():
    _outbox_order()
    op.create_table(
        "inbox_event",
        sa.Column("event_id", sa.String(length=80), nullable=False),
        sa.Column("type", sa.String(length=100), nullable=False),
        sa.Column("source", sa.String(length=100), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("event_id", name=op.f("pk_inbox_event")),
    )
    op.create_table(
        "parked_event",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("source", sa.String(length=100), nullable=False),
        sa.Column("event_id", sa.String(length=80), nullable=True),
        sa.Column("type", sa.String(length=100), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolved_by", sa.String(length=80), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_parked_event")),
    )
    op.create_index(op.f("ix_parked_event_received_at"), "parked_event", ["received_at"])
    op.create_index(op.f("ix_parked_event_status"), "parked_event", ["status"])
    op.create_table(
        "retention_follow_up",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("customer_id", sa.String(length=41), nullable=False),
        sa.Column("subscription_id", sa.String(length=80), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("flagged_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customer.id"],
            name=op.f("fk_retention_follow_up_customer_id_customer"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_retention_follow_up")),
    )
    op.create_index(
        op.f("ix_retention_follow_up_customer_id"), "retention_follow_up", ["customer_id"]
    )
    op.create_table(
        "webhook_subscription",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("url", sa.String(length=500), nullable=False),
        sa.Column("event_types", sa.JSON(), nullable=False),
        sa.Column("secret", sa.Text(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=80), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_subscription")),
    )
    op.create_table(
        "webhook_delivery",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("subscription_id", sa.String(length=36), nullable=False),
        sa.Column("event_id", sa.String(length=36), nullable=False),
        sa.Column("event_type", sa.String(length=100), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("response_status", sa.Integer(), nullable=True),
        sa.Column("response_ms", sa.Integer(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["subscription_id"],
            ["webhook_subscription.id"],
            name=op.f("fk_webhook_delivery_subscription_id_webhook_subscription"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_delivery")),
    )
    op.create_index("ix_webhook_delivery_due", "webhook_delivery", ["status", "next_attempt_at"])
    op.create_index(
        op.f("ix_webhook_delivery_subscription_id"), "webhook_delivery", ["subscription_id"]
    )
    op.create_table(
        "api_token",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("prefix", sa.String(length=12), nullable=False),
        sa.Column("scopes", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=80), nullable=False),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_token")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_api_token_token_hash")),
    )
    permission = sa.table("permission", sa.column("name"), sa.column("description"))
    grant = sa.table("role_permission", sa.column("role_id"), sa.column("permission_name"))
    op.bulk_insert(permission, [{"name": n, "description": d} for n, d in PERMISSIONS.items()])
    op.bulk_insert(grant, [{"role_id": ADMINISTRATOR, "permission_name": p} for p in PERMISSIONS])


def _outbox_order():
    """`seq`: the database numbers outbox rows as they are written, whoever inserts them."""
    op.add_column("outbox_event", sa.Column("seq", sa.BigInteger(), nullable=True))
    op.add_column(
        "outbox_event", sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True)
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE SEQUENCE outbox_event_seq OWNED BY outbox_event.seq")
        op.execute(
            "UPDATE outbox_event SET seq = n FROM (SELECT id, row_number() OVER "
            "(ORDER BY occurred_at, id) AS n FROM outbox_event) AS o WHERE o.id = outbox_event.id"
        )
        op.execute(
            "SELECT setval('outbox_event_seq', (SELECT coalesce(max(seq), 0) + 1 FROM outbox_event), false)"
        )
        op.execute(
            "ALTER TABLE outbox_event ALTER COLUMN seq SET DEFAULT nextval('outbox_event_seq')"
        )
    else:
        op.execute("UPDATE outbox_event SET seq = rowid")
        op.execute(
            "CREATE TRIGGER outbox_event_seq AFTER INSERT ON outbox_event WHEN NEW.seq IS NULL "
            "BEGIN UPDATE outbox_event SET seq = NEW.rowid WHERE rowid = NEW.rowid; END"
        )
    op.create_index(op.f("ix_outbox_event_seq"), "outbox_event", ["seq"], unique=True)
    op.create_index(
        "ix_outbox_event_pending",
        "outbox_event",
        ["seq"],
        postgresql_where=sa.text("published_at IS NULL"),
        sqlite_where=sa.text("published_at IS NULL"),
    )
    op.create_index("ix_outbox_event_type_occurred", "outbox_event", ["type", "occurred_at"])


def downgrade():
    grant = sa.table("role_permission", sa.column("permission_name"))
    permission = sa.table("permission", sa.column("name"))
    op.execute(grant.delete().where(grant.c.permission_name.in_(list(PERMISSIONS))))
    op.execute(permission.delete().where(permission.c.name.in_(list(PERMISSIONS))))
    op.drop_table("api_token")
    op.drop_index("ix_webhook_delivery_due", table_name="webhook_delivery")
    op.drop_table("webhook_delivery")
    op.drop_table("webhook_subscription")
    op.drop_table("retention_follow_up")
    op.drop_table("parked_event")
    op.drop_table("inbox_event")
    op.drop_index("ix_outbox_event_type_occurred", table_name="outbox_event")
    op.drop_index("ix_outbox_event_pending", table_name="outbox_event")
    op.drop_index(op.f("ix_outbox_event_seq"), table_name="outbox_event")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE outbox_event ALTER COLUMN seq DROP DEFAULT")
        op.execute("DROP SEQUENCE outbox_event_seq")
    else:
        op.execute("DROP TRIGGER outbox_event_seq")
    with op.batch_alter_table("outbox_event") as batch_op:
        batch_op.drop_column("next_attempt_at")
        batch_op.drop_column("seq")
