"""Foundation: users, staff roles and permissions, sign-in sessions, audit log.

Revision ID: 0001
Revises:
Create Date: 2026-11-28

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "audit_entry",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("user_id", sa.String(length=36), nullable=True),
        sa.Column("actor", sa.String(length=320), nullable=False),
        sa.Column("ip", sa.String(length=45), nullable=True),
        sa.Column("action", sa.String(length=80), nullable=False),
        sa.Column("record_type", sa.String(length=60), nullable=True),
        sa.Column("record_id", sa.String(length=80), nullable=True),
        sa.Column("outcome", sa.String(length=20), nullable=False),
        sa.Column("details", sa.JSON(), nullable=True),
        sa.Column("request_id", sa.String(length=36), nullable=True),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_entry")),
    )
    with op.batch_alter_table("audit_entry", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_entry_action"), ["action"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_entry_at"), ["at"], unique=False)
        batch_op.create_index("ix_audit_entry_record", ["record_type", "record_id"], unique=False)
        batch_op.create_index("ix_audit_entry_user_at", ["user_id", "at"], unique=False)

    op.create_table(
        "permission",
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("description", sa.String(length=300), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_permission")),
    )
    op.create_table(
        "role",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("label", sa.String(length=120), nullable=False),
        sa.Column("description", sa.String(length=300), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_role")),
        sa.UniqueConstraint("name", name=op.f("uq_role_name")),
    )
    op.create_table(
        "user_account",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("oidc_issuer", sa.String(length=300), nullable=True),
        sa.Column("oidc_subject", sa.String(length=255), nullable=True),
        sa.Column("password_hash", sa.String(length=255), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("is_demo", sa.Boolean(), nullable=False),
        sa.Column("failed_logins", sa.Integer(), nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_sign_in_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_account")),
        sa.UniqueConstraint("email", name=op.f("uq_user_account_email")),
        sa.UniqueConstraint(
            "oidc_issuer", "oidc_subject", name=op.f("uq_user_account_oidc_issuer")
        ),
    )
    op.create_table(
        "auth_session",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.String(length=36), nullable=False),
        sa.Column("method", sa.String(length=20), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ended_reason", sa.String(length=40), nullable=True),
        sa.Column("ip", sa.String(length=45), nullable=True),
        sa.Column("user_agent", sa.String(length=300), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_auth_session_user_id_user_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_auth_session")),
    )
    with op.batch_alter_table("auth_session", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_auth_session_user_id"), ["user_id"], unique=False)

    op.create_table(
        "role_permission",
        sa.Column("role_id", sa.Integer(), nullable=False),
        sa.Column("permission_name", sa.String(length=80), nullable=False),
        sa.ForeignKeyConstraint(
            ["permission_name"],
            ["permission.name"],
            name=op.f("fk_role_permission_permission_name_permission"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["role_id"],
            ["role.id"],
            name=op.f("fk_role_permission_role_id_role"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("role_id", "permission_name", name=op.f("pk_role_permission")),
    )
    op.create_table(
        "user_role",
        sa.Column("user_id", sa.String(length=36), nullable=False),
        sa.Column("role_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["role_id"], ["role.id"], name=op.f("fk_user_role_role_id_role"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_user_role_user_id_user_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", "role_id", name=op.f("pk_user_role")),
    )
    _seed_catalogue()


PERMISSIONS = {
    "customer:read": "Look up customers: lists, search and profiles",
    "customer:manage": "Create and edit customers, change their status, manage all organisations",
    "customer:segmentation:manage": "Define segments and rules, override a customer's segment",
    "customer:compliance:manage": "Run data-subject requests, consent, retention and erasure",
    "admin:roles:read": "See the staff roles and the permissions each one grants",
    "admin:audit:read": "Browse and filter the audit log",
}

# (id, name, label, description, permissions) as of this revision; later revisions add theirs.
ROLES = [
    (
        1,
        "sales",
        "Sales",
        "Looks up and edits customers all day",
        ["customer:read", "customer:manage"],
    ),
    (
        2,
        "support",
        "Support",
        "Answers customers; reads and edits profiles",
        ["customer:read", "customer:manage"],
    ),
    (
        3,
        "marketing",
        "Marketing",
        "Targets customers by segment",
        ["customer:read", "customer:segmentation:manage"],
    ),
    (4, "finance", "Finance", "Approves payment terms; reads customers", ["customer:read"]),
    (
        5,
        "compliance_officer",
        "Compliance officer",
        "Runs data-subject requests under GDPR and CCPA",
        ["customer:read", "customer:compliance:manage", "admin:audit:read"],
    ),
    (6, "administrator", "Administrator", "Runs the portal", list(PERMISSIONS)),
]


def _seed_catalogue():
    permission = sa.table("permission", sa.column("name"), sa.column("description"))
    role = sa.table(
        "role", sa.column("id"), sa.column("name"), sa.column("label"), sa.column("description")
    )
    grant = sa.table("role_permission", sa.column("role_id"), sa.column("permission_name"))
    op.bulk_insert(permission, [{"name": n, "description": d} for n, d in PERMISSIONS.items()])
    op.bulk_insert(
        role, [{"id": i, "name": n, "label": lbl, "description": d} for i, n, lbl, d, _ in ROLES]
    )
    op.bulk_insert(
        grant, [{"role_id": i, "permission_name": p} for i, *_, perms in ROLES for p in perms]
    )


def downgrade():
    op.drop_table("user_role")
    op.drop_table("role_permission")
    with op.batch_alter_table("auth_session", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_auth_session_user_id"))

    op.drop_table("auth_session")
    op.drop_table("user_account")
    op.drop_table("role")
    op.drop_table("permission")
    with op.batch_alter_table("audit_entry", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_entry_user_at")
        batch_op.drop_index("ix_audit_entry_record")
        batch_op.drop_index(batch_op.f("ix_audit_entry_at"))
        batch_op.drop_index(batch_op.f("ix_audit_entry_action"))

    op.drop_table("audit_entry")
