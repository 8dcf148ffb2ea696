"""Use cases on members: invitations, role assignments, end dates, deactivation."""

from __future__ import annotations

import hashlib
import secrets
from datetime import date, datetime, timedelta

from sqlalchemy import select

from portal.auth.services import end_all_sessions
from portal.domain import NON_FIELD, Conflict, DomainError, Refusal, load, use_case
from portal.extensions import db
from portal.models import utcnow
from portal.organizations import rules
from portal.organizations.models import (
    Invitation,
    OrganizationMember,
    OrganizationNode,
    OrganizationRole,
    RoleAssignment,
)
from portal.organizations.ports import InvitationSender
from portal.organizations.services._common import record
from portal.organizations.values import EXTERNAL, HISTORY, MemberStatus
from portal.security import audit
from portal.security.models import User
from portal.security.passwords import hash_password, verify_password

INVITATION_LIFETIME = timedelta(days=7)
MIN_PASSWORD = 12


class InvitationInvalid(Refusal):
    """The link is unknown, used, revoked or expired: the same answer for all four (→ 404)."""

    status = 404

    def __init__(self):
        super().__init__(
            {NON_FIELD: ["This invitation link is not valid any more. Ask for a new one."]}
        )


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _no_escalation(role: OrganizationRole, held: set[str]) -> None:
    beyond = rules.escalation(role.permissions, held)
    if beyond:
        raise DomainError.on(
            "role",
            f"You cannot hand out the role {role.name} here: it grants {', '.join(beyond)}, "
            "which you do not hold.",
        )


def _same_org(node: OrganizationNode, *others) -> None:
    if any(o.organization_id != node.organization_id for o in others):
        raise DomainError.on("role", "That belongs to another organisation.")


@use_case
def invite(
    actor: User,
    node_id: str,
    email: str,
    name: str,
    role_id: str,
    held: set[str],
    sender: InvitationSender,
    link_for,
) -> Invitation:
    """Create a single-use invitation to join with the role at the node and send its link.

    `link_for(token)` builds the absolute URL; only the token's hash is stored.
    """
    node = load(OrganizationNode, node_id, "node")
    role = load(OrganizationRole, role_id, "role")
    _same_org(node, role)
    _no_escalation(role, held)
    email = email.strip().lower()
    existing = db.session.scalar(select(User).where(User.email == email))
    if existing is not None and existing.kind != EXTERNAL:
        raise DomainError.on("email", "This address belongs to EFI staff.")
    token = secrets.token_urlsafe(32)
    invitation = Invitation(
        organization_id=node.organization_id,
        node_id=node.id,
        role_id=role.id,
        email=email,
        name=name.strip(),
        token_hash=token_hash(token),
        expires_at=utcnow() + INVITATION_LIFETIME,
        invited_by=actor.email,
    )
    db.session.add(invitation)
    db.session.flush()
    record(
        actor,
        "org.member_invited",
        node,
        f"Invited {email} as {role.name} at {node.name}",
        "OrganizationMemberInvited",
        {
            "invitationId": invitation.id,
            "nodeId": node.id,
            "roleId": role.id,
            "email": email,
            "expiresAt": invitation.expires_at.isoformat(),
        },
    )
    db.session.commit()
    sender.send_invitation(
        email=email,
        name=invitation.name,
        organization=node.name,
        link=link_for(token),
        expires_at=invitation.expires_at,
    )
    return invitation


def open_invitation(token: str, now: datetime) -> Invitation:
    invitation = db.session.scalar(
        select(Invitation).where(Invitation.token_hash == token_hash(token))
    )
    if (
        invitation is None
        or invitation.accepted_at is not None
        or invitation.revoked_at is not None
        or invitation.expires_at <= now
    ):
        raise InvitationInvalid()
    return invitation


@use_case
def accept_invitation(token: str, name: str, password: str) -> User:
    """Create (or re-admit) the invited person with a local password, as a member holding the
    invited role. The link works once."""
    now = utcnow()
    invitation = open_invitation(token, now)
    user = db.session.scalar(select(User).where(User.email == invitation.email))
    if user is None:
        if len(password) < MIN_PASSWORD:
            raise DomainError.on("password", f"Use at least {MIN_PASSWORD} characters.")
        user = User(
            email=invitation.email,
            name=name.strip() or invitation.name,
            kind=EXTERNAL,
            password_hash=hash_password(password),
        )
        db.session.add(user)
    elif user.kind != EXTERNAL:
        raise InvitationInvalid()
    elif not verify_password(user.password_hash, password):
        # The link proves the mailbox; only the password proves the existing account.
        raise DomainError.on("password", "You have an account: enter its password.")
    user.active = True
    db.session.flush()
    member = db.session.scalar(
        select(OrganizationMember).where(
            OrganizationMember.organization_id == invitation.organization_id,
            OrganizationMember.user_id == user.id,
        )
    )
    if member is None:
        member = OrganizationMember(
            organization_id=invitation.organization_id,
            user_id=user.id,
            start_date=now.date(),
            status=MemberStatus.ACTIVE,
        )
        db.session.add(member)
        db.session.flush()
    member.status, member.end_date = MemberStatus.ACTIVE, None
    node = db.session.get(OrganizationNode, invitation.node_id)
    _add_assignment(member, invitation.role_id, node, invitation.invited_by)
    invitation.accepted_at = now
    record(
        user,
        "org.member_joined",
        node,
        f"{user.email} accepted the invitation of {invitation.invited_by}",
        "OrganizationMemberJoined",
        {"memberId": member.id, "userId": user.id, "nodeId": node.id, "roleId": invitation.role_id},
    )
    db.session.commit()
    return user


@use_case
def revoke_invitation(actor: User, invitation_id: str) -> None:
    invitation = load(Invitation, invitation_id, "invitation", lock=True)
    if invitation.accepted_at or invitation.revoked_at:
        raise Conflict("This invitation was already used or revoked.")
    invitation.revoked_at = utcnow()
    audit.record(
        "org.invitation_revoked",
        user=actor,
        record_type=HISTORY,
        record_id=invitation.node_id,
        summary=f"Revoked the invitation of {invitation.email}",
    )
    db.session.commit()


def _add_assignment(member, role_id: str, node: OrganizationNode, by: str) -> RoleAssignment | None:
    exists = db.session.scalar(
        select(RoleAssignment.id).where(
            RoleAssignment.member_id == member.id,
            RoleAssignment.role_id == role_id,
            RoleAssignment.node_id == node.id,
        )
    )
    if exists:
        return None
    assignment = RoleAssignment(
        member_id=member.id, role_id=role_id, node_id=node.id, node_path=node.path, created_by=by
    )
    db.session.add(assignment)
    return assignment


def _person(member: OrganizationMember) -> User:
    return db.session.get(User, member.user_id)


@use_case
def assign_role(
    actor: User,
    member_id: str,
    role_id: str,
    node_id: str,
    held: set[str],
) -> RoleAssignment:
    """Give the member the role at the node; `held` is what the actor holds at that node."""
    member = load(OrganizationMember, member_id, "member")
    role = load(OrganizationRole, role_id, "role")
    node = load(OrganizationNode, node_id, "node")
    _same_org(node, role, member)
    _no_escalation(role, held)
    assignment = _add_assignment(member, role.id, node, actor.email)
    if assignment is None:
        raise DomainError.on("role", f"They already hold {role.name} at {node.name}.")
    db.session.flush()
    record(
        actor,
        "org.role_assigned",
        node,
        f"{_person(member).email} is {role.name} at {node.name}",
        "OrganizationRoleAssigned",
        {"memberId": member.id, "roleId": role.id, "nodeId": node.id},
    )
    db.session.commit()
    return assignment


@use_case
def revoke_role(actor: User, assignment_id: str, held: set[str]) -> None:
    """Take a role back; revoking is handing out in reverse, so the same ceiling applies."""
    assignment = load(RoleAssignment, assignment_id, "role assignment")
    role = db.session.get(OrganizationRole, assignment.role_id)
    node = db.session.get(OrganizationNode, assignment.node_id)
    member = db.session.get(OrganizationMember, assignment.member_id)
    _no_escalation(role, held)
    db.session.delete(assignment)
    record(
        actor,
        "org.role_revoked",
        node,
        f"{_person(member).email} is no longer {role.name} at {node.name}",
        "OrganizationRoleRevoked",
        {"memberId": member.id, "roleId": role.id, "nodeId": node.id},
    )
    db.session.commit()


def _member_changed(actor: User, member: OrganizationMember, summary: str) -> None:
    root = db.session.get(OrganizationNode, member.organization_id)
    record(
        actor,
        "org.member_changed",
        root,
        summary,
        "OrganizationMemberChanged",
        {
            "memberId": member.id,
            "status": member.status.value,
            "endDate": member.end_date.isoformat() if member.end_date else None,
        },
    )


def _cut_off(member: OrganizationMember, reason: str) -> None:
    """Their sessions stop working now; an external person in no other organisation can no
    longer sign in at all."""
    user = _person(member)
    end_all_sessions(user.id, reason)
    if user.kind == EXTERNAL:
        others = db.session.scalar(
            select(OrganizationMember.id)
            .where(
                OrganizationMember.user_id == user.id,
                OrganizationMember.id != member.id,
                OrganizationMember.status == MemberStatus.ACTIVE,
            )
            .limit(1)
        )
        if others is None:
            user.active = False


@use_case
def set_end_date(actor: User, member_id: str, end_date: date | None) -> None:
    member = load(OrganizationMember, member_id, "member", lock=True)
    if end_date is not None and end_date < member.start_date:
        raise DomainError.on("end_date", "The end date is before the start date.")
    member.end_date = end_date
    if end_date is not None and end_date < utcnow().date():
        _cut_off(member, "membership_ended")
    _member_changed(actor, member, f"{_person(member).email}: access ends {end_date or 'never'}")
    db.session.commit()


@use_case
def set_member_status(actor: User, member_id: str, status: MemberStatus) -> None:
    member = load(OrganizationMember, member_id, "member", lock=True)
    if member.user_id == actor.id:
        raise DomainError.on(NON_FIELD, "You cannot change your own membership.")
    member.status = status
    if status == MemberStatus.INACTIVE:
        _cut_off(member, "member_deactivated")
    else:
        _person(member).active = True
    verb = "deactivated" if status == MemberStatus.INACTIVE else "reactivated"
    _member_changed(actor, member, f"{_person(member).email} {verb}")
    db.session.commit()
