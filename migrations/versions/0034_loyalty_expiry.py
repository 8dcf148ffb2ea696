"""Loyalty's daily expiry at a million accounts: expiring a batch (remaining -> 0) and changing
a balance become HOT updates. No index mentions `remaining` any more (a column in a partial
index's condition makes every update of it write a new entry in each of the ledger's indexes):
the open-batch index becomes one of credits by expiry date, read from the last run's mark
(`loyalty_run`) on, so it never rereads what expired before. The ledger and the summary rows
leave room in their pages for the new row versions (fillfactor; pages written from now on).

Revision ID: 0034_loyalty_expiry
Revises: 0033_cac_segment
Create Date: 2026-12-02

"""

import sqlalchemy as sa
from alembic import op

revision = "0034_loyalty_expiry"
down_revision = "0033_cac_segment"
branch_labels = None
depends_on = None

FILLFACTOR = {"loyalty_entry": 85, "loyalty_account": 80}


def upgrade():
    op.create_table(
        "loyalty_run",
        sa.Column("job", sa.String(length=20), nullable=False),
        sa.Column("until", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("job", name=op.f("pk_loyalty_run")),
    )
    op.drop_index("ix_loyalty_entry_open", table_name="loyalty_entry")
    op.create_index(
        "ix_loyalty_entry_credit_expiry",
        "loyalty_entry",
        ["expires_at"],
        postgresql_where=sa.text("points > 0"),
        sqlite_where=sa.text("points > 0"),
    )
    if op.get_bind().dialect.name == "postgresql":
        for table, percent in FILLFACTOR.items():
            op.execute(f"ALTER TABLE {table} SET (fillfactor = {percent})")
        # An existing ledger: the first run reads from just before its oldest open batch, not
        # every credit that ever expired (without a mark it would, once).
        op.execute(MARK)


MARK = """
INSERT INTO loyalty_run (job, until)
SELECT 'expiry', min(expires_at) - interval '1 microsecond' FROM loyalty_entry
WHERE points > 0 AND remaining > 0 AND NOT pending
HAVING min(expires_at) IS NOT NULL
"""


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        for table in FILLFACTOR:
            op.execute(f"ALTER TABLE {table} RESET (fillfactor)")
    op.drop_index("ix_loyalty_entry_credit_expiry", table_name="loyalty_entry")
    op.create_index(
        "ix_loyalty_entry_open",
        "loyalty_entry",
        ["expires_at"],
        postgresql_where=sa.text("remaining > 0"),
        sqlite_where=sa.text("remaining > 0"),
    )
    op.drop_table("loyalty_run")
