"""Single sign-on sessions keep the provider's ID token, the `id_token_hint` that
RP-initiated logout sends to the provider's end-session endpoint at sign-out.

Revision ID: 0011_sso_logout
Revises: 0010_customer_search_terms
Create Date: 2026-12-02

"""

import sqlalchemy as sa
from alembic import op

revision = "0011_sso_logout"
down_revision = "0010_customer_search_terms"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("auth_session") as batch:
        batch.add_column(sa.Column("id_token", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("auth_session") as batch:
        batch.drop_column("id_token")
