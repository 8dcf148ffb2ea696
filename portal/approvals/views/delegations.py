"""Out of office: delegate one's approval authority for a date range, and revoke it."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import abort, request, url_for
from flask_login import current_user
from wtforms import SelectChoice

from portal.approvals import bp, directory, queries, services
from portal.approvals.forms import ButtonForm, DelegationForm
from portal.approvals.models import ApprovalDelegation
from portal.approvals.views._common import done
from portal.domain import DomainError
from portal.extensions import db
from portal.htmx import render
from portal.idempotency import create_once
from portal.models import utcnow
from portal.organizations.models import OrganizationNode
from portal.security.access import require
from portal.security.permissions import SIGNED_IN


@dataclass(frozen=True)
class Cover:
    """Where the person delegates, and to whom they may."""

    organization: OrganizationNode | None  # None: among EFI staff, what staff decide
    choices: list[tuple[str, str]]
    organizations: list[tuple[str, str]] = field(default_factory=list)  # all of theirs


def _cover() -> Cover | None:
    """A customer's person delegates in one of their organisations (`?organization=`, else
    the first); a staff approver to another member of staff; anybody else has nothing to
    delegate (None)."""
    if current_user.kind != "external":
        return (
            Cover(None, directory.staff_choices())
            if services.decides_as_staff(current_user)
            else None
        )
    organizations = directory.organizations_of(current_user.id)
    if not organizations:
        return None
    chosen = request.args.get("organization", organizations[0][0])
    if chosen not in dict(organizations):
        abort(404)
    return Cover(
        db.session.get(OrganizationNode, chosen),
        directory.member_choices(chosen, utcnow().date()),
        organizations,
    )


@bp.route("/delegations", methods=["GET", "POST"])
@require(SIGNED_IN)
def delegation_list():
    cover = _cover()
    form = DelegationForm()
    form.delegate.choices = [
        SelectChoice(user_id, name)
        for user_id, name in (cover.choices if cover else [])
        if user_id != current_user.id
    ]
    status = 200
    if request.method == "POST":
        if cover is None:
            abort(404)
        if form.validate_on_submit():
            try:
                create_once(
                    current_user,
                    form,
                    lambda: services.delegate(
                        current_user,
                        cover.organization.id if cover.organization else None,
                        form.delegate.data,
                        form.starts_on.data,
                        form.ends_on.data,
                        form.reason.data or "",
                    ),
                    lambda _: url_for("approvals.delegation_list"),
                )
            except DomainError as refusal:
                form.show_errors(refusal.errors)
            else:
                return done("Delegated.", "approvals.delegation_list")
        status = 422
    return render(
        "approvals/delegations.html",
        status=status,
        form=form,
        cover=cover,
        rows=queries.delegations(current_user.id),
        button=ButtonForm(),
    )


@bp.post("/delegations/<delegation_id>/revoke")
@require(SIGNED_IN)
def delegation_revoke(delegation_id: str):
    delegation = db.session.get(ApprovalDelegation, delegation_id)
    if delegation is None or delegation.delegator_id != current_user.id:
        abort(404)
    if not ButtonForm().validate_on_submit():
        abort(400)
    services.revoke_delegation(current_user, delegation.id)
    return done("Delegation revoked.", "approvals.delegation_list")
