"""B2B organisations: the node tree (parent id + materialized path), roles, members, role
assignments, invitations; user_account.kind tells staff from customers' people.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28

"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def _enum(name, *values):
    return sa.Enum(*values, name=name, native_enum=False, length=20)


def upgrade():
    with op.batch_alter_table("user_account") as batch:
        batch.add_column(
            sa.Column("kind", sa.String(length=20), server_default="staff", nullable=False)
        )
    op.create_table(
        "org_node",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("organization_id", sa.String(length=36), nullable=False),
        sa.Column("parent_id", sa.String(length=36), nullable=True),
        sa.Column("customer_id", sa.String(length=41), nullable=True),
        sa.Column("path", sa.String(length=2000), nullable=False),
        sa.Column("depth", sa.Integer(), nullable=False),
        sa.Column(
            "type",
            _enum("nodetype", "ORGANIZATION", "DIVISION", "LOCATION", "DEPARTMENT"),
            nullable=False,
        ),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("status", _enum("nodestatus", "ACTIVE", "INACTIVE", "PENDING"), nullable=False),
        sa.Column("attributes", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=320), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=320), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customer.id"], name=op.f("fk_org_node_customer_id_customer")
        ),
        sa.ForeignKeyConstraint(
            ["parent_id"], ["org_node.id"], name=op.f("fk_org_node_parent_id_org_node")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_org_node")),
        sa.UniqueConstraint("customer_id", name=op.f("uq_org_node_customer_id")),
        sa.UniqueConstraint("organization_id", "code", name=op.f("uq_org_node_organization_id")),
    )
    op.create_index(
        "ix_org_node_path",
        "org_node",
        ["path"],
        unique=True,
        postgresql_ops={"path": "varchar_pattern_ops"},
    )
    op.create_index("ix_org_node_parent_name", "org_node", ["parent_id", "name"])
    op.create_index(op.f("ix_org_node_organization_id"), "org_node", ["organization_id"])

    op.create_table(
        "org_role",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("organization_id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("description", sa.String(length=300), nullable=False),
        sa.Column("permissions", sa.JSON(), nullable=False),
        sa.Column("predefined", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"], ["org_node.id"], name=op.f("fk_org_role_organization_id_org_node")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_org_role")),
        sa.UniqueConstraint("organization_id", "name", name=op.f("uq_org_role_organization_id")),
    )
    op.create_index(op.f("ix_org_role_organization_id"), "org_role", ["organization_id"])

    op.create_table(
        "org_member",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("organization_id", sa.String(length=36), nullable=False),
        sa.Column("user_id", sa.String(length=36), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=True),
        sa.Column("status", _enum("memberstatus", "ACTIVE", "INACTIVE"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["org_node.id"],
            name=op.f("fk_org_member_organization_id_org_node"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user_account.id"], name=op.f("fk_org_member_user_id_user_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_org_member")),
        sa.UniqueConstraint(
            "organization_id", "user_id", name=op.f("uq_org_member_organization_id")
        ),
    )
    op.create_index(op.f("ix_org_member_organization_id"), "org_member", ["organization_id"])
    op.create_index(op.f("ix_org_member_user_id"), "org_member", ["user_id"])

    op.create_table(
        "org_assignment",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("member_id", sa.String(length=36), nullable=False),
        sa.Column("role_id", sa.String(length=36), nullable=False),
        sa.Column("node_id", sa.String(length=36), nullable=False),
        sa.Column("node_path", sa.String(length=2000), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=320), nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["org_member.id"],
            name=op.f("fk_org_assignment_member_id_org_member"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["node_id"], ["org_node.id"], name=op.f("fk_org_assignment_node_id_org_node")
        ),
        sa.ForeignKeyConstraint(
            ["role_id"], ["org_role.id"], name=op.f("fk_org_assignment_role_id_org_role")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_org_assignment")),
        sa.UniqueConstraint(
            "member_id", "role_id", "node_id", name=op.f("uq_org_assignment_member_id")
        ),
    )
    op.create_index(op.f("ix_org_assignment_node_id"), "org_assignment", ["node_id"])
    op.create_index(op.f("ix_org_assignment_role_id"), "org_assignment", ["role_id"])
    op.create_index(
        "ix_org_assignment_node_path",
        "org_assignment",
        ["node_path"],
        postgresql_ops={"node_path": "varchar_pattern_ops"},
    )

    op.create_table(
        "org_invitation",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("organization_id", sa.String(length=36), nullable=False),
        sa.Column("node_id", sa.String(length=36), nullable=False),
        sa.Column("role_id", sa.String(length=36), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("accepted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("invited_by", sa.String(length=320), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["node_id"], ["org_node.id"], name=op.f("fk_org_invitation_node_id_org_node")
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["org_node.id"],
            name=op.f("fk_org_invitation_organization_id_org_node"),
        ),
        sa.ForeignKeyConstraint(
            ["role_id"], ["org_role.id"], name=op.f("fk_org_invitation_role_id_org_role")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_org_invitation")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_org_invitation_token_hash")),
    )
    op.create_index(
        op.f("ix_org_invitation_organization_id"), "org_invitation", ["organization_id"]
    )


def downgrade():
    op.drop_table("org_invitation")
    op.drop_table("org_assignment")
    op.drop_table("org_member")
    op.drop_table("org_role")
    op.drop_table("org_node")
    with op.batch_alter_table("user_account") as batch:
        batch.drop_column("kind")
