"""Customer directory search: trigram indexes for substring search on PostgreSQL, composite
indexes for filter-then-sort-by-name, the country filter and the review queue.

On SQLite the trigram indexes are plain B-tree indexes (the PostgreSQL options are ignored), so
models and migrations agree on both backends.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01

"""

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

TRIGRAM = (
    ("ix_customer_name_key_trgm", "name_key"),
    ("ix_customer_email_trgm", "email"),
    ("ix_customer_phone_trgm", "phone"),
)


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, column in TRIGRAM:
        op.create_index(
            name,
            "customer",
            [column],
            postgresql_using="gin",
            postgresql_ops={column: "gin_trgm_ops"},
        )
    # (type, name_key) and (status, name_key) replace the single-column indexes they start with.
    op.drop_index("ix_customer_customer_type", table_name="customer")
    op.drop_index("ix_customer_status", table_name="customer")
    op.create_index("ix_customer_type_name_key", "customer", ["customer_type", "name_key"])
    op.create_index("ix_customer_status_name_key", "customer", ["status", "name_key"])
    op.create_index("ix_customer_flagged_inactive_at", "customer", ["flagged_inactive_at"])
    op.create_index(
        "ix_customer_address_country_customer",
        "customer_address",
        ["country", "customer_id"],
        postgresql_include=["address_type", "is_default"],
    )


def downgrade():
    op.drop_index("ix_customer_address_country_customer", table_name="customer_address")
    op.drop_index("ix_customer_flagged_inactive_at", table_name="customer")
    op.drop_index("ix_customer_status_name_key", table_name="customer")
    op.drop_index("ix_customer_type_name_key", table_name="customer")
    op.create_index("ix_customer_status", "customer", ["status"])
    op.create_index("ix_customer_customer_type", "customer", ["customer_type"])
    for name, _ in TRIGRAM:
        op.drop_index(name, table_name="customer")
    # pg_trgm stays: other objects may use it, and it costs nothing installed.
