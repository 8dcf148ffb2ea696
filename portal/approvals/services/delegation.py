"""Out-of-office cover: a member with approval authority lets another member of the same
organisation decide in their place for a date range; a staff approver (finance), another
member of EFI staff.

The delegate never holds more than the delegator: they act only in the delegator's capacity
(rules.capacity), and delegations do not chain (a delegate cannot pass it on)."""

from __future__ import annotations

from datetime import date

from portal.approvals.models import ApprovalDelegation
from portal.approvals.values import STAFF_SUBJECTS
from portal.domain import NON_FIELD, DomainError, Forbidden, load, use_case
from portal.extensions import db
from portal.models import utcnow
from portal.organizations import queries as org_queries
from portal.organizations.models import OrganizationNode
from portal.security import audit
from portal.security.models import User

DECIDE = "org:approvals:decide"


def decides_as_staff(user: User) -> bool:
    """Whether `user` holds a staff permission that decides requests (finance)."""
    return any(user.can(permission) for permission in STAFF_SUBJECTS.values())


def _check_member_cover(
    actor: User, organization: OrganizationNode, delegate_to: User | None, today: date
) -> None:
    grants = org_queries.grants(actor.id, organization.id, today) or []
    if not any(DECIDE in g.permissions for g in grants):
        raise DomainError.on(NON_FIELD, "You hold no approval authority to delegate.")
    if delegate_to is None or org_queries.grants(delegate_to.id, organization.id, today) is None:
        raise DomainError.on("delegate", "Choose an active member of this organisation.")


def _check_staff_cover(actor: User, delegate_to: User | None) -> None:
    if not decides_as_staff(actor):
        raise DomainError.on(NON_FIELD, "You hold no approval authority to delegate.")
    if delegate_to is None or delegate_to.kind != "staff" or not delegate_to.active:
        raise DomainError.on("delegate", "Choose an active EFI colleague.")


@use_case
def delegate(
    actor: User,
    organization_id: str | None,
    delegate_id: str | None,
    starts_on: date,
    ends_on: date,
    reason: str = "",
) -> ApprovalDelegation:
    """`organization_id` None: a staff approver's cover by a colleague, for what staff decide."""
    today = utcnow().date()
    organization = (
        load(OrganizationNode, organization_id, "organisation") if organization_id else None
    )
    delegate_to = db.session.get(User, delegate_id) if delegate_id else None
    if organization is None:
        _check_staff_cover(actor, delegate_to)
    else:
        _check_member_cover(actor, organization, delegate_to, today)
    if delegate_to.id == actor.id:
        raise DomainError.on("delegate", "Choose someone other than yourself.")
    if ends_on < starts_on:
        raise DomainError.on("ends_on", "The end comes before the start.")
    if ends_on < today:
        raise DomainError.on("ends_on", "That period is already over.")
    delegation = ApprovalDelegation(
        organization_id=organization.id if organization else None,
        delegator_id=actor.id,
        delegate_id=delegate_to.id,
        starts_on=starts_on,
        ends_on=ends_on,
        reason=reason.strip(),
    )
    db.session.add(delegation)
    db.session.flush()
    audit.record(
        "approval.delegated",
        user=actor,
        record_type="approval_delegation",
        record_id=delegation.id,
        summary=f"{delegate_to.email} decides for {actor.email} from {starts_on} to {ends_on}",
        details={"organization_id": delegation.organization_id},
    )
    db.session.commit()
    return delegation


@use_case
def revoke_delegation(actor: User, delegation_id: str) -> None:
    delegation = load(ApprovalDelegation, delegation_id, "delegation")
    if delegation.delegator_id != actor.id:
        raise Forbidden("Only the person who delegated can revoke it.")
    delegation.revoked_at = utcnow()
    audit.record(
        "approval.delegation_revoked",
        user=actor,
        record_type="approval_delegation",
        record_id=delegation.id,
        summary="Delegation revoked",
    )
    db.session.commit()
