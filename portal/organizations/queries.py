"""Read models of the organisation area: single queries that select what the pages show."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import ColumnElement, and_, func, literal_column, or_, select, union_all

from portal.extensions import db
from portal.organizations.models import (
    SEGMENT_WIDTH,
    Invitation,
    OrganizationMember,
    OrganizationNode,
    OrganizationRole,
    RoleAssignment,
)
from portal.organizations.rules import Ancestor, ancestor_paths
from portal.organizations.values import HISTORY, MemberStatus
from portal.security.models import AuditEntry, User

Node = OrganizationNode


def under(path: str, column=Node.path) -> ColumnElement[bool]:
    """The node at `path` and all its descendants, as one index range.

    SQLite's LIKE ignores case and so cannot use the index; its GLOB can. PostgreSQL uses the
    varchar_pattern_ops index for LIKE. Paths hold only [0-9a-z.], so neither has wildcards.
    """
    if db.session.get_bind().dialect.name == "sqlite":
        return column.op("GLOB")(path + "*")
    return column.like(path + "%")


@dataclass(frozen=True)
class Grant:
    path: str
    permissions: frozenset[str]


def grants(user_id: str, organization_id: str, today: date) -> list[Grant] | None:
    """The user's role assignments in the organisation, or None if they are not an active
    member today (then the organisation does not exist for them: 404)."""
    rows = db.session.execute(
        select(OrganizationMember.id, Node.path, OrganizationRole.permissions)
        .outerjoin(RoleAssignment, RoleAssignment.member_id == OrganizationMember.id)
        .outerjoin(Node, Node.id == RoleAssignment.node_id)
        .outerjoin(OrganizationRole, OrganizationRole.id == RoleAssignment.role_id)
        .where(
            OrganizationMember.user_id == user_id,
            OrganizationMember.organization_id == organization_id,
            OrganizationMember.status == MemberStatus.ACTIVE,
            OrganizationMember.start_date <= today,
            or_(OrganizationMember.end_date.is_(None), OrganizationMember.end_date >= today),
        )
    ).all()
    if not rows:
        return None
    return [Grant(r.path, frozenset(r.permissions)) for r in rows if r.path is not None]


def memberships(user_id: str) -> list[tuple[str, str]]:
    """(organisation id, shallowest assigned node id) for each organisation the user is in."""
    rows = db.session.execute(
        select(OrganizationMember.organization_id, Node.id, Node.depth)
        .join(RoleAssignment, RoleAssignment.member_id == OrganizationMember.id)
        .join(Node, Node.id == RoleAssignment.node_id)
        .where(
            OrganizationMember.user_id == user_id,
            OrganizationMember.status == MemberStatus.ACTIVE,
        )
        .order_by(Node.depth)
    ).all()
    first: dict[str, str] = {}
    for row in rows:
        first.setdefault(row.organization_id, row.id)
    return list(first.items())


def chain(node: OrganizationNode) -> list[Ancestor]:
    """The root, every ancestor and the node itself, in one query."""
    rows = db.session.execute(
        select(Node.id, Node.name, Node.attributes, Node.path)
        .where(Node.path.in_(ancestor_paths(node.path)))
        .order_by(Node.depth)
    ).all()
    return [Ancestor(r.id, r.name, r.path, r.attributes or {}) for r in rows]


@dataclass(frozen=True)
class TreeRow:
    id: str
    parent_id: str | None
    name: str
    code: str
    type: str
    status: str
    depth: int
    child_count: int
    member_count: int


def _member_counts(scopes: list[tuple[str, int]]) -> dict[str, int]:
    """Distinct active members holding a role at or below each node one level under every
    (path, depth) scope, keyed by that node's path. With fixed-width segments the node one
    level down that contains an assignment is a prefix of known length, so one GROUP BY per
    scope counts them all, reading only the scope's assignments (one index range)."""
    selects = []
    for path, depth in scopes:
        # Inline numbers: PostgreSQL matches GROUP BY to the select list only if they are equal.
        width = literal_column(str((depth + 2) * SEGMENT_WIDTH))
        prefix = func.substr(RoleAssignment.node_path, literal_column("1"), width)
        selects.append(
            select(prefix.label("prefix"), func.count(func.distinct(RoleAssignment.member_id)))
            .join(OrganizationMember, OrganizationMember.id == RoleAssignment.member_id)
            .where(
                under(path, RoleAssignment.node_path),
                OrganizationMember.status == MemberStatus.ACTIVE,
            )
            .group_by(prefix)
        )
    if not selects:
        return {}
    return dict(db.session.execute(union_all(*selects)).tuples().all())


def _tree_rows(where: ColumnElement[bool], scopes: list[tuple[str, int]]) -> list[TreeRow]:
    """Nodes matching `where` with their number of children, and member counts for the nodes
    one level under `scopes` (see _member_counts): two statements whatever the number of rows."""
    child = Node.__table__.alias("child")
    child_count = (
        select(func.count()).select_from(child).where(child.c.parent_id == Node.id)
    ).scalar_subquery()
    table = Node.__table__.c  # plain strings for type and status: no enum per row
    rows = db.session.execute(
        select(
            Node.id,
            Node.parent_id,
            Node.name,
            Node.code,
            table.type,
            table.status,
            Node.depth,
            child_count.label("child_count"),
            Node.path,
        )
        .where(where)
        # Name only: callers group rows by parent, and (parent_id, name) is an index.
        .order_by(Node.name)
    ).all()
    members = _member_counts(scopes)
    return [TreeRow(*row[:7], row.child_count, members.get(row.path, 0)) for row in rows]


def children(parent: OrganizationNode) -> list[TreeRow]:
    return _tree_rows(Node.parent_id == parent.id, [(parent.path, parent.depth)])


def expanded_tree(top: OrganizationNode, open_paths: set[str]) -> dict[str | None, list[TreeRow]]:
    """The children of `top` and of every open node below it (those on the way to the current
    node or to a search match), keyed by parent id; `top` itself under None."""
    opened = db.session.execute(
        select(Node.id, Node.path, Node.depth).where(
            Node.path.in_(open_paths | {top.path}), under(top.path)
        )
    ).all()
    # (top.path, top.depth - 1) counts the members of `top` itself.
    rows = _tree_rows(
        or_(Node.id == top.id, Node.parent_id.in_([o.id for o in opened])),
        [(o.path, o.depth) for o in opened] + [(top.path, top.depth - 1)],
    )
    tree: dict[str | None, list[TreeRow]] = {}
    for row in rows:
        tree.setdefault(None if row.id == top.id else row.parent_id, []).append(row)
    return tree


SEARCH_LIMIT = 25


def search(top: OrganizationNode, text: str) -> list[tuple[str, str]]:
    """(id, path) of nodes under `top` whose name or code contains `text`."""
    needle = f"%{text.lower()}%"
    return [
        (r.id, r.path)
        for r in db.session.execute(
            select(Node.id, Node.path)
            .where(
                under(top.path),
                or_(func.lower(Node.name).like(needle), func.lower(Node.code).like(needle)),
            )
            .order_by(Node.depth, Node.name)
            .limit(SEARCH_LIMIT)
        )
    ]


CHART_LEVELS = 3
CHART_LIMIT = 600


def subtree(node: OrganizationNode, levels: int = CHART_LEVELS) -> list[TreeRow]:
    """The node and `levels` generations below it, for the org chart."""
    rows = _tree_rows(and_(under(node.path), Node.depth <= node.depth + levels), [])
    rows.sort(key=lambda row: row.depth)  # stable: by name within a level; the node first
    return rows[:CHART_LIMIT]


@dataclass(frozen=True)
class MemberRow:
    id: str
    user_id: str
    name: str
    email: str
    status: str
    start_date: date
    end_date: date | None
    role: str | None
    node_id: str | None
    node_name: str | None
    assignment_id: str | None


# The columns of a MemberRow: one member with one of their role assignments.
_MEMBER_COLUMNS = (
    OrganizationMember.id,
    OrganizationMember.user_id,
    User.name,
    User.email,
    OrganizationMember.status,
    OrganizationMember.start_date,
    OrganizationMember.end_date,
    OrganizationRole.name.label("role"),
    Node.id.label("node_id"),
    Node.name.label("node_name"),
    RoleAssignment.id.label("assignment_id"),
)


def members_under(node: OrganizationNode) -> list[MemberRow]:
    """Members holding a role at this node or below, one row per assignment."""
    rows = db.session.execute(
        select(*_MEMBER_COLUMNS)
        .join(User, User.id == OrganizationMember.user_id)
        .join(RoleAssignment, RoleAssignment.member_id == OrganizationMember.id)
        .join(Node, Node.id == RoleAssignment.node_id)
        .join(OrganizationRole, OrganizationRole.id == RoleAssignment.role_id)
        .where(under(node.path))
        .order_by(User.name, Node.depth)
    ).all()
    return [MemberRow(**row._mapping) for row in rows]


def member_assignments(member_id: str) -> list[MemberRow]:
    """One member with each of their assignments (one row without role if they have none)."""
    rows = db.session.execute(
        select(*_MEMBER_COLUMNS)
        .select_from(OrganizationMember)
        .join(User, User.id == OrganizationMember.user_id)
        .outerjoin(RoleAssignment, RoleAssignment.member_id == OrganizationMember.id)
        .outerjoin(Node, Node.id == RoleAssignment.node_id)
        .outerjoin(OrganizationRole, OrganizationRole.id == RoleAssignment.role_id)
        .where(OrganizationMember.id == member_id)
        .order_by(Node.depth)
    ).all()
    return [MemberRow(**row._mapping) for row in rows]


def nodes_matching(under: OrganizationNode, text: str, limit: int = 10) -> list:
    """Nodes at or below `under` (so of its organisation only) whose name contains `text` or
    whose code starts with it, by name: what a node picker offers as someone types."""
    text = text.strip().lower()
    query = select(Node.id, Node.name, Node.code, Node.type).where(
        Node.path.startswith(under.path, autoescape=True)
    )
    if text:
        query = query.where(
            or_(
                func.lower(Node.name).contains(text, autoescape=True),
                func.lower(Node.code).startswith(text, autoescape=True),
            )
        )
    return list(db.session.execute(query.order_by(Node.name, Node.id).limit(limit)))


def node_by_code(organization_id: str, code: str) -> OrganizationNode | None:
    return db.session.scalar(
        select(Node).where(Node.organization_id == organization_id, Node.code == code)
    )


def assignment_paths(member_id: str) -> list[str]:
    return list(
        db.session.scalars(
            select(Node.path)
            .join(RoleAssignment, RoleAssignment.node_id == Node.id)
            .where(RoleAssignment.member_id == member_id)
        )
    )


def roles(organization_id: str) -> list[OrganizationRole]:
    return list(
        db.session.scalars(
            select(OrganizationRole)
            .where(OrganizationRole.organization_id == organization_id)
            .order_by(OrganizationRole.predefined.desc(), OrganizationRole.name)
        )
    )


def pending_invitations(node: OrganizationNode, now) -> list:
    return db.session.execute(
        select(
            Invitation.id,
            Invitation.email,
            Invitation.name,
            Invitation.expires_at,
            Node.name.label("node_name"),
            OrganizationRole.name.label("role"),
        )
        .join(Node, Node.id == Invitation.node_id)
        .join(OrganizationRole, OrganizationRole.id == Invitation.role_id)
        .where(
            under(node.path),
            Invitation.accepted_at.is_(None),
            Invitation.revoked_at.is_(None),
            Invitation.expires_at > now,
        )
        .order_by(Invitation.created_at.desc())
    ).all()


def organizations(text: str = "", limit: int = 100) -> list:
    """Staff's list of organisations: root nodes with their number of nodes."""
    every = Node.__table__.alias("every")
    size = (
        select(func.count()).select_from(every).where(every.c.organization_id == Node.id)
    ).scalar_subquery()
    query = select(Node.id, Node.name, Node.code, Node.status, size.label("size")).where(
        Node.parent_id.is_(None)
    )
    if text:
        query = query.where(func.lower(Node.name).like(f"%{text.lower()}%"))
    return db.session.execute(query.order_by(Node.name).limit(limit)).all()


def history(node_id: str, limit: int = 200) -> list:
    return db.session.execute(
        select(AuditEntry.at, AuditEntry.actor, AuditEntry.action, AuditEntry.summary)
        .where(AuditEntry.record_type == HISTORY, AuditEntry.record_id == node_id)
        .order_by(AuditEntry.id.desc())
        .limit(limit)
    ).all()


@dataclass(frozen=True)
class Glance:
    node: Node
    members: int  # active members
    invitations: int  # pending: neither accepted, revoked nor expired


def glance(node: Node, now) -> Glance:
    """An organisation (or subtree) at a glance: the profile's overview and the customer
    administrators' home, one indexed count each."""
    members = select(func.count(func.distinct(RoleAssignment.member_id))).join(
        OrganizationMember, OrganizationMember.id == RoleAssignment.member_id
    )
    invitations = (
        select(func.count()).select_from(Invitation).join(Node, Node.id == Invitation.node_id)
    )
    return Glance(
        node,
        db.session.scalar(
            members.where(
                under(node.path, RoleAssignment.node_path),
                OrganizationMember.status == MemberStatus.ACTIVE,
            )
        )
        or 0,
        db.session.scalar(
            invitations.where(
                under(node.path),
                Invitation.accepted_at.is_(None),
                Invitation.revoked_at.is_(None),
                Invitation.expires_at > now,
            )
        )
        or 0,
    )


def organization_of(customer_id: str) -> Node | None:
    return db.session.scalar(select(Node).where(Node.customer_id == customer_id))
