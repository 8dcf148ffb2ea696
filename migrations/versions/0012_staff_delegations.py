"""Out of office for EFI staff: a staff approver (finance) delegates what staff decide to a
colleague. Such a delegation belongs to no organisation, so its organisation may be empty.

Revision ID: 0012_staff_delegations
Revises: 0011_sso_logout
Create Date: 2026-12-02

"""

import sqlalchemy as sa
from alembic import op

revision = "0012_staff_delegations"
down_revision = "0011_sso_logout"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("approval_delegation", schema=None) as batch_op:
        batch_op.alter_column("organization_id", existing_type=sa.String(length=36), nullable=True)


def downgrade():
    op.execute("DELETE FROM approval_delegation WHERE organization_id IS NULL")
    with op.batch_alter_table("approval_delegation", schema=None) as batch_op:
        batch_op.alter_column("organization_id", existing_type=sa.String(length=36), nullable=False)
