"""Approvals: rules per organisation node, requests with approvers and step history,
delegations; the staff permission with which finance decides payment-terms changes.

Revision ID: 0008_approvals
Revises: 0007_compliance
Create Date: 2026-11-28

"""

import sqlalchemy as sa
from alembic import op

revision = "0008_approvals"
down_revision = "0007_compliance"
branch_labels = None
depends_on = None

PERMISSION = "approval:finance:decide"
DESCRIPTION = "Decide payment-terms changes of B2B customers"
FINANCE, ADMINISTRATOR = 4, 6  # role ids of revision 0001


def _id(name="id", **kw):
    return sa.Column(name, sa.String(length=36), **kw)


def _at(name, nullable=False):
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _user(name, nullable=False):
    return sa.Column(
        name, sa.String(length=36), sa.ForeignKey("user_account.id"), nullable=nullable
    )


def _node(name, nullable=False):
    return sa.Column(name, sa.String(length=36), sa.ForeignKey("org_node.id"), nullable=nullable)


def _request_fk():
    return sa.Column(
        "request_id",
        sa.String(length=36),
        sa.ForeignKey("approval_request.id", ondelete="CASCADE"),
        nullable=False,
    )


def upgrade():
    op.create_table(
        "approval_rule",
        _id(nullable=False, primary_key=True),
        _node("organization_id"),
        _node("node_id"),
        sa.Column("subject", sa.String(length=30), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("operator", sa.String(length=4), nullable=False),
        sa.Column("thresholds", sa.JSON(), nullable=False),
        sa.Column("requester_role_ids", sa.JSON(), nullable=False),
        sa.Column("chain", sa.JSON(), nullable=False),
        sa.Column("expire_when_overdue", sa.Boolean(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.String(length=320), nullable=False),
        _at("updated_at"),
    )
    op.create_index("ix_approval_rule_organization_id", "approval_rule", ["organization_id"])
    op.create_index("ix_approval_rule_node_subject", "approval_rule", ["node_id", "subject"])
    op.create_table(
        "approval_request",
        _id(nullable=False, primary_key=True),
        _node("organization_id", nullable=True),
        _node("node_id", nullable=True),
        sa.Column("subject", sa.String(length=30), nullable=False),
        sa.Column("description", sa.String(length=500), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=True),
        sa.Column("lines", sa.JSON(), nullable=False),
        sa.Column("target", sa.JSON(), nullable=False),
        sa.Column("source", sa.String(length=100), nullable=False),
        sa.Column("external_ref", sa.String(length=100), nullable=True),
        _user("requester_id"),
        _id("rule_id", nullable=True),
        sa.Column("rule_name", sa.String(length=120), nullable=False),
        sa.Column("chain", sa.JSON(), nullable=False),
        sa.Column("expire_when_overdue", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("tier", sa.Integer(), nullable=False),
        sa.Column("escalation_level", sa.Integer(), nullable=False),
        _at("tier_started_at", nullable=True),
        _at("tier_due_at", nullable=True),
        _at("reminded_at", nullable=True),
        _at("created_at"),
        _at("completed_at", nullable=True),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.UniqueConstraint("source", "external_ref", name=op.f("uq_approval_request_source")),
    )
    for columns in (["node_id"], ["requester_id"], ["status"], ["tier_due_at"], ["created_at"]):
        op.create_index(f"ix_approval_request_{columns[0]}", "approval_request", columns)
    op.create_index(
        "ix_approval_request_org_status", "approval_request", ["organization_id", "status"]
    )
    op.create_table(
        "approval_assignee",
        _id(nullable=False, primary_key=True),
        _request_fk(),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("tier", sa.Integer(), nullable=False),
        sa.Column("group_no", sa.Integer(), nullable=False),
        _user("user_id"),
        sa.Column("via", sa.String(length=120), nullable=False),
        sa.UniqueConstraint(
            "request_id",
            "round",
            "tier",
            "group_no",
            "user_id",
            name=op.f("uq_approval_assignee_request_id"),
        ),
    )
    op.create_index("ix_approval_assignee_request_id", "approval_assignee", ["request_id"])
    op.create_index("ix_approval_assignee_user", "approval_assignee", ["user_id", "request_id"])
    op.create_table(
        "approval_step",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
            primary_key=True,
        ),
        _request_fk(),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("tier", sa.Integer(), nullable=True),
        sa.Column("group_no", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=20), nullable=False),
        _user("actor_id", nullable=True),
        _user("on_behalf_of_id", nullable=True),
        sa.Column("comment", sa.Text(), nullable=False),
        _at("at"),
        sa.UniqueConstraint(
            "request_id", "round", "tier", "group_no", name=op.f("uq_approval_step_request_id")
        ),
    )
    op.create_index("ix_approval_step_request_id", "approval_step", ["request_id"])
    op.create_table(
        "approval_delegation",
        _id(nullable=False, primary_key=True),
        _node("organization_id"),
        _user("delegator_id"),
        _user("delegate_id"),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        _at("created_at"),
        _at("revoked_at", nullable=True),
    )
    for column in ("organization_id", "delegator_id", "delegate_id"):
        op.create_index(f"ix_approval_delegation_{column}", "approval_delegation", [column])

    permission = sa.table("permission", sa.column("name"), sa.column("description"))
    grant = sa.table("role_permission", sa.column("role_id"), sa.column("permission_name"))
    op.bulk_insert(permission, [{"name": PERMISSION, "description": DESCRIPTION}])
    op.bulk_insert(
        grant, [{"role_id": r, "permission_name": PERMISSION} for r in (FINANCE, ADMINISTRATOR)]
    )


def downgrade():
    grant = sa.table("role_permission", sa.column("permission_name"))
    permission = sa.table("permission", sa.column("name"))
    op.execute(grant.delete().where(grant.c.permission_name == PERMISSION))
    op.execute(permission.delete().where(permission.c.name == PERMISSION))
    for table in (
        "approval_delegation",
        "approval_step",
        "approval_assignee",
        "approval_request",
        "approval_rule",
    ):
        op.drop_table(table)
