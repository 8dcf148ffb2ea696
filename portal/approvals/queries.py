"""Read models of approvals: the three queues and their counts, a request's chain and history,
the rules governing a node, and what the systems submitting over the API may read."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import ColumnElement, Select, and_, exists, false, func, or_, select, true

from portal.approvals import directory
from portal.approvals.models import (
    ApprovalAssignee,
    ApprovalDelegation,
    ApprovalRequest,
    ApprovalRule,
    ApprovalStep,
)
from portal.approvals.rules import chain_from_json, format_amount
from portal.approvals.values import STAFF_SUBJECTS, Status, Subject
from portal.customers.models import Customer
from portal.extensions import db
from portal.organizations import queries as org_queries
from portal.organizations.models import OrganizationNode, OrganizationRole
from portal.organizations.rules import ancestor_paths, permissions_at
from portal.security.audit import with_customer_name
from portal.security.models import User

Request = ApprovalRequest
Node = OrganizationNode
PAGE_SIZE = 50
OVERSIGHT = ("org:approvals:rules", "org:orders:view_all")  # who sees "All requests"
ORDER = "org:orders:create"


@dataclass(frozen=True)
class Filters:
    status: str = ""
    subject: str = ""
    min_amount: int | None = None
    currency: str = ""
    older_than: int | None = None


def _in_current_tier(model):
    return and_(
        model.request_id == Request.id, model.round == Request.round, model.tier == Request.tier
    )


def _delegators(user: User, today: date) -> Select:
    """Who delegated to `user` their authority over the outer request, today."""
    return (
        select(ApprovalDelegation.delegator_id)
        .where(directory.covering(user.id, today))
        .correlate(Request)
    )


def _staff_decides(user: User, delegators: Select) -> ColumnElement[bool]:
    """Requests EFI staff decide by a staff permission held today (not by who was asked when
    the request started): the user's own, or one of a delegator covering the request."""
    return or_(
        false(),
        *(
            and_(
                Request.subject == subject,
                true()
                if user.can(permission)
                else delegators.where(
                    ApprovalDelegation.delegator_id.in_(directory.staff_holders(permission))
                ).exists(),
            )
            for subject, permission in STAFF_SUBJECTS.items()
        ),
    )


def _waiting_for(user: User, today: date) -> ColumnElement[bool]:
    """Pending requests whose current tier has an open group asking `user`, or someone whose
    delegation covers the request today, and that they have not decided at this tier yet."""
    delegators = _delegators(user, today)
    group_decided = (
        exists()
        .where(_in_current_tier(ApprovalStep), ApprovalStep.group_no == ApprovalAssignee.group_no)
        .correlate(Request, ApprovalAssignee)
    )
    asked = (
        exists()
        .where(
            _in_current_tier(ApprovalAssignee),
            or_(ApprovalAssignee.user_id == user.id, ApprovalAssignee.user_id.in_(delegators)),
            ~group_decided,
        )
        .correlate(Request)
    )
    decided_myself = exists().where(
        _in_current_tier(ApprovalStep), ApprovalStep.actor_id == user.id
    )
    return and_(
        Request.status == Status.PENDING.value,
        Request.requester_id != user.id,
        or_(asked, _staff_decides(user, delegators)),
        ~decided_myself,
    )


def _visible(user: User, today: date) -> ColumnElement[bool]:
    """Who sees a request: the requester, oversight of its node, anyone ever asked in it (or
    their delegate, under the same rule as the queue), the staff who decide it."""
    delegators = _delegators(user, today)
    ever_asked = (
        exists()
        .where(
            ApprovalAssignee.request_id == Request.id,
            or_(ApprovalAssignee.user_id == user.id, ApprovalAssignee.user_id.in_(delegators)),
        )
        .correlate(Request)
    )
    return or_(
        Request.requester_id == user.id,
        oversight_scope(user, today),
        ever_asked,
        _staff_decides(user, delegators),
    )


def _paths_holding(user: User, permissions, today: date) -> list[str]:
    """Paths of the nodes where the external `user` was granted any of `permissions`."""
    return [
        grant.path
        for organization_id, _ in org_queries.memberships(user.id)
        for grant in org_queries.grants(user.id, organization_id, today) or []
        if set(permissions) & grant.permissions
    ]


def nodes_where(user: User, permission: str, today: date) -> list[tuple[str, str]]:
    """(id, name) of the nodes where the user was granted `permission`: the queue's "New
    purchase order at …" and "Approval rules at …" links."""
    if user.kind != "external":
        return []
    paths = _paths_holding(user, (permission,), today)
    if not paths:
        return []
    return list(
        db.session.execute(
            select(Node.id, Node.name).where(Node.path.in_(paths)).order_by(Node.name)
        ).all()
    )


def oversight_scope(user: User, today: date) -> ColumnElement[bool]:
    """Which requests `user` sees under "All requests": everything for staff who read
    customers; for a customer's people, the subtrees where they set rules or see all orders."""
    if user.kind != "external":
        return true() if user.can("customer:read") else false()
    paths = _paths_holding(user, OVERSIGHT, today)
    return or_(false(), *(org_queries.under(p) for p in paths))


def _filtered(query, filters: Filters, now: datetime):
    if filters.status:
        query = query.where(Request.status == filters.status)
    if filters.subject:
        query = query.where(Request.subject == filters.subject)
    if filters.min_amount is not None:
        query = query.where(
            Request.currency == filters.currency, Request.amount_minor >= filters.min_amount
        )
    if filters.older_than is not None:
        query = query.where(Request.created_at <= now - timedelta(days=filters.older_than))
    return query


_target_customer = Request.target["customer_id"].as_string()


def title(request: Request) -> str:
    """The description with the current name of the customer it is about."""
    customer_id = (request.target or {}).get("customer_id")
    name = db.session.scalar(select(Customer.name).where(Customer.id == customer_id))
    return with_customer_name(request.description, name)


@dataclass(frozen=True)
class Row:
    id: str
    description: str
    subject: str
    status: str
    amount: str
    requester: str
    node: str
    created_at: datetime
    round: int
    tier: int
    tiers: int

    @property
    def subject_label(self) -> str:
        return Subject(self.subject).label


def _listed(where: ColumnElement[bool]) -> Select:
    """A list's rows: what the queue shows of each request, newest first."""
    return (
        select(
            Request.id,
            Request.description,
            Request.subject,
            Request.status,
            Request.amount_minor,
            Request.currency,
            User.name.label("requester"),
            Node.name.label("node"),
            Request.created_at,
            Request.round,
            Request.tier,
            Request.chain,
            Customer.name.label("customer"),
        )
        .join(User, User.id == Request.requester_id)
        .outerjoin(Node, Node.id == Request.node_id)
        .outerjoin(Customer, Customer.id == _target_customer)
        .where(where)
        .order_by(Request.created_at.desc())
        .limit(PAGE_SIZE)
    )


def _rows(query: Select) -> list[Row]:
    return [
        Row(
            r.id,
            with_customer_name(r.description, r.customer),
            r.subject,
            r.status,
            format_amount(r.amount_minor, r.currency),
            r.requester,
            r.node or "EFI",
            r.created_at,
            r.round,
            r.tier,
            len(r.chain),
        )
        for r in db.session.execute(query)
    ]


def _queue_where(kind: str, user: User, now: datetime) -> ColumnElement[bool]:
    return {
        "waiting": lambda: _waiting_for(user, now.date()),
        "mine": lambda: Request.requester_id == user.id,
        "all": lambda: oversight_scope(user, now.date()),
    }[kind]()


def queue(kind: str, user: User, filters: Filters, now: datetime) -> list[Row]:
    return _rows(_filtered(_listed(_queue_where(kind, user, now)), filters, now))


def queue_count(kind: str, user: User, filters: Filters, now: datetime) -> int:
    """How many requests the queue with these filters holds (a home page's number)."""
    counted = select(func.count(Request.id)).outerjoin(Node, Node.id == Request.node_id)
    query = _filtered(counted.where(_queue_where(kind, user, now)), filters, now)
    return db.session.scalar(query) or 0


def delegations_in_force(user_id: str, today: date) -> list[dict]:
    return [
        d
        for d in delegations(user_id)
        if not d["revoked"] and d["starts_on"] <= today <= d["ends_on"]
    ]


def waiting_count(user: User, today: date) -> int:
    return db.session.scalar(select(func.count(Request.id)).where(_waiting_for(user, today)))


def can_see(user: User, request: Request, today: date) -> bool:
    return (
        db.session.scalar(
            select(Request.id)
            .outerjoin(Node, Node.id == Request.node_id)
            .where(Request.id == request.id, _visible(user, today))
        )
        is not None
    )


# ---- the request page -------------------------------------------------------------------


@dataclass
class GroupView:
    asked: list[tuple[str, str]] = field(default_factory=list)  # (name, via)
    described: str = ""  # for tiers not started: the roles or members it will ask
    decision: dict | None = None


@dataclass
class TierView:
    number: int
    state: str  # done, current, upcoming, stopped
    due: datetime | None
    groups: list[GroupView]


def _names(ids) -> dict[str, str]:
    ids = {i for i in ids if i}
    if not ids:
        return {}
    return dict(db.session.execute(select(User.id, User.name).where(User.id.in_(ids))).all())


def user_name(user_id: str) -> str:
    return db.session.scalar(select(User.name).where(User.id == user_id)) or ""


def history(request: Request) -> list[dict]:
    steps = db.session.scalars(
        select(ApprovalStep).where(ApprovalStep.request_id == request.id).order_by(ApprovalStep.id)
    ).all()
    names = _names({s.actor_id for s in steps} | {s.on_behalf_of_id for s in steps})
    return [
        {
            "round": s.round,
            "tier": None if s.tier is None else s.tier + 1,
            "action": s.action,
            "by": names.get(s.actor_id, "the system"),
            "on_behalf_of": names.get(s.on_behalf_of_id),
            "comment": s.comment,
            "at": s.at,
            "tier_index": s.tier,
            "group": s.group_no,
        }
        for s in steps
    ]


def _described(group, role_names: dict[str, str], member_names: dict[str, str]) -> str:
    parts = [role_names.get(r, "a removed role") for r in group.roles]
    parts += [member_names.get(m, "a former member") for m in group.members]
    if group.staff_permission:
        parts.append("EFI finance")
    return " or ".join(parts)


def chain_view(request: Request, steps: list[dict]) -> list[TierView]:
    """The tiers of the current round: who approved, who is asked, what is still to come."""
    chain = chain_from_json(request.chain)
    asked = db.session.execute(
        select(ApprovalAssignee.tier, ApprovalAssignee.group_no, User.name, ApprovalAssignee.via)
        .join(User, User.id == ApprovalAssignee.user_id)
        .where(ApprovalAssignee.request_id == request.id, ApprovalAssignee.round == request.round)
        .order_by(User.name)
    ).all()
    role_names = dict(
        db.session.execute(
            select(OrganizationRole.id, OrganizationRole.name).where(
                OrganizationRole.organization_id == request.organization_id
            )
        ).all()
    )
    member_names = _names({m for tier in chain for g in tier.groups for m in g.members})
    decisions = {
        (s["tier_index"], s["group"]): s
        for s in steps
        if s["round"] == request.round and s["group"] is not None
    }
    pending = request.status == Status.PENDING.value
    tiers = []
    for number, tier in enumerate(chain):
        if number < request.tier or (number == request.tier and request.status == "APPROVED"):
            state = "done"
        elif number == request.tier:
            state = "current" if pending else "stopped"
        else:
            state = "upcoming"
        groups = [GroupView(decision=decisions.get((number, g))) for g in range(len(tier.groups))]
        for row in asked:
            if row.tier == number:
                groups[row.group_no].asked.append((row.name, row.via))
        for group, spec in zip(groups, tier.groups, strict=True):
            group.described = _described(spec, role_names, member_names)
        due = request.tier_due_at if number == request.tier and pending else None
        tiers.append(TierView(number + 1, state, due, groups))
    return tiers


# ---- rules of a node -----------------------------------------------------------------------


@dataclass(frozen=True)
class GoverningRule:
    rule: ApprovalRule
    node_name: str
    inherited: bool


def governing_rules(node: OrganizationNode) -> dict[str, list[GoverningRule]]:
    """Per subject: the rules that govern `node` (its own, or its nearest ancestor's that has
    any) and where they come from."""
    rows = db.session.execute(
        select(ApprovalRule, Node.name, Node.depth)
        .join(Node, Node.id == ApprovalRule.node_id)
        .where(Node.path.in_(ancestor_paths(node.path)))
        .order_by(Node.depth.desc(), ApprovalRule.position, ApprovalRule.name)
    ).all()
    found: dict[str, list[GoverningRule]] = {}
    nearest: dict[str, int] = {}
    for rule, name, depth in rows:
        if nearest.setdefault(rule.subject, depth) == depth:
            found.setdefault(rule.subject, []).append(
                GoverningRule(rule, name, rule.node_id != node.id)
            )
    return found


def delegations(user_id: str) -> list[dict]:
    """The user's delegations, given and received, with where each applies."""
    rows = db.session.execute(
        select(ApprovalDelegation, Node.name)
        .outerjoin(Node, Node.id == ApprovalDelegation.organization_id)
        .where(
            or_(
                ApprovalDelegation.delegator_id == user_id,
                ApprovalDelegation.delegate_id == user_id,
            )
        )
        .order_by(ApprovalDelegation.starts_on.desc())
    ).all()
    names = _names({d.delegator_id for d, _ in rows} | {d.delegate_id for d, _ in rows})
    return [
        {
            "id": d.id,
            "mine": d.delegator_id == user_id,
            "delegator": names[d.delegator_id],
            "delegate": names[d.delegate_id],
            "where": where or "EFI staff decisions",
            "starts_on": d.starts_on,
            "ends_on": d.ends_on,
            "reason": d.reason,
            "revoked": d.revoked_at is not None,
        }
        for d, where in rows
    ]


# The systems that submit over the API: each sees only the requests it submitted.


def submitted_by(source: str, request_id: str) -> Request | None:
    found = db.session.get(Request, request_id)
    return found if found is not None and found.source == source else None


def by_reference(source: str, reference: str) -> Request | None:
    return db.session.scalar(
        select(Request).where(Request.source == source, Request.external_ref == reference)
    )


def node(node_id: str) -> Node | None:
    return db.session.get(Node, node_id)


def orderer(email: str, node: Node, today: date) -> User | None:
    """The member with this e-mail address, if active and allowed to order at `node`."""
    user = db.session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None:
        return None
    grants = org_queries.grants(user.id, node.organization_id, today)
    if grants is None or ORDER not in permissions_at(grants, node.path):
        return None
    return user


def pending_about(customer_id: str) -> list[Row]:
    """Pending requests about the customer or its organisation (the profile's overview)."""
    organization = select(Node.id).where(Node.customer_id == customer_id).scalar_subquery()
    about = or_(_target_customer == customer_id, Request.organization_id == organization)
    return _rows(_listed(and_(Request.status == Status.PENDING, about)))
