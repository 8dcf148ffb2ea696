"""Organisations: a tree of nodes, members, roles and role assignments, invitations.

The tree is stored twice over: `parent_id` for the structure and a materialized `path` (the
fixed-width segments of every ancestor, then the node's own) for reads. Descendants are one
index range (`path LIKE 'abc123.def456.%'`), ancestors one `IN` over the prefixes of the path,
and because segments have a fixed width the child of a node that contains any descendant is a
plain `substr(path, ...)` (member counts per child in one GROUP BY). bench/org_tree.py compares
this with a recursive CTE.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Date, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import db
from portal.models import UTCDateTime, Uuid, new_uuid, string_enum, utcnow
from portal.organizations.values import MemberStatus, NodeStatus, NodeType

SEGMENT_WIDTH = 7  # six base-36 characters and a dot


class OrganizationNode(db.Model):
    __tablename__ = "org_node"
    __table_args__ = (
        UniqueConstraint("organization_id", "code"),
        # pattern_ops: LIKE 'prefix%' uses the index whatever the database's collation.
        Index(
            "ix_org_node_path",
            "path",
            unique=True,
            postgresql_ops={"path": "varchar_pattern_ops"},
        ),
        Index("ix_org_node_parent_name", "parent_id", "name"),
    )

    id: Mapped[str] = mapped_column(Uuid, primary_key=True, default=new_uuid)
    # The root's own id; lets every scope check compare one column.
    organization_id: Mapped[str] = mapped_column(Uuid, index=True)
    parent_id: Mapped[str | None] = mapped_column(ForeignKey("org_node.id"))
    # Only the root names its B2B customer; one organisation per customer.
    customer_id: Mapped[str | None] = mapped_column(ForeignKey("customer.id"), unique=True)
    path: Mapped[str] = mapped_column(String(2000))
    depth: Mapped[int] = mapped_column(Integer)
    type: Mapped[NodeType] = mapped_column(string_enum(NodeType, 20))
    name: Mapped[str] = mapped_column(String(200))
    code: Mapped[str] = mapped_column(String(40))
    status: Mapped[NodeStatus] = mapped_column(string_enum(NodeStatus, 20))
    # Only this node's own overrides; absent keys are inherited (rules.effective_attributes).
    attributes: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by: Mapped[str] = mapped_column(String(320))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    updated_by: Mapped[str] = mapped_column(String(320))


class OrganizationRole(db.Model):
    __tablename__ = "org_role"
    __table_args__ = (UniqueConstraint("organization_id", "name"),)

    id: Mapped[str] = mapped_column(Uuid, primary_key=True, default=new_uuid)
    organization_id: Mapped[str] = mapped_column(ForeignKey("org_node.id"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    description: Mapped[str] = mapped_column(String(300), default="")
    permissions: Mapped[list] = mapped_column(JSON, default=list)
    # Admin, Approver, Buyer, Viewer: created with every organisation and not editable.
    predefined: Mapped[bool] = mapped_column(default=False)


class OrganizationMember(db.Model):
    __tablename__ = "org_member"
    __table_args__ = (UniqueConstraint("organization_id", "user_id"),)

    id: Mapped[str] = mapped_column(Uuid, primary_key=True, default=new_uuid)
    organization_id: Mapped[str] = mapped_column(ForeignKey("org_node.id"), index=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("user_account.id"), index=True)
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)
    status: Mapped[MemberStatus] = mapped_column(string_enum(MemberStatus, 20))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class RoleAssignment(db.Model):
    """A member holds a role at a node; it applies there and to every descendant."""

    __tablename__ = "org_assignment"
    __table_args__ = (
        UniqueConstraint("member_id", "role_id", "node_id"),
        Index(
            "ix_org_assignment_node_path",
            "node_path",
            postgresql_ops={"node_path": "varchar_pattern_ops"},
        ),
    )

    id: Mapped[str] = mapped_column(Uuid, primary_key=True, default=new_uuid)
    member_id: Mapped[str] = mapped_column(ForeignKey("org_member.id", ondelete="CASCADE"))
    role_id: Mapped[str] = mapped_column(ForeignKey("org_role.id"), index=True)
    node_id: Mapped[str] = mapped_column(ForeignKey("org_node.id"), index=True)
    # The node's path, copied (and rewritten by moves): member counts per subtree then read
    # one index range of assignments instead of every node of the subtree.
    node_path: Mapped[str] = mapped_column(String(2000))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by: Mapped[str] = mapped_column(String(320))


class Invitation(db.Model):
    """A single-use link: only the SHA-256 of its token is stored."""

    __tablename__ = "org_invitation"

    id: Mapped[str] = mapped_column(Uuid, primary_key=True, default=new_uuid)
    organization_id: Mapped[str] = mapped_column(ForeignKey("org_node.id"), index=True)
    node_id: Mapped[str] = mapped_column(ForeignKey("org_node.id"))
    role_id: Mapped[str] = mapped_column(ForeignKey("org_role.id"))
    email: Mapped[str] = mapped_column(String(320))
    name: Mapped[str] = mapped_column(String(200))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    invited_by: Mapped[str] = mapped_column(String(320))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
