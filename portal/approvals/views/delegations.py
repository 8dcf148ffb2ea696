"""Out of office: delegate one's approval authority for a date range, and revoke it."""

from __future__ import annotations

from flask import abort, request, url_for
from flask_login import current_user
from wtforms import SelectChoice

from portal.approvals import bp, directory, queries, services
from portal.approvals.errors import DomainError
from portal.approvals.forms import ButtonForm, DelegationForm
from portal.approvals.models import ApprovalDelegation
from portal.approvals.views._common import done, refuse
from portal.extensions import db
from portal.htmx import render
from portal.idempotency import create_once
from portal.models import utcnow
from portal.organizations import queries as org_queries
from portal.organizations.models import OrganizationNode
from portal.security.access import require
from portal.security.models import User
from portal.security.permissions import SIGNED_IN


def _organization() -> OrganizationNode | None:
    """The organisation the person belongs to (the first, for someone in several)."""
    found = org_queries.memberships(current_user.id)
    return db.session.get(OrganizationNode, found[0][0]) if found else None


@bp.route("/delegations", methods=["GET", "POST"])
@require(SIGNED_IN)
def delegation_list():
    organization = _organization()
    form = DelegationForm()
    if organization is not None:
        form.delegate.choices = [
            SelectChoice(user_id, name)
            for user_id, name in directory.member_choices(organization.id, utcnow().date())
            if user_id != current_user.id
        ]
    else:
        form.delegate.choices = []
    status = 200
    if request.method == "POST":
        if organization is None:
            abort(404)
        if form.validate_on_submit():
            try:
                create_once(
                    current_user,
                    form,
                    lambda: services.delegate(
                        current_user,
                        organization,
                        db.session.get(User, form.delegate.data),
                        form.starts_on.data,
                        form.ends_on.data,
                        form.reason.data or "",
                    ),
                    lambda _: url_for("approvals.delegation_list"),
                )
            except DomainError as refusal:
                refuse(form, refusal)
            else:
                return done("Delegated.", "approvals.delegation_list")
        status = 422
    return render(
        "approvals/delegations.html",
        status=status,
        form=form,
        organization=organization,
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
    services.revoke_delegation(current_user, delegation)
    return done("Delegation revoked.", "approvals.delegation_list")
